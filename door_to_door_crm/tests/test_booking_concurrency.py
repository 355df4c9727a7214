import threading
import uuid
from datetime import datetime, time, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import work_calendar

# Generous bounds for one thread to reach a point: a stuck test fails instead of hanging.
WAIT = 60


@tagged("post_install", "-at_install")
class TestBookingConcurrency(TransactionCase):
    """Two coordinators book the same crew at the same moment: two real
    transactions on the registry, on committed data that the test deletes
    afterwards. The first books and keeps its transaction open; the second,
    run as Odoo runs a request (`retrying`), waits for it, fails to
    serialize, runs again and is refused in plain words. One job is booked."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            groups = "door_to_door_crm.group_d2d_%s"
            users = [
                new_test_user(env, f"d2d_book_{login}_{tag}", groups=groups % role, name=f"{login} {tag}")
                for login, role in (("coord1", "coordinator"), ("coord2", "coordinator"), ("crew", "installer"))
            ]
            calendar = work_calendar(
                env, f"Booking race {tag}", "UTC", range(7), (("morning", 8, 12), ("afternoon", 13, 18))
            )
            crew = env["d2d.crew"].create(
                {
                    "name": f"Crew {tag}",
                    "leader_id": users[2].id,
                    "member_ids": [(6, 0, users[2].ids)],
                    "resource_calendar_id": calendar.id,
                    "tz": "UTC",
                    "daily_capacity": 1,
                }
            )
            coordination = env["crm.lead"]._d2d_stage("coordination")
            tariff = env["d2d.tariff"].create({"name": f"Home 500 {tag}"})
            leads = env["crm.lead"].create(
                [
                    {
                        "name": f"Race {tag} {index}",
                        "type": "opportunity",
                        "stage_id": coordination.id,
                        "phone": "+79161234567",
                        "d2d_passport": "4510 123456",
                        "d2d_passport_issued": "MVD Moscow, 2015-06-01",
                        "d2d_tariff_id": tariff.id,
                    }
                    for index in range(2)
                ]
            )
            self.user_ids = [user.id for user in users]
            self.calendar_id, self.crew_id, self.lead_ids = calendar.id, crew.id, leads.ids
            self.tariff_id = tariff.id
        self.addCleanup(self.delete_committed_data)
        tomorrow = fields.Date.today() + timedelta(days=1)
        self.day = datetime.combine(tomorrow, time(0, 0))

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            env["d2d.installation"].search([("lead_id", "in", self.lead_ids)]).unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["d2d.tariff"].browse(self.tariff_id).unlink()
            crew = env["d2d.crew"].browse(self.crew_id)
            resource = crew.resource_id
            crew.unlink()
            resource.unlink()
            env["resource.calendar"].browse(self.calendar_id).unlink()
            users = env["res.users"].browse(self.user_ids)
            partners = users.partner_id
            env["mail.activity"].search([("user_id", "in", users.ids)]).unlink()
            users.unlink()
            partners.unlink()
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_crew WHERE name = %s", [f"Crew {self.tag}"])
            self.assertEqual(cr.fetchone()[0], 0, "the test leaves the database as it found it")

    def backend_waits_on_lock(self, pid):
        with self.registry.cursor() as cr:
            cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cr.fetchone()
            return bool(row) and row[0] == "Lock"

    def race(self, first_slot, second_slot):
        """Book lead 0 in `first_slot` and lead 1 in `second_slot`, each by
        its coordinator, in two transactions at the same moment. Returns
        the errors of each booking and the crew's jobs once both ended."""
        errors, pids = {}, {}
        first_booked, release_first = threading.Event(), threading.Event()

        def book(name, user_id, lead_id, slot, hold=False):
            try:
                with self.registry.cursor() as cr:
                    cr.execute("SELECT pg_backend_pid()")
                    pids[name] = cr.fetchone()[0]
                    env = api.Environment(cr, user_id, {})
                    # a first read takes the transaction's snapshot, as a real request has read before it books
                    env["crm.lead"].browse(lead_id).read(["name"])
                    if hold:  # books and keeps its transaction open
                        env["crm.lead"].browse(lead_id).action_d2d_schedule(self.crew_id, *slot)
                        first_booked.set()
                        release_first.wait(WAIT)
                    else:  # as Odoo runs a request: again after a serialization failure, then committed
                        retrying(lambda: env["crm.lead"].browse(lead_id).action_d2d_schedule(self.crew_id, *slot), env)
                # leaving the block commits
            except Exception as error:  # noqa: BLE001 -- reported by the main thread
                errors[name] = error
                first_booked.set()

        first = threading.Thread(target=book, args=("first", self.user_ids[0], self.lead_ids[0], first_slot, True))
        second = threading.Thread(target=book, args=("second", self.user_ids[1], self.lead_ids[1], second_slot))
        first.start()
        try:
            self.assertTrue(first_booked.wait(WAIT), "the first coordinator booked")
            self.assertFalse(errors, errors)
            # the second transaction starts before the first commits
            second.start()
            for _i in range(WAIT * 20):
                if "second" in pids and self.backend_waits_on_lock(pids["second"]) or not second.is_alive():
                    break
                threading.Event().wait(0.05)
        finally:
            release_first.set()
            first.join(WAIT)
            if second.ident:
                second.join(WAIT)
        self.assertFalse(first.is_alive() or second.is_alive(), "both bookings ended")
        with self.registry.cursor() as cr:
            cr.execute("SELECT lead_id FROM d2d_installation WHERE crew_id = %s", [self.crew_id])
            booked = [row[0] for row in cr.fetchall()]
        return errors, booked

    def test_two_coordinators_book_the_same_slot(self):
        slot = (self.day + timedelta(hours=9), self.day + timedelta(hours=11))
        overlapping = (self.day + timedelta(hours=10), self.day + timedelta(hours=12))
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            errors, booked = self.race(slot, overlapping)
        self.assertEqual(booked, self.lead_ids[:1], "one job: the first coordinator's")
        self.assertEqual(list(errors), ["second"])
        self.assertIsInstance(errors["second"], UserError)
        self.assertRegex(str(errors["second"]), "already has a job at that time")

    def test_two_coordinators_fill_the_same_day(self):
        morning = (self.day + timedelta(hours=9), self.day + timedelta(hours=11))
        afternoon = (self.day + timedelta(hours=14), self.day + timedelta(hours=16))
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            errors, booked = self.race(morning, afternoon)
        self.assertEqual(booked, self.lead_ids[:1], "a crew of one job a day gets one job")
        self.assertEqual(list(errors), ["second"])
        self.assertIsInstance(errors["second"], UserError)
        self.assertRegex(str(errors["second"]), "daily capacity")
