import json
import time

from odoo.tests import HttpCase, tagged

from .common import D2dLeadCommon

# What a reason in plain words never holds: a Python repr, a library's English text.
NOT_PLAIN_WORDS = ("None", "['", "{'", "\\x", "did not seem", "Traceback", "out of range", "object at")


@tagged("post_install", "-at_install")
class TestAgentSyncFuzz(HttpCase, D2dLeadCommon):
    """Bad values inside a batch of good events, posted over HTTP as the
    tablet posts them: each bad event is refused alone, in plain words, the
    others are recorded, and the tablet never gets an HTTP 500."""

    def setUp(self):
        super().setUp()
        self.authenticate("test_agent", "test_agent")
        self.count = 0

    def event(self, **values):
        self.count += 1
        apartments = self.house_a.apartment_ids
        return {
            "type": "visit",
            "uuid": f"fuzz-{self.count}",
            "apartment_id": apartments[self.count % len(apartments)].id,
            "result": "closed",
            "time": int(time.time() * 1000) - 60_000 - self.count,
            **values,
        }

    def post(self, body):
        """POST `body` (JSON text) to the sync route: (status, answer)."""
        response = self.url_open("/d2d/agent/sync", data=body, headers={"Content-Type": "application/json"})
        return response.status_code, response.json()

    def sync_text(self, events_json, token_json="null", device_json='"fuzz-tablet"'):
        return (
            f'{{"jsonrpc": "2.0", "method": "call", "id": 1, "params": {{"uid": {self.agent.id}, '
            f'"device_id": {device_json}, "token": {token_json}, "events": {events_json}}}}}'
        )

    def assertPlainWords(self, reason):
        self.assertTrue(reason and isinstance(reason, str))
        for sign in NOT_PLAIN_WORDS:
            self.assertNotIn(sign, reason, f"not in plain words: {reason}")

    def test_each_bad_event_is_refused_alone_in_plain_words(self):
        bad = {
            "apartment beyond integers": self.event(apartment_id=2**31),
            "apartment far beyond": self.event(apartment_id=10**30),
            "competitor beyond integers": self.event(result="competitor", competitor_id=2**40),
            "result list": self.event(result=["visit"]),
            "result object": self.event(result={"code": "closed"}),
            "result number": self.event(result=3),
            "note with NUL": self.event(note="Dog\u0000"),
            "note with a lone surrogate": self.event(note="Dog \ud83d"),
            "name with NUL": self.event(result="lead", phone="+79161234567", contact_name="Ol\u0000ga"),
            "phone with a lone surrogate": self.event(result="lead", phone="+7916\udc00"),
            "phone not a phone": self.event(result="lead", phone="not a phone"),
            "type null": self.event(type=None),
            "type list": self.event(type=["visit"]),
            "type number": self.event(type=7),
            "time infinite": self.event(time=float("inf")),
        }
        without_uuid = [
            {k: v for k, v in self.event().items() if k != "uuid"},
            self.event(uuid=None),
            self.event(uuid=42),
            self.event(uuid=["x"]),
            self.event(uuid="nul\u0000id"),
            "not an event",
            17,
            None,
            [],
        ]
        good = [
            self.event(),
            self.event(result="refusal"),
            self.event(result="lead", phone="8 916 555-12-34"),
            self.event(result="lead", phone="+79161234568", service=["tv"]),  # a service it does not know: none
        ]
        events = [good[0], *bad.values(), good[1], *without_uuid, *good[2:]]
        # json.dumps writes a lone surrogate as \\udXXX and infinity as Infinity, as a broken client could
        status, answer = self.post(self.sync_text(json.dumps(events), device_json='"tab\\u0000\\ud800let"'))
        self.assertEqual(status, 200)
        result = answer["result"]
        self.assertEqual(result["accepted"], [event["uuid"] for event in good])
        reasons = {item["uuid"]: item["reason"] for item in result["rejected"] if item["uuid"]}
        for name, event in bad.items():
            with self.subTest(name):
                self.assertIn(event["uuid"], reasons)
                self.assertPlainWords(reasons[event["uuid"]])
        self.assertIn("not a valid phone number", reasons[bad["phone not a phone"]["uuid"]])
        unnamed = [item["reason"] for item in result["rejected"] if item["uuid"] is None]
        self.assertEqual(len(unnamed), len(without_uuid), "one reason per event without a usable id")
        for reason in unnamed:
            self.assertPlainWords(reason)
        recorded = self.env["d2d.visit"].search([("uuid", "like", "fuzz-")])
        self.assertEqual(sorted(recorded.mapped("uuid")), sorted(event["uuid"] for event in good))
        self.assertEqual(set(recorded.mapped("device_id")), {"tablet"})

    def test_json_nested_too_deep_gets_a_clear_answer(self):
        depth = 100_000
        status, answer = self.post(self.sync_text("[" * depth + "]" * depth))
        self.assertEqual(status, 200)
        self.assertIn("not valid JSON-RPC", answer["error"]["data"]["message"])

    def test_a_token_holding_nan_or_infinity_is_no_token(self):
        for token in ('{"visit": NaN, "time": "2024-01-01 00:00:00"}', '{"visit": Infinity, "time": Infinity}'):
            with self.subTest(token):
                event = self.event()
                status, answer = self.post(self.sync_text(json.dumps([event]), token_json=token))
                self.assertEqual(status, 200)
                self.assertEqual(answer["result"]["accepted"], [event["uuid"]])
                self.assertEqual(answer["result"]["changes"]["removed"], {"houses": [], "apartments": [], "leads": []})
