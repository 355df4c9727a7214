from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestAccess(D2dCommon):
    """Each role against each model of the foundation: what it may read in its
    own territory and in another one, and whether it may write, create and
    delete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.visit_a = cls.env["d2d.visit"].create({"apartment_id": cls.house_a.apartment_ids[0].id, "result": "closed"})
        cls.visit_b = cls.env["d2d.visit"].create({"apartment_id": cls.house_b.apartment_ids[0].id, "result": "closed"})

    def records(self, model):
        """(record in territory A, record in territory B) of `model`."""
        return {
            "d2d.territory": (self.territory_a, self.territory_b),
            "d2d.house": (self.house_a, self.house_b),
            "d2d.entrance": (self.house_a.entrance_ids[0], self.house_b.entrance_ids[0]),
            "d2d.apartment": (self.house_a.apartment_ids[1], self.house_b.apartment_ids[1]),
            "d2d.visit": (self.visit_a, self.visit_b),
            "d2d.competitor": (self.competitor, self.competitor),
        }[model]

    def can_read(self, user, record):
        try:
            record.with_user(user).check_access("read")
            record.with_user(user).read(["display_name"])
            return record in record.with_user(user).search([("id", "=", record.id)])
        except AccessError:
            return False

    def can(self, operation, user, model):
        """Try one write/create/unlink, always rolled back; True when allowed."""
        record = self.records(model)[0]
        values = {
            "d2d.territory": {
                "write": {"note": "<p>x</p>"},
                "create": {"name": "T new", "supervisor_id": self.supervisor.id},
            },
            "d2d.house": {
                "write": {"note": "x"},
                "create": {"street": "New St", "house_number": "1", "territory_id": self.territory_a.id},
            },
            "d2d.entrance": {"write": {"intercom_code": "99"}, "create": None},
            "d2d.apartment": {"write": {"note": "x"}, "create": None},
            "d2d.visit": {
                "write": {"note": "x"},
                "create": {"apartment_id": self.house_a.apartment_ids[5].id, "result": "refusal"},
            },
            "d2d.competitor": {"write": {"note": "x"}, "create": {"name": "Another ISP"}},
        }[model]

        def run():
            if operation == "write":
                record.with_user(user).write(values["write"])
            elif operation == "create":
                self.env[model].with_user(user).create(values["create"])
            else:
                target = record
                if model == "d2d.house":
                    target = self.create_house(self.territory_a, "Spare St", "1")
                elif model == "d2d.entrance":
                    self.house_a.layout_type = "custom"
                    target = self.house_a.entrance_ids[1]
                elif model == "d2d.apartment":
                    target = self.house_a.apartment_ids[-1]
                elif model == "d2d.territory":
                    target = self.env["d2d.territory"].create({"name": "Spare"})
                elif model == "d2d.competitor":
                    target = self.env["d2d.competitor"].create({"name": "Spare ISP"})
                target.with_user(user).unlink()

        return self.attempt(run) == "allowed"

    # role -> model -> (read own, read other, write, create, unlink)
    MATRIX = {
        "agent": {
            "d2d.territory": (1, 0, 0, 0, 0),
            "d2d.house": (1, 0, 0, 0, 0),
            "d2d.entrance": (1, 0, 0, 0, 0),
            "d2d.apartment": (1, 0, 1, 0, 0),  # only the note
            "d2d.visit": (1, 0, 0, 1, 0),
            "d2d.competitor": (1, 1, 0, 0, 0),
        },
        "supervisor": {
            "d2d.territory": (1, 0, 1, 0, 0),
            "d2d.house": (1, 0, 1, 1, 0),
            "d2d.entrance": (1, 0, 1, 1, 1),
            "d2d.apartment": (1, 0, 1, 1, 1),
            "d2d.visit": (1, 0, 0, 1, 0),
            "d2d.competitor": (1, 1, 0, 0, 0),
        },
        "coordinator": {
            "d2d.territory": (1, 1, 0, 0, 0),
            "d2d.house": (1, 1, 0, 0, 0),
            "d2d.entrance": (1, 1, 0, 0, 0),
            "d2d.apartment": (1, 1, 0, 0, 0),
            "d2d.visit": (1, 1, 0, 0, 0),
            "d2d.competitor": (1, 1, 0, 0, 0),
        },
        "installer": {
            "d2d.territory": (0, 0, 0, 0, 0),
            "d2d.house": (0, 0, 0, 0, 0),
            "d2d.entrance": (0, 0, 0, 0, 0),
            "d2d.apartment": (0, 0, 0, 0, 0),
            "d2d.visit": (0, 0, 0, 0, 0),
            "d2d.competitor": (1, 1, 0, 0, 0),
        },
        "callcenter": {
            "d2d.territory": (0, 0, 0, 0, 0),
            "d2d.house": (0, 0, 0, 0, 0),
            "d2d.entrance": (0, 0, 0, 0, 0),
            "d2d.apartment": (0, 0, 0, 0, 0),
            "d2d.visit": (0, 0, 0, 0, 0),
            "d2d.competitor": (1, 1, 0, 0, 0),
        },
        "manager": {
            "d2d.territory": (1, 1, 1, 1, 1),
            "d2d.house": (1, 1, 1, 1, 1),
            "d2d.entrance": (1, 1, 1, 1, 1),
            "d2d.apartment": (1, 1, 1, 1, 1),
            "d2d.visit": (1, 1, 1, 1, 1),
            "d2d.competitor": (1, 1, 1, 1, 1),
        },
        "internal": {
            model: (0, 0, 0, 0, 0)
            for model in ("d2d.territory", "d2d.house", "d2d.entrance", "d2d.apartment", "d2d.visit", "d2d.competitor")
        },
    }

    def check_role(self, role):
        user = getattr(self, role)
        for model, expected in self.MATRIX[role].items():
            own, other = self.records(model)
            read_own, read_other, write, create, unlink = expected
            with self.subTest(role=role, model=model):
                self.assertEqual(self.can_read(user, own), bool(read_own), "read own")
                self.assertEqual(self.can_read(user, other), bool(read_other), "read other")
                self.assertEqual(self.can("write", user, model), bool(write), "write")
                if model not in ("d2d.entrance", "d2d.apartment"):  # made by the layout only
                    self.assertEqual(self.can("create", user, model), bool(create), "create")
                self.assertEqual(self.can("unlink", user, model), bool(unlink), "unlink")

    def test_agent(self):
        self.check_role("agent")

    def test_supervisor(self):
        self.check_role("supervisor")

    def test_coordinator(self):
        self.check_role("coordinator")

    def test_installer(self):
        self.check_role("installer")

    def test_callcenter(self):
        self.check_role("callcenter")

    def test_manager(self):
        self.check_role("manager")

    def test_plain_internal_user(self):
        self.check_role("internal")

    def test_agent_may_only_change_the_note_of_an_apartment(self):
        apartment = self.house_a.apartment_ids[0].with_user(self.agent)
        apartment.note = "Dog behind the door"
        self.assertEqual(apartment.note, "Dog behind the door")
        with self.assertRefused(UserError, "only change the note"):
            apartment.floor = 3

    def test_agent_of_a_single_house_sees_that_house_only(self):
        self.house_b.agent_id = self.agent
        houses = self.env["d2d.house"].with_user(self.agent).search([])
        self.assertEqual(houses, self.house_a | self.house_b)
        other = self.create_house(self.territory_b, "Other St", "2")
        self.assertNotIn(other, self.env["d2d.house"].with_user(self.agent).search([]))
        apartments = self.env["d2d.apartment"].with_user(self.agent).search([("house_id", "=", self.house_b.id)])
        self.assertEqual(len(apartments), self.house_b.apartment_count)

    def test_access_follows_territory_changes_at_once(self):
        self.assertFalse(self.env["d2d.house"].with_user(self.agent_b).search([("id", "=", self.house_a.id)]))
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        self.assertTrue(self.env["d2d.house"].with_user(self.agent_b).search([("id", "=", self.house_a.id)]))
        self.territory_a.agent_ids = [(3, self.agent_b.id)]
        self.assertFalse(self.env["d2d.house"].with_user(self.agent_b).search([("id", "=", self.house_a.id)]))


@tagged("post_install", "-at_install")
class TestInMyWork(D2dCommon):
    """The field the agents' and supervisors' rules on apartments and visits
    read: the same answer as the roles' own conditions, both ways."""

    def test_in_my_work_follows_agent_supervisor_and_handed_back(self):
        Apartment = self.env["d2d.apartment"]
        other = self.apartment(self.house_b, 1)
        for user, houses in (
            (self.agent, self.house_a),
            (self.supervisor, self.house_a),
            (self.agent_b, self.house_b),
            (self.supervisor_b, self.house_b),
        ):
            mine = Apartment.with_user(user).search([("d2d_in_my_work", "=", True)])
            self.assertEqual(mine, houses.apartment_ids, user.name)
            not_mine = Apartment.with_user(user).sudo().search([("d2d_in_my_work", "!=", True)])
            self.assertFalse(not_mine & houses.apartment_ids, user.name)
        other.sudo().rework_agent_id = self.agent
        self.assertIn(other, Apartment.with_user(self.agent).search([]))
        self.assertTrue(other.with_user(self.agent).d2d_in_my_work)
        visit = self.visit(other, "refusal", user=self.agent)
        self.assertEqual(self.env["d2d.visit"].with_user(self.agent).search([("id", "=", visit.id)]), visit)
        self.assertFalse(self.apartment(self.house_b, 2).with_user(self.agent).sudo().d2d_in_my_work)
