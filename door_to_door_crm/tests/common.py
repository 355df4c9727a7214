from contextlib import contextmanager

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user


class D2dCommon(TransactionCase):
    """One user per door-to-door role, two territories with one house each.

    territory_a (supervisor, agent) holds house_a; territory_b (supervisor_b,
    agent_b) holds house_b. No demo data is used.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        groups = "door_to_door_crm.group_d2d_%s"
        cls.agent = new_test_user(cls.env, "test_agent", groups=groups % "agent", name="Agent A")
        cls.agent_b = new_test_user(cls.env, "test_agent_b", groups=groups % "agent", name="Agent B")
        cls.supervisor = new_test_user(cls.env, "test_supervisor", groups=groups % "supervisor", name="Supervisor A")
        cls.supervisor_b = new_test_user(
            cls.env, "test_supervisor_b", groups=groups % "supervisor", name="Supervisor B"
        )
        cls.coordinator = new_test_user(cls.env, "test_coordinator", groups=groups % "coordinator", name="Coordinator")
        cls.installer = new_test_user(cls.env, "test_installer", groups=groups % "installer", name="Installer")
        cls.callcenter = new_test_user(cls.env, "test_callcenter", groups=groups % "callcenter", name="Operator")
        cls.manager = new_test_user(cls.env, "test_manager", groups=groups % "manager", name="Manager")
        cls.internal = new_test_user(cls.env, "test_internal", groups="base.group_user", name="Internal user")

        cls.competitor = cls.env["d2d.competitor"].create({"name": "Rival Telecom"})
        cls.territory_a = cls.env["d2d.territory"].create(
            {
                "name": "Territory A",
                "code": "TA",
                "supervisor_id": cls.supervisor.id,
                "agent_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.territory_b = cls.env["d2d.territory"].create(
            {
                "name": "Territory B",
                "code": "TB",
                "supervisor_id": cls.supervisor_b.id,
                "agent_ids": [(6, 0, cls.agent_b.ids)],
            }
        )
        cls.house_a = cls.create_house(cls.territory_a, "Baumana St", "1", entrances=2, floors=5, per_floor=4)
        cls.house_b = cls.create_house(cls.territory_b, "Lenina Ave", "7", entrances=1, floors=9, per_floor=4)

    @classmethod
    def create_house(cls, territory, street, number, entrances=1, floors=5, per_floor=4, **vals):
        return cls.env["d2d.house"].create(
            {
                "street": street,
                "house_number": number,
                "territory_id": territory.id,
                "entrance_count": entrances,
                "floor_count": floors,
                "apartments_per_floor": per_floor,
                **vals,
            }
        )

    @staticmethod
    def apartment(house, number):
        return house.apartment_ids.filtered(lambda a: a.number == number)

    def visit(self, apartment, result="closed", user=None, **vals):
        Visit = self.env["d2d.visit"]
        if user:
            Visit = Visit.with_user(user)
        return Visit.create({"apartment_id": apartment.id, "result": result, **vals})

    @contextmanager
    def assertRefused(self, exception=UserError, message=None):
        """Odoo's assertRaises, which runs the block in a savepoint rolled back
        on the error (so that "nothing written" can be checked), plus a check
        that the message says what it should."""
        with self.assertRaises(exception) as cm:
            yield cm
        if message:
            self.assertRegex(str(cm.exception), message)

    def counts(self):
        """Row counts of the door-to-door tables, to prove that a refused
        action wrote nothing."""
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in ("d2d.house", "d2d.entrance", "d2d.apartment", "d2d.visit", "crm.lead")
        }
