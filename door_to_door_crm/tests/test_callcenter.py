import json
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from ..models.d2d_callcenter import POP_NOTIFICATION
from .common import D2dLeadCommon

PHONE = "+79774448644"
# The same number as people and PBXs type it.
PHONE_FORMATS = (
    "+7 977 444-86-44",
    "8 (977) 444-86-44",
    "8-977-444-86-44",
    "977 444 86 44",
    "9774448644",
    "79774448644",
    " +7(977)4448644 ",
)


class CallcenterCommon(D2dLeadCommon):
    """Leads of one phone number and an API key of the call-centre's user,
    made as the README tells a manager to make it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.ru")

    @classmethod
    def api_key(cls, user, days=30):
        """A key of `user` expiring in `days` (in the past when negative)."""
        expiry = fields.Datetime.now() + timedelta(days=days)
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "Telephony", expiry)

    def served(self, request):
        """Run `request` on the test server: it sees what the test wrote, and
        the test then reads what it wrote (the server has its own cache)."""
        self.env.flush_all()
        try:
            return request()
        finally:
            self.env.invalidate_all()

    def quality_lead(self, phone=PHONE, name="Olga Petrova", house=None):
        lead = self.walk(self.knock_lead(house=house, phone=phone, name=name), "quality")
        lead.sudo().d2d_passport = "4510 123456"
        return lead

    def pop_notifications(self, user):
        """The screen pops in the bus for `user`'s web clients."""
        channel = json_dump(channel_with_db(self.env.cr.dbname, user.partner_id))
        rows = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        messages = [json.loads(row.message) for row in rows]
        return [message["payload"] for message in messages if message["type"] == POP_NOTIFICATION]


@tagged("post_install", "-at_install")
class TestCallcenterRpc(HttpCase, CallcenterCommon):
    """d2d.callcenter over real XML-RPC, with an API key as the telephony uses it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.api_key(cls.callcenter)

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def call(self, method, *args, user=None, secret=None, **kwargs):
        user = user or self.callcenter
        return self.served(
            lambda: self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, secret or self.key, "d2d.callcenter", method, list(args), kwargs
            )
        )

    def test_lookup_finds_the_client_however_the_number_is_typed(self):
        lead = self.quality_lead()
        for typed in PHONE_FORMATS:
            with self.subTest(typed=typed):
                cards = self.call("lookup", typed)
                self.assertEqual([card["lead_id"] for card in cards], lead.ids)
        card = cards[0]
        apartment = lead.d2d_apartment_id
        self.assertEqual(card["name"], "Olga Petrova")
        self.assertEqual((card["first_name"], card["last_name"]), ("Olga", "Petrova"))
        self.assertEqual(
            (card["house"], card["entrance"], card["floor"], card["apartment"]),
            (self.house_a.name, apartment.entrance_id.number, apartment.floor, apartment.number),
        )
        self.assertIn(self.house_a.name, card["address"])
        self.assertEqual((card["step"], card["open"], card["in_queue"]), ("quality", True, True))
        self.assertEqual(card["responsible"], self.callcenter.name)
        self.assertEqual([visit["result"] for visit in card["visits"]], ["lead"])
        self.assertEqual(card["visits"][0]["agent"], self.agent.name)
        self.assertTrue(card["url"].endswith(f"/odoo/action-door_to_door_crm.d2d_callcenter_queue_action/{lead.id}"))
        self.assertNotIn("4510", json.dumps(cards), "the card never shows the passport")
        self.assertEqual(self.call("lookup", "+7 999 000-00-00"), [])

    def test_several_clients_of_one_number_best_first(self):
        in_quality = self.quality_lead(name="Olga")
        done = self.walk(self.knock_lead(phone="8 977 444 86 44", name="Ivan"), "done")
        new = self.knock_lead(house=self.house_b, phone="9774448644", name="Anna")
        cards = self.call("lookup", PHONE)
        # open leads first, the latest first; the closed one last
        self.assertEqual([card["lead_id"] for card in cards], [new.id, in_quality.id, done.id])
        self.assertEqual([card["open"] for card in cards], [True, True, False])
        # outside quality the call-centre's rules show who calls and where the
        # lead stands, not its visits, installation or form
        outside = cards[0]
        self.assertEqual((outside["name"], outside["step"]), ("Anna", "new"))
        self.assertEqual(outside["responsible"], self.agent_b.name)
        self.assertEqual((outside["visits"], outside["url"], outside["installation_date"]), ([], False, False))
        self.assertTrue(cards[1]["url"])

    def test_refused_without_the_role_or_with_an_expired_key(self):
        self.quality_lead()
        with self.assertRefused(xmlrpc.client.Fault, "Only a user with the role “Call-centre”"):
            self.call("lookup", PHONE, user=self.internal, secret="test_internal")
        expired = self.api_key(self.callcenter, days=-1)
        with self.assertRefused(xmlrpc.client.Fault, "Access Denied"):
            self.call("lookup", PHONE, secret=expired)
        with self.assertRefused(xmlrpc.client.Fault, "is not a phone number"):
            self.call("lookup", "12-34")
        with self.assertRefused(xmlrpc.client.Fault, "is not a phone number"):
            self.call("lookup", "call me maybe 9774448644")

    def test_log_call_once_per_call_id(self):
        lead = self.quality_lead()
        args = ("8 977 444-86-44", "in", 95, "answered", "Asked about the tariff")
        first = self.call("log_call", *args, call_id="pbx-1700000000.42", operator_login="test_callcenter")
        replay = self.call("log_call", *args, call_id="pbx-1700000000.42", operator_login="test_callcenter")
        self.assertEqual(first, replay)
        call = self.env["d2d.call"].search([("pbx_call_id", "=", "pbx-1700000000.42")])
        self.assertEqual(call.id, first)
        self.assertEqual((call.phone_sanitized, call.lead_id, call.operator_id), (PHONE, lead, self.callcenter))
        self.assertEqual((call.duration, call.result, call.note), (95, "answered", "Asked about the tariff"))
        self.assertEqual(len(lead.message_ids.filtered(lambda m: "Asked about the tariff" in (m.body or ""))), 1)
        # the card shows the call
        self.assertEqual([c["duration"] for c in self.call("lookup", PHONE)[0]["calls"]], [95])
        # without a call id each call is logged
        second = self.call("log_call", PHONE, "out", 0, "no_answer", "")
        self.assertNotEqual(second, first)
        self.assertEqual(self.env["d2d.call"].browse(second).operator_id, self.callcenter)

    def test_log_call_refuses_bad_values_and_writes_nothing(self):
        self.quality_lead()
        before = self.env["d2d.call"].search_count([])
        for args, message in (
            ((PHONE, "sideways", 5, "answered", ""), "not a call direction"),
            ((PHONE, "in", 5, "great", ""), "not a call result"),
            ((PHONE, "in", -5, "answered", ""), "whole number of seconds"),
            (("12", "in", 5, "answered", ""), "is not a phone number"),
        ):
            with self.subTest(args=args), self.assertRefused(xmlrpc.client.Fault, message):
                self.call("log_call", *args, call_id="bad-1")
        with self.assertRefused(xmlrpc.client.Fault, "No call-centre operator has the login"):
            self.call("log_call", PHONE, "in", 5, "answered", "", operator_login="test_agent")
        self.assertEqual(self.env["d2d.call"].search_count([]), before)

    def test_quality_call_moves_the_lead(self):
        connected, broken = self.quality_lead(), self.quality_lead(name="Ivan")
        self.assertEqual(self.call("quality_call", connected.id, True, "All fine"), "done")
        self.assertEqual(self.call("quality_call", broken.id, False, "No signal since Monday"), "coordination")
        self.assertEqual((connected.d2d_stage_code, broken.d2d_stage_code), ("done", "coordination"))
        # gone from the call-centre's sight: refused without naming it
        with self.assertRefused(xmlrpc.client.Fault, "No lead with this id waits for your quality call"):
            self.call("quality_call", broken.id, True, "")
        with self.assertRefused(xmlrpc.client.Fault, "Say why"):
            self.call("quality_call", self.quality_lead(name="Petr").id, False, "")
        with self.assertRefused(xmlrpc.client.Fault, "No lead with this id"):
            self.call("quality_call", "42; drop table", True, "")

    def test_incoming_call_pops_the_card_for_the_operator(self):
        lead = self.quality_lead()
        cards = self.call("incoming_call", "8 (977) 444-86-44", "test_callcenter", call_id="pbx-7")
        self.assertEqual([card["lead_id"] for card in cards], lead.ids)
        pops = self.pop_notifications(self.callcenter)
        self.assertEqual(len(pops), 1)
        self.assertEqual((pops[0]["phone"], pops[0]["call_id"]), (PHONE, "pbx-7"))
        self.assertEqual([card["lead_id"] for card in pops[0]["cards"]], lead.ids)
        # an unknown number pops the "not found" card
        self.assertEqual(self.call("incoming_call", "+7 999 000 00 00", "test_callcenter"), [])
        self.assertEqual(self.pop_notifications(self.callcenter)[-1]["cards"], [])
        with self.assertRefused(xmlrpc.client.Fault, "No call-centre operator has the login “nobody”"):
            self.call("incoming_call", PHONE, "nobody")
        self.assertEqual(len(self.pop_notifications(self.callcenter)), 2)

    def test_the_pop_shows_what_the_operator_may_see(self):
        new = self.knock_lead(phone=PHONE, name="Anna")
        # a manager's telephony sees the new lead whole...
        manager_key = self.api_key(self.manager)
        cards = self.call("incoming_call", PHONE, "test_callcenter", user=self.manager, secret=manager_key)
        self.assertEqual(cards[0]["lead_id"], new.id)
        self.assertTrue(cards[0]["url"])
        self.assertTrue(cards[0]["visits"])
        # ...the operator's pop only what the call-centre's rules show
        popped = self.pop_notifications(self.callcenter)[-1]["cards"]
        self.assertEqual((popped[0]["lead_id"], popped[0]["url"], popped[0]["visits"]), (new.id, False, []))


@tagged("post_install", "-at_install")
class TestCallAccess(CallcenterCommon):
    """Who reads and writes the call log."""

    def test_call_log_access_per_role(self):
        lead_a = self.quality_lead()
        lead_b = self.quality_lead(phone="+79161112233", house=self.house_b)
        Callcenter = self.env["d2d.callcenter"].with_user(self.callcenter)
        call_a = self.env["d2d.call"].browse(Callcenter.log_call(PHONE, "in", 10, "answered", "A"))
        call_b = self.env["d2d.call"].browse(Callcenter.log_call("+79161112233", "in", 10, "answered", "B"))
        self.assertEqual((call_a.lead_id, call_b.lead_id), (lead_a, lead_b))
        Call = self.env["d2d.call"]
        self.assertEqual(Call.with_user(self.callcenter).search(self.created_here()), call_a | call_b)
        self.assertEqual(Call.with_user(self.supervisor).search([]), call_a)
        self.assertEqual(Call.with_user(self.manager).search_count([]), Call.search_count([]))
        for user in (self.agent, self.installer, self.internal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Call.with_user(user).search([])
        with self.assertRaises(AccessError):
            call_a.with_user(self.supervisor).write({"note": "changed"})
        call_a.with_user(self.callcenter).write({"note": "Called back"})
        self.assertEqual(call_a.note, "Called back")
        for user in (self.agent, self.supervisor, self.installer):
            with self.subTest(user=user.login), self.assertRefused(AccessError, "call-centre"):
                self.env["d2d.callcenter"].with_user(user).lookup(PHONE)

    def test_search_by_phone_in_any_format(self):
        lead = self.quality_lead()
        Lead = self.env["crm.lead"].with_user(self.callcenter)
        for typed in PHONE_FORMATS:
            with self.subTest(typed=typed):
                self.assertEqual(Lead.search([("d2d_phone_search", "ilike", typed)]), lead)
        self.assertEqual(Lead.search([("d2d_phone_search", "ilike", "444-86")]), lead)
        call = self.env["d2d.call"].create({"phone": "8 977 444 86 44", "lead_id": lead.id})
        self.assertEqual(self.env["d2d.call"].search([("phone_search", "ilike", "+7 (977) 444 86 44")]), call)
        self.assertEqual(lead.d2d_call_count, 1)

    def quality_wizard(self, lead, connected, note=""):
        action = lead.with_user(self.callcenter).with_context(d2d_connected=connected)
        action = action.action_d2d_callcenter_quality_wizard()
        wizard = self.env[action["res_model"]].with_user(self.callcenter).with_context(action["context"])
        return wizard.create({"note": note})

    def test_quality_call_from_the_card_goes_on_to_the_next_lead(self):
        first, second, third = self.quality_lead(), self.quality_lead(name="Ivan"), self.quality_lead(name="Petr")
        # the queue of this test's leads only, which its last call empties
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "quality")])
        result = self.quality_wizard(first, True).action_confirm()
        self.assertEqual(first.d2d_stage_code, "done")
        self.assertEqual((result["tag"], result["params"]["lead_id"]), ("d2d_callcenter_next", second.id))
        self.assertIn("out of your list", result["params"]["message"])
        # not connected: its own wording when the reason is missing, nothing written
        with self.assertRefused(UserError, "Say why the client is not connected"):
            self.quality_wizard(second, False, "  ").action_confirm()
        self.assertEqual(second.d2d_stage_code, "quality")
        result = self.quality_wizard(second, False, "No signal").action_confirm()
        self.assertEqual((second.d2d_stage_code, result["params"]["lead_id"]), ("coordination", third.id))
        self.assertTrue(any("No signal" in body for body in self.messages(second)))
        last = self.quality_wizard(third, True, "Happy").action_confirm()
        self.assertFalse(last["params"]["lead_id"], "none left: back to the queue")

    def test_lookup_by_the_phone_of_the_leads_client(self):
        """A client who gave a new mobile, written on their contact (Odoo does
        not copy a contact's later mobile to its leads), is found through the
        contact's stored E.164 phone."""
        lead = self.quality_lead(phone="+79161234500")
        partner = self.env["res.partner"].create({"name": "Olga Petrova"})
        lead.sudo()._d2d_as_move().write({"partner_id": partner.id})
        self.env.flush_all()  # linked in one request, the new mobile in a later one
        partner.write({"mobile": "8 (903) 555-12-34"})
        self.assertEqual((lead.phone_sanitized, partner.phone_sanitized), ("+79161234500", "+79035551234"))
        Callcenter = self.env["d2d.callcenter"].with_user(self.callcenter)
        for typed in ("+7 903 555 12 34", "89035551234", "+7 916 123-45-00"):
            with self.subTest(typed=typed):
                self.assertEqual([card["lead_id"] for card in Callcenter.lookup(typed)], lead.ids)
        self.assertEqual(Callcenter.lookup("+7 903 555 12 99"), [])
        # the search by phone of the queue and the phone search too
        Lead = self.env["crm.lead"].with_user(self.callcenter)
        self.assertEqual(Lead.search([("d2d_phone_search", "ilike", "8 903 555-12-34")]), lead)
        # by an index, not by scanning the partners
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner' AND indexdef LIKE '%phone_sanitized%'"
        )
        self.assertTrue(self.env.cr.fetchall())

    def test_lead_from_an_unknown_caller(self):
        """The "number not found" card's lead: a plain CRM lead for the office
        (an agent's visit opens door-to-door leads); a bad number writes nothing."""
        Wizard = self.env["d2d.callcenter.lead.wizard"].with_user(self.callcenter)
        before = self.counts()
        with self.assertRefused(UserError, "is not a phone number"):
            Wizard.create({"phone": "12-34", "contact_name": "Pavel"}).action_confirm()
        self.assertEqual(self.counts(), before)
        wizard = Wizard.create({"phone": "8 (999) 000-11-22", "contact_name": " Pavel ", "address": "Baumana St 1"})
        result = wizard.action_confirm()
        self.assertIn("Pavel", result["params"]["message"])
        lead = self.env["crm.lead"].search([("phone_sanitized", "=", "+79990001122")])
        self.assertEqual((lead.contact_name, lead.street, lead.user_id), ("Pavel", "Baumana St 1", self.manager))
        self.assertFalse(lead.d2d_stage_code)
        self.assertFalse(lead.with_user(self.callcenter).has_access("read"), "out of the call-centre's sight")
        with self.assertRaises(AccessError):
            self.env["d2d.callcenter.lead.wizard"].with_user(self.agent).create({"phone": PHONE, "contact_name": "X"})
