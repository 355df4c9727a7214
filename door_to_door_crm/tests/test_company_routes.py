import json
import xmlrpc.client
from urllib.parse import quote

from odoo.tests import HttpCase, tagged

from .test_callcenter import CallcenterCommon

PHONE_A, PHONE_B = "+79161110000", "+79162220000"
# What each role reads of another company's records over XML-RPC: model ->
# domain of company B's records (the models a role cannot read at all are
# refused, which the test accepts as fenced too).
OF_COMPANY_B = {
    "d2d.territory": lambda test: [("id", "=", test.territory_b.id)],
    "d2d.house": lambda test: [("id", "=", test.house_b.id)],
    "d2d.apartment": lambda test: [("house_id", "=", test.house_b.id)],
    "d2d.visit": lambda test: [("house_id", "=", test.house_b.id)],
    "crm.lead": lambda test: [("id", "=", test.lead_b.id)],
    "d2d.call": lambda test: [("id", "=", test.call_b)],
    "d2d.agent.stats": lambda test: [("territory_id", "=", test.territory_b.id)],
    "d2d.stage.time": lambda test: [("lead_id", "=", test.lead_b.id)],
    "d2d.market.share": lambda test: [("house_id", "=", test.house_b.id)],
}


@tagged("post_install", "-at_install")
class TestCompanyRoutes(HttpCase, CallcenterCommon):
    """Two companies, every route a real user or the telephony reaches: the
    XML-RPC of each role, the PBX's look-ups with an API key, the tablet's
    leaderboard and the supervisors' through the web client. Company B's
    records never reach the people of company A; the manager working in both
    sees both, and only A's once they work in A alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.split_off_company_b()
        cls.callcenter_b = cls.user_of_company_b("test_callcenter_of_b", "callcenter", "Operator B")
        cls.lead_a = cls.walk(cls.knock_lead(cls.house_a, phone=PHONE_A, name="Client A"), "quality")
        cls.lead_b = cls.walk(cls.knock_lead(cls.house_b, phone=PHONE_B, name="Client B"), "quality")
        Callcenter = cls.env["d2d.callcenter"]
        cls.call_a = Callcenter.with_user(cls.callcenter).log_call(PHONE_A, "in", 30, "answered", "A")
        cls.call_b = Callcenter.with_user(cls.callcenter_b).log_call(PHONE_B, "in", 30, "answered", "B")
        cls.env["d2d.market.share.month"]._cron_refresh()
        cls.houses = cls.house_a | cls.house_b

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def xmlrpc(self, user, model, method, *args, **kwargs):
        return self.served(
            lambda: self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
            )
        )

    def json_rpc(self, url, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        return self.served(lambda: self.url_open(url, data=body, headers={"Content-Type": "application/json"}).json())

    def count_of_b(self, user, model, **kwargs):
        """How many of company B's records of `model` `user` reads over
        XML-RPC; None when the role may not read the model at all."""
        try:
            return self.xmlrpc(user, model, "search_count", OF_COMPANY_B[model](self), **kwargs)
        except xmlrpc.client.Fault as fault:
            self.assertEqual(fault.faultCode, 4, fault.faultString)  # an access error
            self.assertNotIn("Territory B", fault.faultString)
            return None

    def test_company_b_is_out_of_reach_of_every_role_of_a_over_xmlrpc(self):
        readable = 0
        for user in (self.agent, self.supervisor, self.coordinator, self.installer, self.callcenter):
            for model in OF_COMPANY_B:
                with self.subTest(user=user.login, model=model):
                    count = self.count_of_b(user, model)
                    self.assertIn(count, (0, None))
                    readable += count is not None
        self.assertGreater(readable, 15, "the roles read most of these models, and none of B's records")
        # the people of B see theirs
        self.assertEqual(self.count_of_b(self.agent_b, "d2d.house"), 1)
        self.assertEqual(self.count_of_b(self.callcenter_b, "d2d.call"), 1)

    def test_the_manager_sees_the_companies_they_work_in(self):
        both = {"context": {"allowed_company_ids": [self.company_a.id, self.company_b.id]}}
        only_a = {"context": {"allowed_company_ids": [self.company_a.id]}}
        for model in OF_COMPANY_B:
            with self.subTest(model=model):
                self.assertGreaterEqual(self.count_of_b(self.manager, model, **both), 1)
                self.assertEqual(self.count_of_b(self.manager, model, **only_a), 0)

    def test_ours_in_the_market_share_is_the_house_company(self):
        ours = self.env["d2d.market.share"].search([("is_ours", "=", True), ("house_id", "in", self.houses.ids)])
        self.assertEqual(
            {row.house_id: row.provider for row in ours},
            {self.house_a: self.company_a.name, self.house_b: "Provider B"},
        )

    def test_the_pbx_of_a_does_not_find_the_callers_of_b(self):
        key = self.api_key(self.callcenter)
        headers = {"Authorization": f"Bearer {key}"}

        def get(route, number):
            return self.served(lambda: self.url_open(f"{route}?number={quote(number)}", headers=headers))

        found = get("/d2d/callcenter/lookup", PHONE_A).json()
        self.assertEqual([contact["id"] for contact in found["contacts"]], self.lead_a.ids)
        of_b = get("/d2d/callcenter/lookup", PHONE_B)
        self.assertEqual(of_b.json()["contacts"], [])
        self.assertNotIn("Client B", of_b.text)
        self.assertEqual(get("/d2d/callcenter/cid", PHONE_A).text, "Client A")
        self.assertEqual(get("/d2d/callcenter/cid", PHONE_B).text, "")
        # and its XML-RPC neither
        self.assertEqual(self.xmlrpc(self.callcenter, "d2d.callcenter", "lookup", PHONE_B), [])

    def test_leaderboards_keep_to_the_companies(self):
        self.visit(self.house_a.apartment_ids.filtered(lambda a: not a.lead_id)[0], "closed", user=self.agent)
        self.visit(self.house_b.apartment_ids.filtered(lambda a: not a.lead_id)[0], "closed", user=self.agent_b)
        self.authenticate("test_agent", "test_agent")
        board = self.json_rpc("/d2d/agent/leaderboard", {})["result"]
        self.assertIn("Agent A", json.dumps(board))
        self.assertNotIn("Agent B", json.dumps(board))
        self.authenticate("test_manager", "test_manager")
        for companies, shown in (([self.company_a.id], False), ([self.company_a.id, self.company_b.id], True)):
            with self.subTest(companies=companies):
                params = {
                    "model": "d2d.agent.stats",
                    "method": "get_leaderboard",
                    "args": [],
                    "kwargs": {"context": {"allowed_company_ids": companies}},
                }
                board = self.json_rpc("/web/dataset/call_kw", params)["result"]
                self.assertEqual("Agent B" in json.dumps(board), shown)
