import json
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import D2dLeadCommon


def ms(moment):
    """A naive UTC datetime as JavaScript's Date.now() counts."""
    return int(moment.timestamp() * 1000) if moment.tzinfo else int((moment - fields.Datetime.to_datetime("1970-01-01")).total_seconds() * 1000)


@tagged("post_install", "-at_install")
class TestAgentSync(D2dLeadCommon):
    """The server side of the offline app: each event applied at most once,
    per-event answers, the agent's access, the changes since a token."""

    def sync(self, events, user=None, token=None, **payload):
        user = user or self.agent
        return self.env["d2d.agent.sync"].with_user(user)._sync(
            {"uid": user.id, "device_id": "tablet-1", "token": token, "events": events, **payload}
        )

    def event(self, apartment, result="closed", at=None, uuid=None, **values):
        self._counter = getattr(self, "_counter", 0) + 1
        return {
            "type": "visit",
            "uuid": uuid or f"ev-{self._counter}-{apartment.id}",
            "apartment_id": apartment.id,
            "result": result,
            "time": ms(at or fields.Datetime.now() - timedelta(minutes=5)),
            **values,
        }

    def test_snapshot_holds_the_agents_territory_only(self):
        lead = self.knock_lead()
        data = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()
        self.assertEqual([row[0] for row in data["houses"]], self.house_a.ids)
        self.assertEqual({row[1] for row in data["apartments"]}, set(self.house_a.ids))
        self.assertEqual(len(data["apartments"]), len(self.house_a.apartment_ids))
        self.assertEqual([row[0] for row in data["leads"]], lead.ids)
        self.assertEqual(data["leads"][0][2], "new")
        self.assertIn(self.competitor.id, [row[0] for row in data["competitors"]])
        self.assertTrue(data["token"]["visit"])
        with self.assertRefused(UserError, "for door-to-door agents"):
            self.env["d2d.agent.sync"].with_user(self.installer)._snapshot()

    def test_same_batch_twice_creates_each_visit_once(self):
        apartment = self.house_a.apartment_ids[0]
        events = [self.event(apartment, "refusal"), self.event(self.house_a.apartment_ids[1], "pensioner")]
        first = self.sync(events)
        second = self.sync(events)
        self.assertEqual(sorted(first["accepted"]), sorted(e["uuid"] for e in events))
        self.assertEqual(sorted(second["accepted"]), sorted(first["accepted"]), "a replay is accepted again")
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "in", [e["uuid"] for e in events])]), 2)
        self.assertEqual(apartment.status, "refusal")

    def test_same_uuid_twice_in_a_batch_is_applied_once(self):
        event = self.event(self.house_a.apartment_ids[0])
        answer = self.sync([event, dict(event)])
        self.assertEqual(answer["accepted"], [event["uuid"]])
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "=", event["uuid"])]), 1)

    def test_latest_device_time_wins_whatever_the_order(self):
        apartment = self.house_a.apartment_ids[2]
        now = fields.Datetime.now()
        self.sync([self.event(apartment, "refusal", at=now - timedelta(minutes=5))], user=self.agent)
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        # another agent's knock, earlier on the device but sent later
        self.sync([self.event(apartment, "closed", at=now - timedelta(hours=2))], user=self.agent_b)
        self.assertEqual(apartment.status, "refusal")
        self.assertEqual(len(apartment.visit_ids), 2, "both visits are kept")

    def test_bad_events_are_refused_one_by_one(self):
        good = self.event(self.house_a.apartment_ids[0], "closed")
        answer = self.sync(
            [
                good,
                self.event(self.house_b.apartment_ids[0], "closed"),
                self.event(self.house_a.apartment_ids[1], "maybe"),
                self.event(self.house_a.apartment_ids[2], "closed", at=fields.Datetime.now() + timedelta(days=1)),
                self.event(self.house_a.apartment_ids[3], "competitor"),
                self.event(self.house_a.apartment_ids[4], "lead", phone="not a phone"),
                self.event(self.house_a.apartment_ids[5], "closed", note="x" * 5000),
                {"uuid": "no-apartment", "result": "closed", "time": ms(fields.Datetime.now())},
                "not an event",
            ]
        )
        self.assertEqual(answer["accepted"], [good["uuid"]])
        reasons = {item["uuid"]: item["reason"] for item in answer["rejected"]}
        self.assertEqual(len(reasons), 8)
        self.assertIn("not in your houses", " ".join(reasons.values()))
        self.assertIn("not a visit result", " ".join(reasons.values()))
        self.assertIn("future", " ".join(reasons.values()))
        self.assertEqual(self.env["d2d.visit"].search_count([("device_id", "=", "tablet-1")]), 1)

    def test_a_lead_event_opens_a_lead(self):
        apartment = self.house_a.apartment_ids[6]
        event = self.event(apartment, "lead", phone="8 916 555-12-34", contact_name="Vera", service="internet_tv")
        self.assertEqual(self.sync([event])["accepted"], [event["uuid"]])
        self.assertEqual(apartment.lead_id.phone, "+79165551234")
        self.assertEqual(apartment.lead_id.user_id, self.agent)
        self.assertEqual(apartment.lead_id.d2d_service, "internet_tv")

    def test_note_events(self):
        apartment = self.house_a.apartment_ids[7]
        event = {"type": "note", "uuid": "note-1", "apartment_id": apartment.id, "note": "Dog behind the door"}
        self.assertEqual(self.sync([event])["accepted"], ["note-1"])
        self.assertEqual(apartment.note, "Dog behind the door")

    def test_batch_too_large_or_from_another_user_is_refused_whole(self):
        events = [self.event(self.house_a.apartment_ids[0], uuid=f"big-{i}") for i in range(501)]
        with self.assertRefused(UserError, "Too many events"):
            self.sync(events)
        with self.assertRefused(UserError, "another user"):
            self.sync([self.event(self.house_a.apartment_ids[0])], uid=self.agent_b.id)
        self.assertFalse(self.env["d2d.visit"].search_count([("uuid", "like", "big-")]))

    def test_changes_since_the_token(self):
        token = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()["token"]
        apartment = self.house_a.apartment_ids[8]
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        self.sync([self.event(apartment, "competitor", competitor_id=self.competitor.id)], user=self.agent_b)
        lead = self.knock_lead()
        answer = self.sync([], token=token)
        changed = {row[0]: row[1] for row in answer["changes"]["apartments"]}
        self.assertEqual(changed.get(apartment.id), "competitor", "another agent's visit reaches the tablet")
        self.assertIn(lead.id, [row[0] for row in answer["changes"]["leads"]])
        again = self.sync([], token=answer["token"])
        self.assertNotIn(apartment.id, [row[0] for row in again["changes"]["apartments"]])


@tagged("post_install", "-at_install")
class TestAgentRoutes(HttpCase, D2dLeadCommon):
    """The routes over HTTP, as the tablet calls them."""

    def rpc(self, url, params):
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_page_snapshot_and_sync_over_http(self):
        self.authenticate("test_agent", "test_agent")
        page = self.url_open("/d2d/agent")
        self.assertEqual(page.status_code, 200)
        self.assertIn("d2d-agent-root", page.text)
        self.assertIn("door_to_door_crm.assets_agent_app", page.text)
        worker = self.url_open("/d2d/sw.js")
        self.assertEqual(worker.headers["Service-Worker-Allowed"], "/d2d/")
        snapshot = self.rpc("/d2d/agent/snapshot", {})["result"]
        self.assertEqual(len(snapshot["apartments"]), len(self.house_a.apartment_ids))
        event = {"type": "visit", "uuid": "http-1", "apartment_id": self.house_a.apartment_ids[0].id,
                 "result": "closed", "time": int(time.time() * 1000) - 60000}
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "token": snapshot["token"], "events": [event]})
        self.assertEqual(answer["result"]["accepted"], ["http-1"])
        refused = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "events": [event] * 501})
        self.assertIn("Too many events", refused["error"]["data"]["message"])

    def test_signed_out_tablet_is_refused(self):
        response = self.url_open("/d2d/agent/snapshot", data="{}", headers={"Content-Type": "application/json"})
        self.assertIn("error", response.json())
