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

    def journal(self, user, body):
        """The PBX's call record `body` posted with an API key of `user`."""
        headers = {"Authorization": f"Bearer {self.api_key(user)}", "Content-Type": "application/json"}
        return self.served(lambda: self.url_open("/d2d/callcenter/journal", data=json.dumps(body), headers=headers))

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

    def test_the_pbx_journal_and_screen_pop_of_a_do_not_match_a_caller_of_b(self):
        """The PBX of A (an API key of A's operator) posts a ringing and a
        hang-up of B's client: the pop shows no card, the call is logged in
        A with no lead, B's lead gets no line; the same routes match A's
        client, and B's PBX matches B's."""

        def ringing(call_id, phone, operator):
            return {"call_id": call_id, "event": "ringing", "from": phone, "operator": operator}

        def hangup(call_id, phone, operator):
            return {
                "call_id": call_id,
                "direction": "inbound",
                "from": phone,
                "to": "101",
                "operator": operator,
                "disposition": "ANSWERED",
                "talk_seconds": 40,
            }

        def last_pop(user):
            return [card["lead_id"] for card in self.pop_notifications(user)[-1]["cards"]]

        messages_of_b = self.lead_b.sudo().message_ids
        answer = self.journal(self.callcenter, ringing("r-b", PHONE_B, "test_callcenter"))
        self.assertEqual(answer.json(), {"call_id": "r-b", "popped": True, "cards": 0}, answer.text)
        self.assertEqual(last_pop(self.callcenter), [])
        answer = self.journal(self.callcenter, hangup("h-b", PHONE_B, "test_callcenter"))
        self.assertEqual(answer.status_code, 201, answer.text)
        call = self.env["d2d.call"].browse(answer.json()["id"])
        self.assertEqual((call.company_id, call.lead_id.id, call.partner_id.id), (self.company_a, False, False))
        self.assertEqual(self.lead_b.sudo().message_ids, messages_of_b, "no line on B's lead")
        # the telephony's XML-RPC call alike
        self.assertEqual(
            self.xmlrpc(self.callcenter, "d2d.callcenter", "incoming_call", PHONE_B, "test_callcenter"), []
        )
        self.assertEqual(last_pop(self.callcenter), [])
        self.assertNotIn("Client B", json.dumps(self.pop_notifications(self.callcenter)))

        # A's client is matched by A's PBX...
        self.assertEqual(self.journal(self.callcenter, ringing("r-a", PHONE_A, "test_callcenter")).json()["cards"], 1)
        self.assertEqual(last_pop(self.callcenter), self.lead_a.ids)
        answer = self.journal(self.callcenter, hangup("h-a", PHONE_A, "test_callcenter"))
        self.assertEqual(self.env["d2d.call"].browse(answer.json()["id"]).lead_id, self.lead_a)
        # ...and B's client by B's, in a call that A's operator does not see
        answer = self.journal(self.callcenter_b, ringing("r-b2", PHONE_B, "test_callcenter_of_b"))
        self.assertEqual(answer.json()["cards"], 1)
        self.assertEqual(last_pop(self.callcenter_b), self.lead_b.ids)
        answer = self.journal(self.callcenter_b, hangup("h-b2", PHONE_B, "test_callcenter_of_b"))
        call_b = self.env["d2d.call"].browse(answer.json()["id"])
        self.assertEqual((call_b.company_id, call_b.lead_id), (self.company_b, self.lead_b))
        seen_by_a = self.xmlrpc(self.callcenter, "d2d.call", "search", [("phone_sanitized", "=", PHONE_B)])
        self.assertEqual(seen_by_a, call.ids)

    def test_the_pbx_of_a_cannot_name_an_operator_of_b(self):
        """A's PBX naming B's operator pops nothing to them and logs no call
        in their name: the operator is refused as unknown."""
        pops_of_b = len(self.pop_notifications(self.callcenter_b))
        calls = self.env["d2d.call"].sudo().search_count([])
        ringing = {"call_id": "r-x", "event": "ringing", "from": PHONE_B, "operator": "test_callcenter_of_b"}
        answer = self.journal(self.callcenter, ringing)
        self.assertEqual(answer.status_code, 400, answer.text)
        self.assertIn("No call-centre operator", answer.text)
        hangup = dict(ringing, call_id="h-x", direction="inbound", to="101", disposition="ANSWERED")
        del hangup["event"]
        self.assertEqual(self.journal(self.callcenter, hangup).status_code, 400)
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc(self.callcenter, "d2d.callcenter", "incoming_call", PHONE_B, "test_callcenter_of_b")
        self.assertEqual(len(self.pop_notifications(self.callcenter_b)), pops_of_b)
        self.assertEqual(self.env["d2d.call"].sudo().search_count([]), calls)

    def test_a_call_id_of_b_is_a_new_call_for_the_pbx_of_a(self):
        """Each company's PBX numbers its own calls (an Asterisk id is the
        time and a counter: two PBXs meet the same ids): a call id B's PBX
        logged is a new call for A's, logged in A with A's lead, and the
        answer names no call of B; a replay stays a replay in each company."""
        record = {"call_id": "1700000000.42", "direction": "in", "to": "101", "disposition": "ANSWERED"}
        record_a, record_b = dict(record, **{"from": PHONE_A}), dict(record, **{"from": PHONE_B})
        of_b = self.journal(self.callcenter_b, record_b)
        self.assertEqual(of_b.status_code, 201, of_b.text)
        of_a = self.journal(self.callcenter, record_a)
        self.assertEqual(of_a.status_code, 201, of_a.text)
        self.assertNotEqual(of_a.json()["id"], of_b.json()["id"])
        call_a = self.env["d2d.call"].browse(of_a.json()["id"])
        self.assertEqual((call_a.company_id, call_a.lead_id), (self.company_a, self.lead_a))
        self.assertEqual(self.env["d2d.call"].browse(of_b.json()["id"]).lead_id, self.lead_b)
        for user, body, first in ((self.callcenter, record_a, of_a), (self.callcenter_b, record_b, of_b)):
            with self.subTest(user=user.login):
                replay = self.journal(user, body)
                self.assertEqual(replay.status_code, 200, replay.text)
                self.assertEqual((replay.json()["id"], replay.json()["replayed"]), (first.json()["id"], True))
        # the telephony's XML-RPC log_call alike
        call_b = self.xmlrpc(self.callcenter_b, "d2d.callcenter", "log_call", PHONE_B, "in", 5, "answered", "", "x-7")
        call_a = self.xmlrpc(self.callcenter, "d2d.callcenter", "log_call", PHONE_A, "in", 5, "answered", "", "x-7")
        self.assertNotEqual(call_a, call_b)
        self.assertEqual(
            self.xmlrpc(self.callcenter, "d2d.call", "read", [call_a], ["lead_id"])[0]["lead_id"][0], self.lead_a.id
        )
