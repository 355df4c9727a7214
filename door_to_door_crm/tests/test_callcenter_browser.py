import threading
import time
import xmlrpc.client
from unittest.mock import patch

import requests

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler

from .test_callcenter import CallcenterCommon

QUEUE_URL = "/odoo/action-door_to_door_crm.d2d_callcenter_queue_action"
UNKNOWN = "+7 999 000-11-22"


class _CookieTransport(xmlrpc.client.Transport):
    """XML-RPC with the cookie that lets a request share the test's cursor
    while a browser tour runs (odoo.tests.HttpCase.check_test_cursor)."""

    def __init__(self, cookie):
        super().__init__()
        self._cookie = cookie

    def send_headers(self, connection, headers):
        connection.putheader("Cookie", self._cookie)
        super().send_headers(connection, headers)


@tagged("post_install", "-at_install")
class TestCallcenterScreenPop(HttpCase, CallcenterCommon):
    """The screen pop in a real web client: the operator works in the queue,
    the telephony announces calls (XML-RPC incoming_call with its API key,
    the PBX journal's "ringing" event with a bearer key), the operator's page
    opens the caller's card, or the "number not found" card, over the bus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo refuses websockets during tests; its own bus tests allow them so
        cls.startClassPatcher(patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True))
        cls.key = cls.api_key(cls.callcenter)

    def ring_once_the_operator_listens(self, known, unknown):
        """In a thread: wait until the operator's web client listens on the
        bus, then ring `known` over XML-RPC and `unknown` by the PBX journal,
        and wake the operator's websockets (the test cursor never commits, so
        PostgreSQL's NOTIFY that does it in production never fires)."""
        channel = hashable(channel_with_db(self.env.cr.dbname, self.callcenter.partner_id))
        cookie = f"{TEST_CURSOR_COOKIE_NAME}={self.canonical_tag}_browser_js"
        base_url, db, uid, key = self.base_url(), self.env.cr.dbname, self.callcenter.id, self.key
        outcome = {}

        def ring():
            try:
                deadline = time.monotonic() + 60
                while not dispatch._channels_to_ws.get(channel) and time.monotonic() < deadline:
                    time.sleep(0.2)
                models = xmlrpc.client.ServerProxy(
                    f"{base_url}/xmlrpc/2/object", transport=_CookieTransport(cookie), allow_none=True
                )
                outcome["cards"] = models.execute_kw(
                    db, uid, key, "d2d.callcenter", "incoming_call", [known, "test_callcenter"], {"call_id": "pop-1"}
                )
                outcome["journal"] = requests.post(
                    f"{base_url}/d2d/callcenter/journal",
                    json={"call_id": "pop-2", "event": "ringing", "from": unknown, "operator": "test_callcenter"},
                    headers={"Authorization": f"Bearer {key}", "Cookie": cookie},
                    timeout=30,
                ).json()
                for websocket in list(dispatch._channels_to_ws.get(channel, ())):
                    websocket.trigger_notification_dispatching()
            except Exception as error:  # reported by the test, not lost in the thread
                outcome["error"] = error

        thread = threading.Thread(target=ring, name="d2d telephony")
        thread.start()
        return thread, outcome

    def test_the_card_pops_in_the_operators_web_client(self):
        lead = self.quality_lead()
        self.quality_lead(name="Ivan Queue", phone="+79161112233")
        thread, outcome = self.ring_once_the_operator_listens("8 (977) 444-86-44", UNKNOWN)
        try:
            self.start_tour(QUEUE_URL, "d2d_callcenter_pop_tour", login="test_callcenter", timeout=120)
        finally:
            thread.join(60)
        self.assertNotIn("error", outcome)
        self.assertEqual([card["lead_id"] for card in outcome["cards"]], lead.ids)
        self.assertEqual(outcome["journal"], {"call_id": "pop-2", "popped": True, "cards": 0})
        # the "number not found" card made a plain lead for the office
        self.env.invalidate_all()
        created = self.env["crm.lead"].search([("phone_sanitized", "=", "+79990001122")])
        self.assertEqual(created.contact_name, "Pavel Caller")
        self.assertFalse(created.d2d_stage_code, "not a door-to-door lead: an agent's visit opens those")
        self.assertEqual(created.user_id, self.manager)
        self.assertTrue(created.activity_ids.filtered(lambda activity: activity.user_id == self.manager))


@tagged("post_install", "-at_install")
class TestCallcenterQualityTour(HttpCase, CallcenterCommon):
    """The quality call from the caller's card, as the operator makes it."""

    def test_quality_calls_from_the_card_then_the_next_client(self):
        olga = self.quality_lead()
        ivan = self.quality_lead(name="Ivan Queue", phone="+79161112233")
        petr = self.quality_lead(name="Petr Last", phone="+79161112244")
        # the queue of this test's clients only, which the last call empties
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "quality")])
        self.start_tour(f"{QUEUE_URL}/{olga.id}", "d2d_callcenter_quality_tour", login="test_callcenter")
        self.env.invalidate_all()
        self.assertEqual(
            (olga.d2d_stage_code, ivan.d2d_stage_code, petr.d2d_stage_code), ("done", "coordination", "done")
        )
        self.assertTrue(any("Works fine, thanks" in body for body in self.messages(olga)))
        self.assertTrue(any("No signal in the kitchen" in body for body in self.messages(ivan)))

    def test_quality_call_from_the_pipeline_leaves_no_breadcrumb_to_the_lead(self):
        lead = self.quality_lead()
        # no other lead waits for a quality call: the pipeline opens, not the next one
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "quality")])
        url = f"/odoo/action-door_to_door_crm.crm_lead_action_d2d/{lead.id}"
        self.start_tour(url, "d2d_callcenter_pipeline_tour", login="test_callcenter")
        self.env.invalidate_all()
        self.assertEqual(lead.d2d_stage_code, "done")
