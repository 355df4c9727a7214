import gzip
import json
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import D2dLeadCommon


def ms(moment):
    """A naive UTC datetime as JavaScript's Date.now() counts."""
    return (
        int(moment.timestamp() * 1000)
        if moment.tzinfo
        else int((moment - fields.Datetime.to_datetime("1970-01-01")).total_seconds() * 1000)
    )


def decode_apartments(data):
    """{id: values} of the snapshot's apartments, as decodeSnapshot in
    static/src/agent_app/queue.js reads its columns (ids as steps)."""
    columns = data["apartments"]
    apartments, apartment_id, entrance_id = {}, 0, 0
    for index, step in enumerate(columns["id"]):
        apartment_id += step
        entrance_id += columns["entrance"][index]
        apartments[apartment_id] = {
            "entrance": entrance_id,
            "floor": columns["floor"][index],
            "number": columns["number"][index],
            "status": columns["status"][index],
            "last": columns["last"][index],
            "note": columns["note"].get(str(apartment_id)),
            "lead": columns["lead"].get(str(apartment_id)),
        }
    return apartments


def decode_visits(data):
    """[(apartment id, result, agent id)] of the snapshot's visit history."""
    columns, visits, apartment_id = data["visits"], [], 0
    for index, step in enumerate(columns["apartment"]):
        apartment_id += step
        visits.append((apartment_id, columns["result"][index], columns["agent"][index]))
    return visits


@tagged("post_install", "-at_install")
class TestAgentSync(D2dLeadCommon):
    """The server side of the offline app: each event applied at most once,
    per-event answers, the agent's access, the changes since a token."""

    def sync(self, events, user=None, token=None, **payload):
        user = user or self.agent
        return (
            self.env["d2d.agent.sync"]
            .with_user(user)
            ._sync({"uid": user.id, "device_id": "tablet-1", "token": token, "events": events, **payload})
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
        self.apartment(self.house_a, 3).sudo().note = "Dog"
        data = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()
        self.assertEqual([row[0] for row in data["houses"]], self.house_a.ids)
        apartments = decode_apartments(data)
        self.assertEqual(sorted(apartments), sorted(self.house_a.apartment_ids.ids))
        entrances = {row[0]: row[1] for row in data["entrances"]}
        self.assertEqual({entrances[row["entrance"]] for row in apartments.values()}, set(self.house_a.ids))
        for apartment in self.house_a.apartment_ids:
            row = apartments[apartment.id]
            self.assertEqual(
                (row["entrance"], row["floor"], row["number"], row["status"], row["note"], row["lead"]),
                (
                    apartment.entrance_id.id,
                    apartment.floor,
                    apartment.number,
                    apartment.status,
                    apartment.note or None,
                    apartment.lead_id.id or None,
                ),
            )
        self.assertEqual(apartments[lead.d2d_apartment_id.id]["status"], "lead")
        self.assertEqual(decode_visits(data), [(lead.d2d_apartment_id.id, "lead", self.agent.id)], "the visit history")
        self.assertEqual(data["agents"], [[self.agent.id, "Agent A"]])
        self.assertEqual([row[0] for row in data["leads"]], lead.ids)
        self.assertEqual(data["leads"][0][2], "new")
        self.assertIn(self.competitor.id, [row[0] for row in data["competitors"]])
        self.assertTrue(data["token"]["visit"])
        self.assertTrue(data["token"]["houses"])
        with self.assertRefused(UserError, "for door-to-door agents"):
            self.env["d2d.agent.sync"].with_user(self.installer)._snapshot()

    def test_history_keeps_the_last_visits_of_the_last_days(self):
        apartment = self.apartment(self.house_a, 5)
        now = fields.Datetime.now()
        for days, result in (
            (60, "refusal"),
            (6, "closed"),
            (5, "closed"),
            (4, "closed"),
            (3, "pensioner"),
            (2, "closed"),
            (1, "competitor"),
        ):
            values = {"competitor_id": self.competitor.id} if result == "competitor" else {}
            self.visit(apartment, result, user=self.agent, visit_date=now - timedelta(days=days), **values)
        data = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()
        self.assertEqual(
            [result for _id, result, _agent in decode_visits(data)],
            ["closed", "closed", "pensioner", "closed", "competitor"],
            "the five latest visits of the last 30 days, oldest first",
        )

    def test_same_batch_twice_creates_each_visit_once(self):
        apartment = self.house_a.apartment_ids[0]
        events = [self.event(apartment, "refusal"), self.event(self.house_a.apartment_ids[1], "pensioner")]
        first = self.sync(events)
        second = self.sync(events)
        self.assertEqual(sorted(first["accepted"]), sorted(e["uuid"] for e in events))
        self.assertEqual(sorted(second["accepted"]), sorted(first["accepted"]), "a replay is accepted again")
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "in", [e["uuid"] for e in events])]), 2)
        self.assertEqual(apartment.status, "refusal")

    def test_batch_sent_again_with_new_events_records_the_new_ones(self):
        apartments = self.house_a.apartment_ids
        first = [self.event(apartments[0], "refusal"), self.event(apartments[1], "pensioner")]
        self.sync(first)
        # the answer was lost: the tablet sends the same events, and those knocked since
        again = [*first, self.event(apartments[2], "client")]
        answer = self.sync(again)
        self.assertEqual(answer["accepted"], [event["uuid"] for event in again])
        self.assertFalse(answer["rejected"])
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "in", [e["uuid"] for e in again])]), 3)
        self.assertEqual(apartments[2].status, "client")

    def test_recorded_events_behind_new_ones_are_replays(self):
        apartments = self.house_a.apartment_ids
        recorded = self.event(apartments[0], "refusal")
        self.sync([recorded])
        # a knock with an earlier device time now comes first in the batch
        new = self.event(apartments[1], "closed", at=fields.Datetime.now() - timedelta(hours=1))
        answer = self.sync([new, recorded])
        self.assertEqual(answer["accepted"], [new["uuid"], recorded["uuid"]])
        self.assertFalse(answer["rejected"])
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "in", [new["uuid"], recorded["uuid"]])]), 2)
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        answer = self.sync([self.event(apartments[2]), recorded], user=self.agent_b)
        self.assertEqual(len(answer["accepted"]), 1)
        self.assertEqual([item["uuid"] for item in answer["rejected"]], [recorded["uuid"]])
        self.assertIn("already uses this event id", answer["rejected"][0]["reason"])

    def test_a_replay_is_accepted_even_if_its_checks_would_now_fail(self):
        apartments = self.house_a.apartment_ids
        competitor_visit = self.event(apartments[0], "competitor", competitor_id=self.competitor.id)
        other_visit = self.event(apartments[1], "refusal")
        self.assertEqual(len(self.sync([competitor_visit, other_visit])["accepted"]), 2)
        # since then the competitor was archived and the house given to another agent
        self.competitor.active = False
        self.territory_a.agent_ids = [(3, self.agent.id)]
        answer = self.sync([competitor_visit, other_visit])  # sent again as it was
        self.assertEqual(answer["accepted"], [competitor_visit["uuid"], other_visit["uuid"]])
        self.assertFalse(answer["rejected"])
        # sent again behind a new knock, which the agent may no longer make there
        new = self.event(apartments[2], "closed", at=fields.Datetime.now() - timedelta(hours=1))
        answer = self.sync([new, competitor_visit, other_visit])
        self.assertEqual(answer["accepted"], [competitor_visit["uuid"], other_visit["uuid"]])
        self.assertEqual([item["uuid"] for item in answer["rejected"]], [new["uuid"]])
        self.assertIn("not in your houses", answer["rejected"][0]["reason"])
        self.assertEqual(self.env["d2d.visit"].search_count([("apartment_id", "in", apartments[:3].ids)]), 2)

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
        answer = self.sync([event])
        self.assertEqual(answer["accepted"], [event["uuid"]])
        self.assertEqual(apartment.lead_id.phone, "+79165551234")
        self.assertEqual(apartment.lead_id.user_id, self.agent)
        self.assertEqual(apartment.lead_id.d2d_service, "internet_tv")
        # the tablet lists the new lead at once, though it has no token yet
        self.assertEqual(
            [row[:3] + row[4:6] for row in answer["changes"]["leads"]],
            [[apartment.lead_id.id, apartment.lead_id.name, "new", apartment.id, "+79165551234"]],
        )

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
        self.assertIn(
            [apartment.id, "competitor", self.agent_b.id], [[v[0], v[2], v[3]] for v in answer["changes"]["visits"]]
        )
        self.assertIn([self.agent_b.id, "Agent B"], answer["changes"]["agents"])
        self.assertIn(lead.id, [row[0] for row in answer["changes"]["leads"]])
        # changes made within the margin before a token are sent again (a
        # transaction still open then may commit them later); older ones not
        self.env.flush_all()
        self.env.cr.execute("UPDATE d2d_visit SET create_date = create_date - interval '1 hour'")
        self.env.cr.execute("UPDATE d2d_apartment SET write_date = write_date - interval '1 hour'")
        self.env.cr.execute("UPDATE crm_lead SET write_date = write_date - interval '1 hour'")
        again = self.sync([], token=answer["token"])
        self.assertEqual(again["changes"]["apartments"], [])
        self.assertEqual(again["changes"]["visits"], [])
        self.assertEqual(again["changes"]["leads"], [])

    def test_the_tablet_gets_the_visits_made_elsewhere_not_its_own_back(self):
        """The tablet adds its own accepted visits to its history itself: the
        changes carry the visits of other agents and of the agent's other
        tablets, not those of the tablet that asks."""
        self.env.flush_all()  # the houses were laid out before the token's margin
        self.env.cr.execute("UPDATE d2d_apartment SET write_date = write_date - interval '1 hour'")
        token = self.sync([])["token"]
        mine, other_tablet = self.house_a.apartment_ids[2], self.house_a.apartment_ids[3]
        self.sync([self.event(other_tablet, "refusal")], device_id="tablet-2")
        answer = self.sync([self.event(mine, "pensioner")], token=token)
        self.assertEqual(len(answer["accepted"]), 1)
        self.assertEqual(
            [row[:1] + row[2:] for row in answer["changes"]["visits"]], [[other_tablet.id, "refusal", self.agent.id]]
        )
        self.assertEqual([row[:2] for row in answer["changes"]["apartments"]], [[other_tablet.id, "refusal"]])
        self.assertEqual(mine.status, "pensioner")
        # a tablet that sends no device id gets every visit
        anonymous = self.sync([], token=token, device_id="")
        self.assertEqual(sorted(row[0] for row in anonymous["changes"]["visits"]), sorted([mine.id, other_tablet.id]))

    def test_the_changes_are_read_before_the_batch_is_recorded(self):
        """The changes are what others did: the tablet applies its own
        accepted events over them by the same rule (queue.js, mergeApartments)."""
        self.env.flush_all()  # the houses were laid out before the token's margin
        self.env.cr.execute("UPDATE d2d_apartment SET write_date = write_date - interval '1 hour'")
        token = self.sync([])["token"]
        apartment = self.house_a.apartment_ids[4]
        now = fields.Datetime.now()
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        self.sync([self.event(apartment, "refusal", at=now - timedelta(hours=2))], user=self.agent_b)
        answer = self.sync([self.event(apartment, "pensioner", at=now - timedelta(minutes=5))], token=token)
        self.assertEqual([row[:2] for row in answer["changes"]["apartments"]], [[apartment.id, "refusal"]])
        self.assertEqual([row[2:] for row in answer["changes"]["visits"]], [["refusal", self.agent_b.id]])
        self.assertEqual(apartment.status, "pensioner", "the later knock, the tablet's, is the apartment's status")
        again = self.sync([], token=answer["token"])
        self.assertEqual([row[:2] for row in again["changes"]["apartments"]], [[apartment.id, "pensioner"]])
        self.assertEqual([row[2:] for row in again["changes"]["visits"]], [["refusal", self.agent_b.id]])

    def test_token_tells_the_tablet_to_reload_when_its_houses_change(self):
        token = self.sync([])["token"]
        self.assertEqual(self.sync([])["token"]["houses"], token["houses"], "nothing changed")
        self.house_b.agent_id = self.agent
        self.assertNotEqual(self.sync([])["token"]["houses"], token["houses"], "a house given to the agent")
        token = self.sync([])["token"]
        self.house_a.entrance_ids[0].intercom_code = "K77"
        self.assertNotEqual(self.sync([])["token"]["houses"], token["houses"], "an intercom code changed")

    def test_replay_of_another_agents_uuid_is_refused(self):
        apartment = self.house_a.apartment_ids[9]
        event = self.event(apartment)
        self.assertEqual(self.sync([event])["accepted"], [event["uuid"]])
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        answer = self.sync([event], user=self.agent_b)
        self.assertEqual(answer["accepted"], [])
        self.assertIn("already uses this event id", answer["rejected"][0]["reason"])
        self.assertEqual(self.env["d2d.visit"].search([("uuid", "=", event["uuid"])]).agent_id, self.agent)

    def test_the_latest_note_by_device_time_wins(self):
        apartment = self.house_a.apartment_ids[10]
        now = fields.Datetime.now()
        notes = [
            {
                "type": "note",
                "uuid": "n-late",
                "apartment_id": apartment.id,
                "note": "Moved out",
                "time": ms(now - timedelta(minutes=1)),
            },
            {
                "type": "note",
                "uuid": "n-early",
                "apartment_id": apartment.id,
                "note": "Call first",
                "time": ms(now - timedelta(minutes=30)),
            },
        ]
        answer = self.sync(notes)
        self.assertEqual(sorted(answer["accepted"]), ["n-early", "n-late"])
        self.assertEqual(apartment.note, "Moved out")

    def test_visits_of_a_sync_are_written_as_create_writes_them(self):
        apartment = self.house_a.apartment_ids[11]
        at = fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=7)
        event = self.event(apartment, "competitor", at=at, competitor_id=self.competitor.id, note="Cable in the hall")
        self.sync([event])
        visit = self.env["d2d.visit"].search([("uuid", "=", event["uuid"])])
        self.assertRecordValues(
            visit,
            [
                {
                    "apartment_id": apartment.id,
                    "house_id": self.house_a.id,
                    "territory_id": self.territory_a.id,
                    "agent_id": self.agent.id,
                    "visit_date": at,
                    "result": "competitor",
                    "competitor_id": self.competitor.id,
                    "note": "Cable in the hall",
                    "device_id": "tablet-1",
                    "create_uid": self.agent.id,
                }
            ],
        )
        self.assertRecordValues(
            apartment,
            [
                {
                    "status": "competitor",
                    "last_visit_date": at,
                    "last_agent_id": self.agent.id,
                    "last_competitor_id": self.competitor.id,
                }
            ],
        )
        self.assertIn(visit, apartment.visit_ids)

    def test_hooks_see_each_new_visit_once(self):
        """An inheriting module adds values to the visits the sync records
        by SQL (_d2d_sync_visit_values) and reacts to the new visits
        (_d2d_after_sync_visits): overridden here as such a module does,
        calling the original."""
        Sync = type(self.env["d2d.agent.sync"])
        add_values, after_sync = Sync._d2d_sync_visit_values, Sync._d2d_after_sync_visits
        seen = []

        def module_values(sync, event):
            values = add_values(sync, event)
            return {**values, "service_interest": event["wish"]} if "wish" in event else values

        def module_after_sync(sync, visits):
            seen.append(visits)
            return after_sync(sync, visits)

        self.patch(Sync, "_d2d_sync_visit_values", module_values)
        self.patch(Sync, "_d2d_after_sync_visits", module_after_sync)
        apartments = self.house_a.apartment_ids
        recorded = self.event(apartments[0], "refusal")
        self.sync([recorded])
        seen.clear()
        wish = self.event(apartments[1], "closed", wish="tv")
        lead = self.event(apartments[2], "lead", phone="+79161112233")
        refused = self.event(self.house_b.apartment_ids[0])
        answer = self.sync([recorded, wish, lead, refused])
        self.assertEqual(answer["accepted"], [recorded["uuid"], wish["uuid"], lead["uuid"]])
        visits = self.env["d2d.visit"].search([("uuid", "in", [wish["uuid"], lead["uuid"]])])
        self.assertEqual(len(seen), 1, "called once for the batch")
        self.assertEqual(seen[0], visits, "with the new visits only: not the replay, not the refused event")
        self.assertEqual(visits.filtered(lambda v: v.uuid == wish["uuid"]).service_interest, "tv")
        self.assertEqual(seen[0].env.uid, self.agent.id, "in the agent's environment")
        self.assertTrue(apartments[2].lead_id, "the original still opens the leads")
        self.assertIn(apartments[2].lead_id.id, [row[0] for row in answer["changes"]["leads"]])

    def test_another_agents_event_id_is_refused_by_the_orm_and_the_sync_alike(self):
        event = self.event(self.house_a.apartment_ids[12])
        self.sync([event])
        mine = self.env["d2d.visit"].search([("uuid", "=", event["uuid"])])
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        reason = self.sync([event], user=self.agent_b)["rejected"][0]["reason"]
        self.assertEqual(reason, "Another visit already uses this event id.")
        Visit = self.env["d2d.visit"].with_user(self.agent_b)
        values = {"uuid": event["uuid"], "apartment_id": self.house_a.apartment_ids[12].id, "result": "closed"}
        with self.assertRefused(ValidationError, f"^{reason}$"):
            Visit.create([values])
        # the agent who recorded it gets their visit back: a replay
        self.assertEqual(self.env["d2d.visit"].with_user(self.agent).create([values]), mine)

    def test_the_later_knock_of_one_second_wins(self):
        """Device times keep their milliseconds, in the sync and in the ORM."""
        apartment, other = self.house_a.apartment_ids[13], self.house_a.apartment_ids[14]
        second = ms(fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=3))
        later = self.event(apartment, "refusal", at=None, time=second + 700)
        earlier = self.event(apartment, "closed", time=second + 200)
        self.sync([later, earlier])  # the earlier knock comes last in the batch
        self.assertEqual(apartment.status, "refusal")
        self.assertEqual(ms(apartment.last_visit_date), second + 700)
        self.sync([self.event(apartment, "pensioner", time=second + 500)])
        self.assertEqual(apartment.status, "refusal", "a knock of the same second, earlier, sent later")
        moment = fields.Datetime.to_datetime("1970-01-01") + timedelta(milliseconds=second)
        self.visit(other, "refusal", user=self.agent, visit_date=moment + timedelta(milliseconds=900))
        self.visit(other, "closed", user=self.agent, visit_date=moment + timedelta(milliseconds=100))
        self.assertEqual(other.status, "refusal", "the ORM path keeps the order too")

    def test_a_visit_time_before_the_horizon_is_refused(self):
        apartment = self.house_a.apartment_ids[15]
        old = fields.Datetime.now() - timedelta(days=100)
        answer = self.sync([self.event(apartment, at=old), self.event(apartment, at=old + timedelta(days=20))])
        self.assertEqual(len(answer["accepted"]), 1)
        self.assertRegex(answer["rejected"][0]["reason"], r"is more than 90 days ago\. Check the date and time")
        with self.assertRefused(ValidationError, "more than 90 days ago"):
            self.visit(apartment, user=self.agent, visit_date=old)
        self.env["ir.config_parameter"].sudo().set_param("door_to_door_crm.visit_max_age_days", "10")
        with self.assertRefused(ValidationError, "more than 10 days ago"):
            self.visit(apartment, user=self.agent, visit_date=fields.Datetime.now() - timedelta(days=11))
        self.env["ir.config_parameter"].sudo().set_param("door_to_door_crm.visit_max_age_days", "0")
        self.assertEqual(len(self.sync([self.event(apartment, at=old)])["accepted"]), 1, "0: no limit")

    def synced_token(self):
        """A token as the tablet holds it, with the writes so far aged past the margin."""
        self.env.flush_all()
        for table in ("d2d_apartment", "crm_lead", "d2d_house", "d2d_territory"):
            self.env.cr.execute(SQL("UPDATE %s SET write_date = write_date - interval '1 hour'", SQL.identifier(table)))
        self.env.cr.execute("UPDATE d2d_visit SET create_date = create_date - interval '1 hour'")
        return self.sync([])["token"]

    def test_the_tablet_forgets_lost_hidden_and_reassigned_leads(self):
        lost, hidden, reassigned, kept = (self.knock_lead() for _i in range(4))
        token = self.synced_token()
        self.walk(lost, "review").with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
        reassigned.sudo().user_id = self.agent_b
        # hidden by the nightly recompute, which changes nothing else the tablet sees
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET d2d_hidden = true WHERE id = %s", [hidden.id])
        answer = self.sync([], token=token)
        removed = answer["changes"]["removed"]
        self.assertEqual(removed["leads"], sorted((lost | hidden | reassigned).ids))
        self.assertEqual((removed["houses"], removed["apartments"]), ([], []))
        self.assertNotIn(lost.id, [row[0] for row in answer["changes"]["leads"]])
        self.assertEqual(answer["token"]["leads"], kept.ids)
        # said again within the margin of the token (as every change), then no more
        self.assertEqual(self.sync([], token=answer["token"])["changes"]["removed"]["leads"], lost.ids)
        self.env.cr.execute("UPDATE crm_lead SET write_date = write_date - interval '1 hour'")
        self.assertEqual(self.sync([], token=answer["token"])["changes"]["removed"]["leads"], [])

    def test_the_tablet_forgets_a_house_taken_from_the_agent(self):
        second = self.create_house(self.territory_b, "Mira Ave", "3", floors=1, per_floor=2, agent_id=self.agent.id)
        token = self.synced_token()
        self.assertEqual(sorted(token["house_ids"]), sorted((self.house_a | second).ids))
        second.agent_id = self.agent_b
        removed = self.sync([], token=token)["changes"]["removed"]
        self.assertEqual(removed["houses"], second.ids)
        self.assertEqual(removed["apartments"], sorted(second.apartment_ids.ids))
        self.assertEqual(removed["leads"], [])

    def test_the_history_carries_no_client_details_of_other_agents(self):
        token = self.synced_token()
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        apartment = self.house_a.apartment_ids[16]
        self.visit(apartment, "lead", user=self.agent_b, contact_name="Zinaida", phone="+79165550101", note="Gate 4")
        for text in (
            self.env["d2d.agent.sync"].with_user(self.agent)._snapshot_json(),
            self.env["d2d.agent.sync"].with_user(self.agent)._sync_json({"token": token, "events": []}),
        ):
            for detail in ("Zinaida", "79165550101", "Gate 4"):
                self.assertNotIn(detail, text)


@tagged("post_install", "-at_install")
class TestAgentRoutes(HttpCase, D2dLeadCommon):
    """The routes over HTTP, as the tablet calls them."""

    def rpc_body(self, params, request_id=1):
        return json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": request_id})

    def rpc(self, url, params):
        return self.url_open(url, data=self.rpc_body(params), headers={"Content-Type": "application/json"}).json()

    def knock(self, uuid):
        """A visit event on the first apartment of house A, a minute ago."""
        return {
            "type": "visit",
            "uuid": uuid,
            "apartment_id": self.house_a.apartment_ids[0].id,
            "result": "closed",
            "time": int(time.time() * 1000) - 60000,
        }

    def test_page_snapshot_and_sync_over_http(self):
        self.authenticate("test_agent", "test_agent")
        page = self.url_open("/d2d/agent")
        self.assertEqual(page.status_code, 200)
        self.assertIn("d2d-agent-root", page.text)
        self.assertIn("door_to_door_crm.assets_agent_app", page.text)
        worker = self.url_open("/d2d/sw.js")
        self.assertEqual(worker.headers["Service-Worker-Allowed"], "/d2d/")
        snapshot = self.rpc("/d2d/agent/snapshot", {})["result"]
        self.assertEqual(sorted(decode_apartments(snapshot)), sorted(self.house_a.apartment_ids.ids))
        event = self.knock("http-1")
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "token": snapshot["token"], "events": [event]})
        self.assertEqual(answer["result"]["accepted"], ["http-1"])
        refused = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "events": [event] * 501})
        self.assertIn("Too many events", refused["error"]["data"]["message"])

    def test_oversized_sync_request_is_refused_whole(self):
        self.authenticate("test_agent", "test_agent")
        event = self.knock("big-body")
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "events": [event], "padding": "x" * 2_100_000})
        self.assertIn("too large", answer["error"]["data"]["message"])
        self.assertFalse(self.env["d2d.visit"].search_count([("uuid", "=", "big-body")]))

    def test_signed_out_tablet_is_refused(self):
        snapshot = self.url_open(
            "/d2d/agent/snapshot", data="{}", headers={"Content-Type": "application/json"}, allow_redirects=False
        )
        self.assertEqual(snapshot.status_code, 303, "sent to the login page, no data")
        self.assertIn("/web/login", snapshot.headers["Location"])
        sync = self.url_open(
            "/d2d/agent/sync",
            data=self.rpc_body({"events": []}),
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
        )
        self.assertEqual(sync.status_code, 303, "sent to the login page, nothing written")
        self.assertIn("/web/login", sync.headers["Location"])

    def test_sync_route_takes_json_only(self):
        """What a form of another site could send is refused, and so is a body
        that is not JSON-RPC: nothing is written."""
        self.authenticate("test_agent", "test_agent")
        event = self.knock("form-post")
        params = {"uid": self.agent.id, "events": [event]}
        body = self.rpc_body(params, request_id=7)
        form = self.url_open("/d2d/agent/sync", data=body, headers={"Content-Type": "text/plain"})
        self.assertEqual(form.status_code, 415)
        broken = self.url_open("/d2d/agent/sync", data=body[:-5], headers={"Content-Type": "application/json"})
        self.assertIn("not valid JSON-RPC", broken.json()["error"]["data"]["message"])
        self.assertFalse(self.env["d2d.visit"].search_count([("uuid", "=", "form-post")]))
        answer = self.url_open("/d2d/agent/sync", data=body, headers={"Content-Type": "application/json"}).json()
        self.assertEqual((answer["id"], answer["result"]["accepted"]), (7, ["form-post"]))

    def test_snapshot_route_answers_json_rpc(self):
        self.authenticate("test_installer", "test_installer")
        refused = self.rpc("/d2d/agent/snapshot", {})
        self.assertEqual(refused["id"], 1)
        self.assertEqual(refused["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("for door-to-door agents", refused["error"]["data"]["message"])
        self.assertNotIn("result", refused)
        self.authenticate("test_agent", "test_agent")
        # it only reads: Odoo runs it on a read-only cursor (a replica when it
        # has one), and would warn and run it again on a read/write one if not
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(
                "/d2d/agent/snapshot",
                data=self.rpc_body({}, request_id="abc"),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        body = response.json()
        self.assertEqual((body["jsonrpc"], body["id"]), ("2.0", "abc"))
        self.assertEqual(body["result"]["user"], {"id": self.agent.id, "name": "Agent A"})

    def test_snapshot_is_compressed_for_a_tablet_that_accepts_it(self):
        self.authenticate("test_agent", "test_agent")
        request = self.rpc_body({})
        plain = self.url_open(
            "/d2d/agent/snapshot",
            data=request,
            headers={"Content-Type": "application/json", "Accept-Encoding": "identity"},
        )
        self.assertNotIn("Content-Encoding", plain.headers)
        compressed = self.opener.post(
            f"{self.base_url()}/d2d/agent/snapshot",
            data=request,
            headers={"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate"},
            stream=True,
            timeout=12,
        )
        self.assertEqual(compressed.headers["Content-Encoding"], "gzip")
        self.assertEqual(compressed.headers["Vary"], "Accept-Encoding")
        wire = compressed.raw.read(decode_content=False)
        self.assertLess(len(wire), len(plain.content) / 3, "the JSON compresses well")
        snapshot = json.loads(gzip.decompress(wire))["result"]
        self.assertEqual(snapshot["apartments"], plain.json()["result"]["apartments"])

    def test_the_app_cannot_be_framed_and_speaks_the_users_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.agent.lang = "ru_RU"
        self.authenticate("test_agent", "test_agent")
        page = self.url_open("/d2d/agent")
        self.assertEqual(page.headers["X-Frame-Options"], "DENY")
        self.assertEqual(page.headers["Content-Security-Policy"], "frame-ancestors 'none'")
        self.assertIn('<html lang="ru-RU">', page.text)
        self.assertIn('<link rel="manifest" href="/d2d/manifest.webmanifest"', page.text)
        manifest = self.url_open("/d2d/manifest.webmanifest")
        self.assertEqual(manifest.headers["Content-Type"], "application/manifest+json")
        app = manifest.json()
        self.assertEqual(
            (app["start_url"], app["scope"], app["display"], app["lang"]),
            ("/d2d/agent", "/d2d/", "standalone", "ru-RU"),
        )
        self.assertIn(f"<title>{app['name']}</title>", page.text, "the page and the app have one name")
        self.assertEqual([icon["sizes"] for icon in app["icons"]], ["192x192", "512x512"])
        for icon in app["icons"]:
            image = self.url_open(icon["src"])
            self.assertEqual((image.status_code, image.headers["Content-Type"]), (200, "image/png"), icon["src"])
        for url in ("/d2d/agent/snapshot", "/d2d/agent/sync"):
            response = self.url_open(url, data=self.rpc_body({}), headers={"Content-Type": "application/json"})
            self.assertEqual(response.headers["X-Frame-Options"], "DENY", url)

    def test_a_lost_lead_leaves_the_tablet_over_http(self):
        lead = self.knock_lead()
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET write_date = write_date - interval '1 hour'")
        self.authenticate("test_agent", "test_agent")
        token = self.rpc("/d2d/agent/snapshot", {})["result"]["token"]
        self.assertEqual(token["leads"], lead.ids)
        self.walk(lead, "review").with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
        answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "token": token, "events": []})["result"]
        self.assertEqual(answer["changes"]["removed"]["leads"], lead.ids)
        self.assertEqual(answer["changes"]["leads"], [])
