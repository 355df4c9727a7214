from odoo.tests import tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestDemoGenerator(D2dCommon):
    def test_demo_visits_are_plausible_and_reproducible(self):
        visits = self.env["d2d.demo.generator"]._generate_visits(days=3, visits_per_agent_day=10, seed=1)
        # in this test's houses (an upgraded database's city gets knocked too):
        # two agents, 3 days, 10 knocks a day each
        ours = visits.filtered(lambda v: v.apartment_id.house_id in self.house_a | self.house_b)
        self.assertEqual(len(ours), 60)
        self.assertEqual(set(ours.agent_id), {self.agent, self.agent_b})
        self.assertTrue(all(v.apartment_id.house_id == self.house_a for v in visits if v.agent_id == self.agent))
        self.assertTrue(all(v.competitor_id for v in visits if v.result == "competitor"))
        leads = visits.filtered(lambda v: v.result == "lead")
        self.assertEqual(len(leads.lead_id), len(leads.apartment_id))
        again = self.env["d2d.demo.generator"]._generate_visits(days=3, visits_per_agent_day=10, seed=1)
        self.assertEqual(again, visits, "same seed, same uuids: the replay creates nothing")


@tagged("post_install", "-at_install")
class TestDemoPipeline(D2dCommon):
    def test_demo_pipeline_fills_every_step(self):
        self.env["d2d.demo.generator"]._generate_visits(days=30, visits_per_agent_day=30, seed=3)
        self.env["d2d.crew"].create(
            {"name": "Demo crew", "leader_id": self.installer.id, "member_ids": [(6, 0, self.installer.ids)]}
        )
        # the walk takes the oldest new leads: those of these visits, not an upgraded database's
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "new")])
        self.env["d2d.demo.generator"]._walk_pipeline(review=2, coordination=2, scheduled=2, quality=1, done=1)
        leads = self.env["crm.lead"].search([("d2d_stage_code", "!=", False), *self.created_here()])
        counts = {
            code: len(leads.filtered(lambda lead, code=code: lead.d2d_stage_code == code))
            for code in ("review", "coordination", "scheduled", "quality", "done")
        }
        self.assertEqual(counts, {"review": 2, "coordination": 2, "scheduled": 2, "quality": 1, "done": 1})
        self.assertTrue(all(lead.d2d_responsible_id for lead in leads if lead.d2d_stage_code != "done"))
