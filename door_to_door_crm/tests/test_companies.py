import json
import time
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CLIENT_CARD, JOB_PHOTOS, D2dCrewCommon, D2dLeadCommon, jpeg_photo
from .test_agent_sync import decode_apartments, decode_visits

# Two points some 5 km and 600 km from the houses of the tests below: a knock
# there is "far" from either house.
MOSCOW, ST_PETERSBURG, FAR_AWAY = (55.7558, 37.6173), (59.9343, 30.3351), (55.80, 37.70)


@tagged("post_install", "-at_install")
class TestCompanies(HttpCase, D2dLeadCommon):
    """Two companies in one database: territory A (and its people) in the main
    company, territory B (and its people) in company B. Agent A is also put on
    territory B's agent list, which the role rules alone would let them see:
    the company rules must still fence them out, by every route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.split_off_company_b()
        cls.territory_b.agent_ids = [(4, cls.agent.id)]
        cls.lead_a = cls.knock_lead(cls.house_a, phone="+79161110000")
        cls.lead_b = cls.knock_lead(cls.house_b, phone="+79162220000")

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def xmlrpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def rpc(self, url, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        answer = self.url_open(url, data=body, headers={"Content-Type": "application/json"}).json()
        self.env.invalidate_all()  # the server wrote in its own cache
        return answer

    def call_kw(self, user, model, method, *args, **kwargs):
        """The result of the web client's /web/dataset/call_kw in `user`'s session."""
        self.authenticate(user.login, user.login)
        answer = self.rpc(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        )
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def free_apartments(self, house):
        return house.apartment_ids.filtered(lambda apartment: not apartment.lead_id)

    @staticmethod
    def now_ms(minutes_ago=1):
        return int(time.time() * 1000) - minutes_ago * 60000

    def test_company_follows_the_territory(self):
        self.assertEqual(self.house_b.company_id, self.company_b)
        self.assertEqual(self.house_b.entrance_ids.company_id, self.company_b)
        self.assertEqual(self.house_b.apartment_ids.company_id, self.company_b)
        self.assertEqual(self.lead_b.company_id, self.company_b)
        self.assertEqual(self.lead_b.d2d_visit_ids.company_id, self.company_b)
        self.assertEqual(self.lead_a.company_id, self.company_a)
        self.assertEqual(self.house_a.apartment_ids.company_id, self.company_a)

    def test_orm_fences_every_role(self):
        of_b = {
            "d2d.territory": [("id", "=", self.territory_b.id)],
            "d2d.house": [("id", "=", self.house_b.id)],
            "d2d.apartment": [("house_id", "=", self.house_b.id)],
            "d2d.visit": [("house_id", "=", self.house_b.id)],
            "crm.lead": [("id", "=", self.lead_b.id)],
        }
        checked = 0
        for user in (self.agent, self.supervisor, self.coordinator, self.installer, self.callcenter):
            env = self.env(user=user)
            for model, domain in of_b.items():
                if not env[model].has_access("read"):
                    continue
                checked += 1
                with self.subTest(user=user.login, model=model):
                    self.assertFalse(env[model].with_context(active_test=False).search(domain))
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                env["d2d.house"].browse(self.house_b.id).read(["name"])
        self.assertGreater(checked, 10)
        # the agent of B keeps seeing their own house and lead
        env_b = self.env(user=self.agent_b)
        self.assertEqual(env_b["d2d.house"].search([]), self.house_b)
        self.assertIn(self.lead_b, env_b["crm.lead"].search([]))

    def test_xmlrpc_fences_the_agent(self):
        houses = self.xmlrpc(self.agent, "d2d.house", "search_read", [], fields=["id"])
        self.assertEqual([house["id"] for house in houses], self.house_a.ids)
        visits = self.xmlrpc(self.agent, "d2d.visit", "search", [("house_id", "=", self.house_b.id)])
        self.assertEqual(visits, [])
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc(self.agent, "d2d.apartment", "read", self.house_b.apartment_ids[:1].ids, ["number"])

    def test_callcenter_lookup_of_a_phone_of_b(self):
        self.assertEqual(self.xmlrpc(self.callcenter, "d2d.callcenter", "lookup", "+79162220000"), [])
        self.assertTrue(self.xmlrpc(self.callcenter, "d2d.callcenter", "lookup", "+79161110000"))

    def test_tablet_snapshot_and_sync(self):
        self.authenticate("test_agent", "test_agent")
        snapshot = self.rpc("/d2d/agent/snapshot", {})["result"]
        self.assertEqual([house[0] for house in snapshot["houses"]], self.house_a.ids)
        apartment_b = self.house_b.apartment_ids.filtered(lambda a: not a.lead_id)[0]
        before = self.env["d2d.visit"].search_count([("apartment_id", "=", apartment_b.id)])
        event = {
            "type": "visit",
            "uuid": "company-b-1",
            "apartment_id": apartment_b.id,
            "result": "closed",
            "time": int(time.time() * 1000) - 60000,
        }
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "token": snapshot["token"], "events": [event]})
        answer = answer["result"]
        self.assertEqual(answer["accepted"], [])
        self.assertEqual([item["uuid"] for item in answer["rejected"]], ["company-b-1"])
        self.assertEqual(self.env["d2d.visit"].search_count([("apartment_id", "=", apartment_b.id)]), before)
        # a visit the tablet records in A carries A's company
        event_a = dict(
            event, uuid="company-a-1", apartment_id=self.house_a.apartment_ids.filtered(lambda a: not a.lead_id)[0].id
        )
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "events": [event_a]})["result"]
        self.assertEqual(answer["accepted"], ["company-a-1"])
        self.assertEqual(self.env["d2d.visit"].search([("uuid", "=", "company-a-1")]).company_id, self.company_a)

    def test_reports_and_the_manager_of_both(self):
        both = self.env(user=self.manager, context={"allowed_company_ids": [self.company_a.id, self.company_b.id]})
        only_a = self.env(user=self.manager, context={"allowed_company_ids": [self.company_a.id]})
        # this test's territories (an upgraded database's city has more in the main company)
        mine = self.created_here()
        self.assertEqual(both["d2d.territory"].search(mine), self.territory_a | self.territory_b)
        self.assertEqual(only_a["d2d.territory"].search(mine), self.territory_a)
        self.assertIn(self.lead_b, both["d2d.stage.time"].search([]).lead_id)
        self.assertNotIn(self.lead_b, only_a["d2d.stage.time"].search([]).lead_id)
        self.assertIn(self.lead_a, only_a["d2d.stage.time"].search([]).lead_id)
        for model in ("d2d.agent.stats", "d2d.market.share", "d2d.stage.time"):
            with self.subTest(model=model):
                groups = only_a[model]._read_group([], ["territory_id"], ["__count"])
                self.assertNotIn(self.territory_b, [territory for territory, _count in groups])
                supervisor = self.env(user=self.supervisor)[model]._read_group([], ["territory_id"], ["__count"])
                self.assertNotIn(self.territory_b, [territory for territory, _count in supervisor])

    def test_territory_pdf_of_b_refused_to_a(self):
        report = "door_to_door_crm.action_report_d2d_territory"
        only_a = self.env(user=self.manager, context={"allowed_company_ids": [self.company_a.id]})
        with self.assertRaises(AccessError) as cm:
            only_a["ir.actions.report"]._render_qweb_html(report, self.territory_b.ids)
        self.assertNotIn("Territory B", str(cm.exception))
        with self.assertRaises(AccessError):
            self.env(user=self.supervisor)["ir.actions.report"]._render_qweb_html(report, self.territory_b.ids)

    def test_the_tablet_gets_no_lead_visit_or_apartment_of_b_in_its_snapshot_or_changes(self):
        """Agent A is on territory B's list, which the role rules would
        follow: the snapshot and the sync's changes (raw SQL both) carry no
        apartment, visit, lead, note or agent of company B, before or after
        B's people change them; A's own changes still reach the tablet."""
        free_a, free_b = self.free_apartments(self.house_a), self.free_apartments(self.house_b)
        self.visit(free_b[0], "refusal", user=self.agent_b)
        self.visit(free_a[0], "pensioner", user=self.agent)
        self.authenticate("test_agent", "test_agent")
        snapshot = self.rpc("/d2d/agent/snapshot", {})["result"]
        self.assertEqual(set(decode_apartments(snapshot)), set(self.house_a.apartment_ids.ids))
        self.assertEqual({row[1] for row in snapshot["entrances"]}, set(self.house_a.ids))
        self.assertEqual(
            {apartment for apartment, _result, _agent in decode_visits(snapshot)},
            {self.lead_a.d2d_apartment_id.id, free_a[0].id},
            "the history holds A's visits only",
        )
        self.assertEqual([row[0] for row in snapshot["leads"]], self.lead_a.ids)
        self.assertEqual([row[0] for row in snapshot["agents"]], self.agent.ids)
        self.assertEqual(
            (snapshot["token"]["house_ids"], snapshot["token"]["leads"]), (self.house_a.ids, self.lead_a.ids)
        )
        text = json.dumps(snapshot)
        for of_b in ("+79162220000", "Agent B", "Lenina"):
            self.assertNotIn(of_b, text)

        # after the snapshot, B's people work in B, and someone in A
        self.visit(free_b[1], "competitor", user=self.agent_b, competitor_id=self.competitor.id)
        self.lead_b.sudo().contact_name = "Changed in B"
        free_b[2].sudo().note = "Dog in B"
        self.visit(free_a[1], "refusal", user=self.agent)  # on the web, not on this tablet
        answer = self.rpc(
            "/d2d/agent/sync", {"uid": self.agent.id, "device_id": "tablet-a", "token": snapshot["token"], "events": []}
        )["result"]
        changes = answer["changes"]
        apartments_of_a = set(self.house_a.apartment_ids.ids)
        self.assertIn(free_a[1].id, [row[0] for row in changes["apartments"]], "A's change reaches the tablet")
        self.assertIn([free_a[1].id, "refusal", self.agent.id], [[v[0], v[2], v[3]] for v in changes["visits"]])
        self.assertLessEqual({row[0] for row in changes["apartments"]}, apartments_of_a)
        self.assertLessEqual({row[0] for row in changes["visits"]}, apartments_of_a)
        self.assertLessEqual({row[0] for row in changes["leads"]}, set(self.lead_a.ids))
        self.assertNotIn(self.agent_b.id, [row[0] for row in changes["agents"]])
        self.assertEqual(changes["removed"], {"houses": [], "apartments": [], "leads": []})
        self.assertEqual(answer["token"]["house_ids"], self.house_a.ids)
        text = json.dumps(answer)
        for of_b in ("Changed in B", "Dog in B", "Agent B", "+79162220000"):
            self.assertNotIn(of_b, text)

    def test_an_agent_of_both_companies_gets_on_the_tablet_only_the_companies_they_work_in(self):
        """The raw SQL of the snapshot and the sync reads the companies the
        user works in (allowed_company_ids) as the ORM's rules do, not all
        the companies the user may enter."""
        both = self.company_a | self.company_b
        agent_ab = new_test_user(
            self.env,
            "test_agent_ab",
            groups="door_to_door_crm.group_d2d_agent",
            name="Agent AB",
            company_id=self.company_a.id,
            company_ids=[(6, 0, both.ids)],
        )
        (self.territory_a | self.territory_b).agent_ids = [(4, agent_ab.id)]
        lead_in_a = self.knock_lead(self.house_a, agent=agent_ab, phone="+79161113333")
        lead_in_b = self.knock_lead(self.house_b, agent=agent_ab, phone="+79162223333")
        self.assertEqual((lead_in_a.company_id, lead_in_b.company_id), (self.company_a, self.company_b))
        Sync = self.env["d2d.agent.sync"].with_user(agent_ab)
        for companies, houses, leads in (
            (self.company_a, self.house_a, lead_in_a),
            (self.company_b, self.house_b, lead_in_b),
            (both, self.house_a | self.house_b, lead_in_a | lead_in_b),
        ):
            with self.subTest(companies=companies.mapped("name")):
                context = {"allowed_company_ids": companies.ids}
                orm = self.env(user=agent_ab, context=context)
                self.assertEqual(orm["d2d.house"].search([]), houses, "what the ORM shows")
                self.assertEqual(orm["crm.lead"].search([("user_id", "=", agent_ab.id)]), leads)
                snapshot = Sync.with_context(**context)._snapshot()
                self.assertEqual({row[0] for row in snapshot["houses"]}, set(houses.ids))
                self.assertEqual(set(decode_apartments(snapshot)), set(orm["d2d.apartment"].search([]).ids))
                self.assertEqual(set(decode_apartments(snapshot)), set(houses.apartment_ids.ids))
                self.assertEqual(
                    {apartment for apartment, _result, _agent in decode_visits(snapshot)},
                    set(orm["d2d.visit"].search([]).apartment_id.ids),
                )
                self.assertEqual({row[0] for row in snapshot["leads"]}, set(leads.ids))
                self.assertEqual(set(snapshot["token"]["leads"]), set(leads.ids))

        # working in A, the agent's tablet records nothing in B, and B's changes stay away
        only_a = Sync.with_context(allowed_company_ids=self.company_a.ids)
        token = only_a._snapshot()["token"]
        free_b = self.free_apartments(self.house_b)
        self.visit(free_b[0], "competitor", user=self.agent_b, competitor_id=self.competitor.id)
        event = {"type": "visit", "uuid": "ab-in-b", "apartment_id": free_b[1].id, "result": "closed"}
        answer = only_a._sync({"uid": agent_ab.id, "token": token, "events": [dict(event, time=self.now_ms())]})
        self.assertEqual([item["uuid"] for item in answer["rejected"]], ["ab-in-b"])
        self.assertFalse(self.env["d2d.visit"].search([("uuid", "=", "ab-in-b")]))
        changes = answer["changes"]
        self.assertLessEqual({row[0] for row in changes["apartments"]}, set(self.house_a.apartment_ids.ids))
        self.assertLessEqual({row[0] for row in changes["visits"]}, set(self.house_a.apartment_ids.ids))
        self.assertNotIn(lead_in_b.id, [row[0] for row in changes["leads"]])
        self.assertNotIn(self.agent_b.id, [row[0] for row in changes["agents"]])
        # working in both, the same knock is theirs to record, and a lead
        # they open in B (their current company being A) belongs to B
        lead_event = {
            "type": "visit",
            "uuid": "ab-lead-in-b",
            "apartment_id": free_b[2].id,
            "result": "lead",
            "phone": "+79162224444",
            "time": self.now_ms(),
        }
        answer = Sync.with_context(allowed_company_ids=both.ids)._sync(
            {"uid": agent_ab.id, "events": [dict(event, time=self.now_ms()), lead_event]}
        )
        self.assertEqual(answer["accepted"], ["ab-in-b", "ab-lead-in-b"], answer["rejected"])
        self.assertEqual(self.env["d2d.visit"].search([("uuid", "=", "ab-in-b")]).company_id, self.company_b)
        opened = self.env["d2d.visit"].search([("uuid", "=", "ab-lead-in-b")]).lead_id
        self.assertEqual((opened.company_id, opened.user_id), (self.company_b, agent_ab))

    def test_the_map_and_the_presence_flags_of_a_show_nothing_of_b(self):
        """The supervisors' house map (d2d.house.d2d_map_data, as its view
        calls it) and the "Presence flags" report (d2d.visit with the
        report's filter) of company A hold no house or visit of B, though B's
        knocks are flagged alike; B's supervisor sees B's."""
        self.house_a.write({"latitude": MOSCOW[0], "longitude": MOSCOW[1]})
        self.house_b.write({"latitude": ST_PETERSBURG[0], "longitude": ST_PETERSBURG[1]})
        self.env.flush_all()  # the presence check reads the houses' points in SQL
        position = {"gps_latitude": FAR_AWAY[0], "gps_longitude": FAR_AWAY[1], "gps_accuracy": 5.0}
        # the flags are the supervisors' to read: read here as superuser
        visit_a = self.visit(self.free_apartments(self.house_a)[0], "refusal", user=self.agent, **position).sudo()
        visit_b = self.visit(self.free_apartments(self.house_b)[0], "refusal", user=self.agent_b, **position).sudo()
        self.assertEqual((visit_a.presence_flag, visit_b.presence_flag), ("far", "far"))
        houses = (self.house_a | self.house_b).ids
        flagged = [("presence_flag", "not in", ("ok", False))]  # the report's default filter

        for user, mine, theirs in ((self.supervisor, visit_a, visit_b), (self.supervisor_b, visit_b, visit_a)):
            with self.subTest(user=user.login):
                # the map, over the web client's call and in the ORM
                shown = self.call_kw(user, "d2d.house", "d2d_map_data", houses)["houses"]
                self.assertEqual([house["id"] for house in shown], mine.house_id.ids)
                self.assertEqual(
                    [house["id"] for house in self.env["d2d.house"].with_user(user).d2d_map_data(houses)["houses"]],
                    mine.house_id.ids,
                )
                # the report: its rows and its groups
                rows = self.call_kw(
                    user, "d2d.visit", "search_read", flagged, ["house_id", "agent_id", "presence_flag"]
                )
                self.assertIn(mine.id, [row["id"] for row in rows])
                self.assertNotIn(theirs.id, [row["id"] for row in rows])
                groups = self.call_kw(user, "d2d.visit", "read_group", flagged, ["house_id"], ["house_id"])
                self.assertNotIn(theirs.house_id.id, [group["house_id"][0] for group in groups])
                self.assertNotIn(theirs.agent_id.name, json.dumps(rows + groups))
                Visit = self.env(user=user)["d2d.visit"]
                self.assertNotIn(theirs.house_id, Visit.search(flagged).house_id)
        # the manager: both companies, then A alone
        for companies, shown in ((self.company_a | self.company_b, houses), (self.company_a, self.house_a.ids)):
            with self.subTest(companies=companies.mapped("name")):
                Houses = self.env(user=self.manager, context={"allowed_company_ids": companies.ids})["d2d.house"]
                self.assertEqual({house["id"] for house in Houses.d2d_map_data(houses)["houses"]}, set(shown))
                flagged_visits = Houses.env["d2d.visit"].search(flagged + [("house_id", "in", houses)])
                self.assertEqual(set(flagged_visits.house_id.ids), set(shown))


@tagged("post_install", "-at_install")
class TestCompanyCrews(HttpCase, D2dCrewCommon):
    """Crews, their jobs, the equipment reserved for a client and the time
    limits of the steps, in two companies: crew A (installer) works in the
    main company, crew B (installer B) in company B with its coordinator.
    Installer A is also put on crew B's member list, which the role rules
    alone would follow. The people of A neither see nor change what is B's,
    by the ORM, XML-RPC or the web client's call, and cannot book B's crew;
    B's see theirs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.split_off_company_b()
        cls.coordinator_b = cls.user_of_company_b("test_coordinator_of_b", "coordinator", "Coordinator B")
        cls.installer_b.write({"company_ids": [(4, cls.company_b.id)], "company_id": cls.company_b.id})
        cls.installer_b.write({"company_ids": [(3, cls.company_a.id)]})
        cls.crew_b.write(
            {"company_id": cls.company_b.id, "resource_calendar_id": cls.company_b.resource_calendar_id.id}
        )
        cls.tariff_b = cls.env["d2d.tariff"].create({"name": "Home 500 B", "company_id": cls.company_b.id})
        Equipment = cls.env["d2d.equipment"]
        cls.equipment_a = Equipment.create({"name": "Router of A", "company_id": cls.company_a.id})
        cls.equipment_b = Equipment.create({"name": "Router of B", "company_id": cls.company_b.id})
        cls.lead_a = cls.walk(cls.knock_lead(cls.house_a, phone="+79161115555", name="Client A"), "scheduled")
        cls.lead_b = cls.walk(cls.knock_lead(cls.house_b, phone="+79162225555", name="Client B"), "scheduled")
        cls.job_a, cls.job_b = cls.lead_a.d2d_installation_ids, cls.lead_b.d2d_installation_ids
        cls.crew_b.member_ids = [(4, cls.installer.id)]
        Line = cls.env["d2d.equipment.line"]
        cls.line_a = Line.create({"lead_id": cls.lead_a.id, "equipment_id": cls.equipment_a.id})
        cls.line_b = Line.create({"lead_id": cls.lead_b.id, "equipment_id": cls.equipment_b.id})
        review = cls.env["crm.lead"]._d2d_stage("review")
        Limit = cls.env["d2d.stage.company.limit"]
        cls.limit_a = Limit.create({"stage_id": review.id, "company_id": cls.company_a.id, "time_limit_hours": 24})
        cls.limit_b = Limit.create({"stage_id": review.id, "company_id": cls.company_b.id, "time_limit_hours": 12})
        cls.of_a = {
            "d2d.crew": cls.crew,
            "d2d.installation": cls.job_a,
            "d2d.equipment": cls.equipment_a,
            "d2d.equipment.line": cls.line_a,
            "d2d.stage.company.limit": cls.limit_a,
        }
        cls.of_b = {
            "d2d.crew": cls.crew_b,
            "d2d.installation": cls.job_b,
            "d2d.equipment": cls.equipment_b,
            "d2d.equipment.line": cls.line_b,
            "d2d.stage.company.limit": cls.limit_b,
        }

    @classmethod
    def walk_schedule(cls, lead):
        """As D2dCrewCommon's, by the coordinator and with a tariff of the lead's company."""
        in_b = lead.company_id == cls.company_b
        coordinator = cls.coordinator_b if in_b else cls.coordinator
        tariff = cls.tariff_b if in_b else cls.tariff
        lead.with_user(coordinator).write({**CLIENT_CARD, "d2d_tariff_id": tariff.id})
        cls.book_first_slot(lead, coordinator)
        cls.open_job(lead).write({name: jpeg_photo() for name in JOB_PHOTOS})

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def xmlrpc(self, user, model, method, *args, **kwargs):
        self.env.flush_all()
        try:
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
            )
        finally:
            self.env.invalidate_all()

    def coordination_lead(self, phone="+79161116666"):
        lead = self.walk(self.knock_lead(self.house_a, phone=phone), "coordination")
        lead.with_user(self.coordinator).write(self.client_card)
        return lead

    def test_the_records_follow_their_company(self):
        self.assertEqual((self.crew_b.company_id, self.crew_b.resource_id.company_id), (self.company_b,) * 2)
        self.assertEqual((self.job_a.company_id, self.job_b.company_id), (self.company_a, self.company_b))
        self.assertEqual((self.job_b.crew_id, self.job_b.lead_id), (self.crew_b, self.lead_b))
        self.assertEqual(self.line_b.company_id, self.company_b)

    def test_the_people_of_a_neither_see_nor_change_the_crews_jobs_and_settings_of_b(self):
        for user in (self.coordinator, self.installer):
            env = self.env(user=user)
            for model, record in self.of_b.items():
                with self.subTest(user=user.login, model=model):
                    Model = env[model].with_context(active_test=False)
                    self.assertEqual(Model.search([("id", "in", (record | self.of_a[model]).ids)]), self.of_a[model])
                    with self.assertRaises(AccessError):
                        Model.browse(record.id).read(["display_name"])
        # nor write them, where their role writes their own
        for user, model, values in (
            (self.coordinator, "d2d.crew", {"daily_capacity": 9}),
            (self.coordinator, "d2d.installation", {"crew_note": "Call first"}),
            (self.coordinator, "d2d.equipment.line", {"quantity": 3}),
            (self.installer, "d2d.installation", {"photo_box": jpeg_photo(color="blue")}),
        ):
            with self.subTest(user=user.login, model=model):
                self.env[model].with_user(user).browse(self.of_a[model].id).write(values)  # their own: allowed
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).browse(self.of_b[model].id).write(values)
        self.assertEqual((self.crew_b.daily_capacity, self.line_b.quantity), (4, 1))
        self.assertFalse(self.job_b.crew_note)
        # a member of crew B by its list, installer A still cannot report its job
        with self.assertRaises(AccessError):
            self.job_b.with_user(self.installer).action_d2d_report(
                "connected", port="A-1", cable_mark_start=10, cable_mark_end=5
            )
        self.assertEqual(self.job_b.state, "planned")

    def test_the_people_of_b_see_their_crew_and_job_only(self):
        for user, model in ((self.installer_b, "d2d.crew"), (self.coordinator_b, "d2d.crew")):
            with self.subTest(user=user.login):
                self.assertEqual(self.env[model].with_user(user).search([]), self.crew_b)
        jobs = self.env["d2d.installation"].with_user(self.installer_b)
        self.assertEqual(jobs.search([]), self.job_b)
        job = jobs.browse(self.job_b.id)
        self.assertEqual((job.phone, job.contact_name), ("+79162225555", "Client B"))
        self.assertEqual(job.equipment_summary, "Router of B × 1")
        with self.assertRaises(AccessError):
            jobs.browse(self.job_a.id).read(["name"])
        coordinator_b = self.env(user=self.coordinator_b)
        self.assertEqual(coordinator_b["d2d.installation"].search([]), self.job_b)
        self.assertEqual(coordinator_b["d2d.stage.company.limit"].search([]), self.limit_b)

    def test_a_coordinator_of_a_can_neither_book_nor_be_offered_the_crew_of_b(self):
        lead = self.coordination_lead()
        start, stop, _crew = self.crew_b._find_slots(fields.Datetime.now() + timedelta(days=1), timedelta(hours=2), 1)[
            0
        ]
        with self.assertRaises(AccessError) as cm:
            lead.with_user(self.coordinator).action_d2d_schedule(self.crew_b.id, start, stop)
        self.assertNotIn("Crew B", str(cm.exception))
        self.assertEqual((lead.d2d_stage_code, self.crew_b.installation_ids), ("coordination", self.job_b))
        # the booking wizard proposes the crews of A only, and none of B's slots when asked for crew B
        Wizard = self.env["d2d.schedule.wizard"].with_user(self.coordinator)
        slots = Wizard.create({"lead_id": lead.id}).slot_ids
        self.assertTrue(slots)
        self.assertNotIn(self.crew_b, slots.crew_id)
        with self.assertRaises(AccessError):
            Wizard.create({"lead_id": lead.id, "crew_id": self.crew_b.id})
        # over the web client's call too
        self.authenticate("test_coordinator", "test_coordinator")
        params = {
            "model": "crm.lead",
            "method": "action_d2d_schedule",
            "args": [lead.ids, self.crew_b.id, fields.Datetime.to_string(start), fields.Datetime.to_string(stop)],
            "kwargs": {},
        }
        self.env.flush_all()
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        answer = self.url_open("/web/dataset/call_kw", data=body, headers={"Content-Type": "application/json"}).json()
        self.env.invalidate_all()
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)
        self.assertNotIn("Crew B", json.dumps(answer))
        self.assertEqual((lead.d2d_stage_code, self.crew_b.installation_ids), ("coordination", self.job_b))

    def test_a_coordinator_of_both_companies_is_offered_the_crews_of_the_leads_company(self):
        self.coordinator.write({"company_ids": [(4, self.company_b.id)]})
        both = (
            self.env["d2d.schedule.wizard"]
            .with_user(self.coordinator)
            .with_context(allowed_company_ids=[self.company_a.id, self.company_b.id])
        )
        lead = self.coordination_lead()
        slots = both.create({"lead_id": lead.id}).slot_ids
        self.assertTrue(slots)
        self.assertEqual(slots.crew_id.company_id, self.company_a, "only the crews of the lead's company")
        with self.assertRaises(UserError):  # a crew of the other company, chosen by hand
            both.create({"lead_id": lead.id, "crew_id": self.crew_b.id})

    def test_the_crews_jobs_and_settings_of_b_are_out_of_reach_of_a_over_xmlrpc(self):
        fields_of = {
            "d2d.crew": ["name", "member_ids"],
            "d2d.installation": ["name", "phone", "start"],
            "d2d.equipment": ["name"],
            "d2d.equipment.line": ["quantity"],
            "d2d.stage.company.limit": ["time_limit_hours"],
        }
        for user in (self.coordinator, self.installer):
            for model, record in self.of_b.items():
                with self.subTest(user=user.login, model=model):
                    context = {"active_test": False}
                    found = self.xmlrpc(
                        user, model, "search", [("id", "in", (record | self.of_a[model]).ids)], context=context
                    )
                    self.assertEqual(found, self.of_a[model].ids)
                    with self.assertRaises(xmlrpc.client.Fault) as cm:
                        self.xmlrpc(user, model, "read", record.ids, fields_of[model])
                    self.assertEqual(cm.exception.faultCode, 4, cm.exception.faultString)
                    self.assertNotIn("Client B", cm.exception.faultString)
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc(self.coordinator, "d2d.installation", "write", self.job_b.ids, {"crew_note": "Call first"})
        self.assertFalse(self.job_b.crew_note)
        # B's installer reads their job
        jobs = self.xmlrpc(self.installer_b, "d2d.installation", "search_read", [], fields=["id", "phone", "crew_id"])
        self.assertEqual(
            [(job["id"], job["phone"], job["crew_id"][0]) for job in jobs],
            [(self.job_b.id, "+79162225555", self.crew_b.id)],
        )
