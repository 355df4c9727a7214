import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from odoo.tests import HttpCase, tagged

from .test_callcenter import PHONE, CallcenterCommon

EXAMPLE_CLIENT = Path(__file__).resolve().parents[2] / "examples" / "telephony_client.py"


@tagged("post_install", "-at_install")
class TestCallcenterPbxRoutes(HttpCase, CallcenterCommon):
    """The PBX routes over real HTTP, with a bearer API key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.api_key(cls.callcenter)

    def get(self, route, number, key=None):
        headers = {"Authorization": f"Bearer {key or self.key}"} if key is not False else {}
        return self.served(lambda: self.url_open(f"{route}?number={quote(number)}", headers=headers))

    def journal(self, body, key=None, content_type="application/json"):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        headers = {"Authorization": f"Bearer {key or self.key}", "Content-Type": content_type}
        return self.served(lambda: self.url_open("/d2d/callcenter/journal", data=data, headers=headers))

    def hangup(self, call_id="1700000000.42", **values):
        return {
            "call_id": call_id,
            "direction": "inbound",
            "from": "8 (977) 444-86-44",
            "to": "101",
            "operator": "test_callcenter",
            "start": "2026-03-02T09:15:00+03:00",
            "answer": "2026-03-02T09:15:07+03:00",
            "end": "2026-03-02T09:16:42+03:00",
            "disposition": "ANSWERED",
            "recording_url": "https://pbx.example.com/rec/1700000000.42.mp3",
            **values,
        }

    def test_lookup_and_caller_id(self):
        lead = self.quality_lead()
        response = self.get("/d2d/callcenter/lookup", "8 (977) 444-86-44")
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["number"], PHONE)
        contact = answer["contacts"][0]
        self.assertEqual((contact["id"], contact["entity_type"]), (lead.id, "lead"))
        self.assertEqual((contact["first_name"], contact["last_name"], contact["phone"]), ("Olga", "Petrova", PHONE))
        self.assertIn(f"/{lead.id}", contact["url"])
        self.assertNotIn("4510", response.text)

        cid = self.get("/d2d/callcenter/cid", "+7 977 444 86 44")
        self.assertEqual((cid.status_code, cid.text), (200, "Olga Petrova"))
        self.assertTrue(cid.headers["Content-Type"].startswith("text/plain"))
        unknown = self.get("/d2d/callcenter/cid", "+7 999 000 00 00")
        self.assertEqual((unknown.status_code, unknown.text), (200, ""))

    def test_lookups_refused_with_a_reason(self):
        self.quality_lead()
        self.assertEqual(self.get("/d2d/callcenter/lookup", PHONE, key=False).status_code, 401)
        self.assertEqual(self.get("/d2d/callcenter/lookup", PHONE, key="not-a-key").status_code, 401)
        expired = self.api_key(self.callcenter, days=-1)
        self.assertEqual(self.get("/d2d/callcenter/cid", PHONE, key=expired).status_code, 401)
        outsider = self.get("/d2d/callcenter/lookup", PHONE, key=self.api_key(self.internal))
        self.assertEqual(outsider.status_code, 403)
        self.assertIn("Call-centre", outsider.json()["error"])
        self.assertNotIn("Olga", outsider.text)
        bad = self.get("/d2d/callcenter/lookup", "12-34")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("is not a phone number", bad.json()["error"])

    def test_journal_logs_a_call_once(self):
        lead = self.quality_lead()
        first = self.journal(self.hangup())
        self.assertEqual(first.status_code, 201, first.text)
        replay = self.journal(self.hangup(disposition="BUSY"))
        self.assertEqual(replay.status_code, 200)
        self.assertEqual(replay.json(), {**first.json(), "replayed": True})
        call = self.env["d2d.call"].search([("pbx_call_id", "=", "1700000000.42")])
        self.assertEqual(call.id, first.json()["id"])
        self.assertEqual((call.lead_id, call.operator_id, call.direction), (lead, self.callcenter, "in"))
        # talk time from answer to end; times in UTC
        self.assertEqual((call.duration, call.result), (95, "answered"))
        self.assertEqual(str(call.start), "2026-03-02 06:15:00")
        self.assertEqual(call.recording_url, "https://pbx.example.com/rec/1700000000.42.mp3")
        missed = self.journal(self.hangup("1700000000.43", answer=None, disposition="NO ANSWER", talk_seconds=0))
        self.assertEqual(missed.status_code, 201)
        self.assertEqual(self.env["d2d.call"].browse(missed.json()["id"]).result, "no_answer")

    def test_journal_refuses_bad_bodies_and_writes_nothing(self):
        self.quality_lead()
        before = self.env["d2d.call"].search_count([])
        cases = (
            ('{"call_id": "1", ', 400, "not valid JSON"),
            ("[1, 2]", 400, "must be a JSON object"),
            (self.hangup(call_id=""), 400, "call id"),
            (self.hangup(direction="up"), 400, "direction"),
            (self.hangup(disposition="WHATEVER"), 400, "disposition"),
            (self.hangup(start="yesterday"), 400, "is not a time"),
            (self.hangup(**{"from": "hello"}), 400, "is not a phone number"),
            (self.hangup(recording_url="javascript:alert(1)"), 400, "http"),
            (self.hangup(operator="test_agent"), 400, "No call-centre operator"),
        )
        for body, status, reason in cases:
            with self.subTest(body=body):
                response = self.journal(body)
                self.assertEqual(response.status_code, status, response.text)
                self.assertIn(reason, response.json()["error"])
        as_text = self.journal(self.hangup(), content_type="text/plain")
        self.assertEqual(as_text.status_code, 415)
        outsider = self.journal(self.hangup(), key=self.api_key(self.internal))
        self.assertEqual(outsider.status_code, 403)
        self.assertEqual(self.env["d2d.call"].search_count([]), before)

    def test_ringing_event_pops_the_card(self):
        lead = self.quality_lead()
        ringing = {"call_id": "77", "event": "ringing", "from": "89774448644", "operator": "test_callcenter"}
        response = self.journal(ringing)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"call_id": "77", "popped": True, "cards": 1})
        pops = self.pop_notifications(self.callcenter)
        self.assertEqual([card["lead_id"] for card in pops[-1]["cards"]], lead.ids)
        self.assertFalse(self.env["d2d.call"].search([("pbx_call_id", "=", "77")]), "ringing logs no call")

    def test_example_client_against_the_server(self):
        """examples/telephony_client.py, run as a PBX administrator runs it."""
        lead = self.quality_lead()
        environ = {"ODOO_URL": self.base_url(), "ODOO_DB": self.env.cr.dbname, "ODOO_LOGIN": "test_callcenter"}

        def run(*args):
            result = self.served(
                lambda: subprocess.run(
                    [sys.executable, str(EXAMPLE_CLIENT), *args],
                    env={**environ, "ODOO_API_KEY": self.key, "PATH": "/usr/bin:/bin"},
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            )
            return result.returncode, result.stdout, result.stderr

        code, out, err = run("lookup", "8 977 444-86-44")
        self.assertEqual(code, 0, err)
        self.assertEqual([card["lead_id"] for card in json.loads(out)], lead.ids)

        code, out, err = run("ring", "+7 977 444 86 44", "--operator", "test_callcenter", "--call-id", "ex-1")
        self.assertEqual(code, 0, err)
        self.assertEqual(self.pop_notifications(self.callcenter)[-1]["call_id"], "ex-1")

        log = ("log", "9774448644", "--call-id", "ex-1", "--duration", "61", "--operator", "test_callcenter")
        code, first, err = run(*log)
        self.assertEqual(code, 0, err)
        code, again, err = run(*log)
        self.assertEqual(json.loads(first), json.loads(again))
        self.assertEqual(self.env["d2d.call"].browse(json.loads(first)).duration, 61)

        code, out, err = run("quality", str(lead.id), "--not-connected")
        self.assertEqual(code, 1)
        self.assertIn("Say why", err)
        code, out, err = run("quality", str(lead.id), "--ok", "--note", "Works")
        self.assertEqual((code, json.loads(out)), (0, "done"), err)
