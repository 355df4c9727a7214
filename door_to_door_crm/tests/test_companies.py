import json
import time
import xmlrpc.client

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import D2dLeadCommon


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
        return self.url_open(url, data=body, headers={"Content-Type": "application/json"}).json()

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
