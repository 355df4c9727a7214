from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file

from .common import D2dCommon
from .test_i18n import CYRILLIC


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


@tagged("post_install", "-at_install")
class TestDemoCompany(TransactionCase):
    """The demo's provider is a Russian company working in Moscow time, and
    its crews' working hours read in Russian. The suite runs without demo
    data: the test loads the demo files the crews need, as the demo does, and
    the transaction forgets them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("d2d_company_demo.xml", "d2d_users_demo.xml", "d2d_crew_demo.xml"):
            convert_file(cls.env, "door_to_door_crm", f"demo/{name}", {}, mode="init", noupdate=True, kind="demo")
        cls.company = cls.env.ref("base.main_company")
        cls.calendar = cls.env.ref("door_to_door_crm.resource_calendar_moscow_demo")
        cls.crews = cls.env.ref("door_to_door_crm.d2d_crew_north_demo") | cls.env.ref(
            "door_to_door_crm.d2d_crew_south_demo"
        )

    def test_a_russian_company(self):
        rouble = self.env.ref("base.RUB")
        self.assertEqual(self.company.country_id, self.env.ref("base.ru"))
        self.assertEqual(self.company.currency_id, rouble)
        self.assertTrue(rouble.active, "the rouble is offered wherever a currency is chosen")
        self.assertRegex(self.company.name, CYRILLIC)
        self.assertEqual(self.company.resource_calendar_id, self.calendar)
        self.assertEqual(self.calendar.tz, "Europe/Moscow")

    def test_crews_work_russian_hours_in_moscow_time(self):
        self.assertEqual(self.crews.resource_calendar_id, self.calendar)
        self.assertRegex(self.calendar.name, CYRILLIC)
        self.assertEqual(len(self.calendar.attendance_ids), 15, "five days: morning, lunch, afternoon")
        english = self.calendar.attendance_ids.filtered(lambda line: not CYRILLIC.search(line.name))
        self.assertFalse(english.mapped("name"), "attendances a Russian user reads in English")
        # 00:00 UTC of a Monday ahead: 09:00–13:00 and 14:00–18:00 in Moscow (UTC+3)
        today = fields.Date.today()
        monday = datetime.combine(today + timedelta(days=7 - today.weekday() + 7), time(0, 0))
        north = self.env.ref("door_to_door_crm.d2d_crew_north_demo")
        starts = [start for start, _stop, _crew in north._find_slots(monday, timedelta(hours=2), count=4)]
        hours = [monday + timedelta(hours=hour) for hour in (6, 8, 11, 13)]
        self.assertEqual(starts, hours, "09:00, 11:00, after lunch 14:00, 16:00 Moscow time")
