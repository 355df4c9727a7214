from odoo.tests import tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestDemoGenerator(D2dCommon):
    def test_demo_visits_are_plausible_and_reproducible(self):
        visits = self.env["d2d.visit"]._d2d_generate_demo_visits(days=3, visits_per_agent_day=10, seed=1)
        # two agents, 3 days, 10 knocks a day each
        self.assertEqual(len(visits), 60)
        self.assertEqual(set(visits.agent_id), {self.agent, self.agent_b})
        self.assertTrue(all(v.apartment_id.house_id == self.house_a for v in visits if v.agent_id == self.agent))
        self.assertTrue(all(v.competitor_id for v in visits if v.result == "competitor"))
        leads = visits.filtered(lambda v: v.result == "lead")
        self.assertEqual(len(leads.lead_id), len(leads.apartment_id))
        again = self.env["d2d.visit"]._d2d_generate_demo_visits(days=3, visits_per_agent_day=10, seed=1)
        self.assertEqual(again, visits, "same seed, same uuids: the replay creates nothing")
