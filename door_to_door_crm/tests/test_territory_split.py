from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import D2dLeadCommon


@tagged("post_install", "-at_install")
class TestTerritorySplit(D2dLeadCommon):
    """The supervisor gives houses to agents, one by one or in bulk, and the
    open work and the agents' access follow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_c = new_test_user(cls.env, "test_agent_c", groups="door_to_door_crm.group_d2d_agent", name="Agent C")
        cls.district = cls.env["d2d.territory"].create({"name": "District", "supervisor_id": cls.supervisor.id})
        # Streets of 120 (3 houses), 100, 60 and 40 apartments: 320 in all.
        sizes = {"Oak St": [40, 40, 40], "Pine St": [100], "Ash St": [60], "Elm St": [40]}
        for street, houses in sizes.items():
            for number, apartments in enumerate(houses, start=1):
                cls.create_house(cls.district, street, str(number), floors=apartments // 4, per_floor=4)

    def split(self, agents, scope="unassigned", user=None):
        wizard = (
            self.env["d2d.territory.split.wizard"]
            .with_user(user or self.supervisor)
            .create({"territory_id": self.district.id, "scope": scope, "agent_ids": [(6, 0, agents.ids)]})
        )
        self.result = wizard.action_split()
        return wizard

    def load(self, agent):
        return sum(self.district.house_ids.filtered(lambda h: h.agent_id == agent).mapped("apartment_count"))

    def test_split_keeps_streets_together_and_balances_apartments(self):
        self.split(self.agent | self.agent_b)
        houses = self.district.house_ids
        self.assertFalse(houses.filtered(lambda h: not h.agent_id))
        for street in set(houses.mapped("street")):
            self.assertEqual(len(houses.filtered(lambda h, s=street: h.street == s).agent_id), 1, street)
        self.assertEqual(sorted([self.load(self.agent), self.load(self.agent_b)]), [160, 160])

    def test_the_result_says_what_each_agent_was_given(self):
        self.split(self.agent | self.agent_b)
        expected = sorted(
            f"{agent.name}: {len(houses)} houses, {self.load(agent)} apartments"
            for agent in (self.agent, self.agent_b)
            for houses in [self.district.house_ids.filtered(lambda h, a=agent: h.agent_id == a)]
        )
        self.assertEqual(sorted(self.result["params"]["message"].splitlines()), expected)
        self.assertNotIn(": 0 houses", self.result["params"]["message"])
        self.assertIn(expected[0], self.district.message_ids[:1].body)

    def test_only_agents_are_offered(self):
        domain = (
            self.env["d2d.territory.split.wizard"]
            ._fields["agent_ids"]
            .get_domain_list(self.env["d2d.territory.split.wizard"])
        )
        offered = self.env["res.users"].search(domain)
        self.assertLessEqual(self.agent | self.agent_b | self.agent_c, offered)
        for office in (self.supervisor, self.manager, self.env.ref("base.user_admin"), self.coordinator):
            self.assertNotIn(office, offered, office.login)

    def test_access_follows_the_split_at_once(self):
        House = self.env["d2d.house"]
        self.assertFalse(House.with_user(self.agent_c).search([("territory_id", "=", self.district.id)]))
        self.split(self.agent_c | self.agent_b)
        seen = House.with_user(self.agent_c).search([("territory_id", "=", self.district.id)])
        self.assertEqual(seen, self.district.house_ids.filtered(lambda h: h.agent_id == self.agent_c))
        self.assertTrue(seen)

    def test_unassigned_scope_counts_what_agents_already_have(self):
        pine = self.district.house_ids.filtered(lambda h: h.street == "Pine St")
        pine.with_user(self.supervisor).agent_id = self.agent
        self.split(self.agent | self.agent_b)
        self.assertEqual(pine.agent_id, self.agent, "assigned houses are kept")
        self.assertEqual(sorted([self.load(self.agent), self.load(self.agent_b)]), [160, 160])

    def test_split_refuses_an_empty_selection_and_other_supervisors(self):
        self.split(self.agent)
        with self.assertRefused(UserError, "no house to split"):
            self.split(self.agent_b)
        with self.assertRefused(UserError):
            self.split(self.agent_b, scope="all", user=self.supervisor_b)

    def test_reassigning_a_house_moves_its_open_work(self):
        house = self.house_a
        house.agent_id = self.agent
        new_lead = self.knock_lead()
        reviewed = self.walk(self.knock_lead(), "review")
        apartment = house.apartment_ids[-1]
        apartment.sudo().rework_agent_id = self.agent
        self.territory_a.agent_ids = [(5,)]  # agent A now works this house only through the assignment
        house.with_user(self.supervisor).agent_id = self.agent_c
        self.assertEqual(new_lead.user_id, self.agent_c)
        self.assertEqual(new_lead.d2d_responsible_id, self.agent_c)
        self.assertEqual(self.step_activities(new_lead).user_id, self.agent_c)
        self.assertEqual(reviewed.user_id, self.agent, "a lead past new stays with the agent who found it")
        self.assertEqual(apartment.rework_agent_id, self.agent_c)
        self.assertIn("1 apartments to knock again and 1 new leads", " ".join(house.message_ids.mapped("body")))
        self.assertFalse(self.env["d2d.house"].with_user(self.agent).search([("id", "=", house.id)]))
        self.assertTrue(self.env["d2d.house"].with_user(self.agent_c).search([("id", "=", house.id)]))
