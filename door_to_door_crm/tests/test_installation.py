import base64
import io
import xmlrpc.client
from datetime import datetime, time, timedelta

from freezegun import freeze_time
from PIL import Image

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import D2dLeadCommon


def image_b64(width, height, fmt="JPEG", mode="RGB", exif=None):
    out = io.BytesIO()
    image = Image.new(mode, (width, height), "red" if mode == "RGB" else None)
    if exif is not None:
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return base64.b64encode(out.getvalue())


class D2dInstallationCommon(D2dLeadCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.installer_b = new_test_user(
            cls.env, "test_installer_b", groups="door_to_door_crm.group_d2d_installer", name="Installer B"
        )
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Crews, Moscow",
                "tz": "Europe/Moscow",
                "attendance_ids": [(5, 0, 0)]
                + [
                    (0, 0, {"name": f"{day} {period}", "dayofweek": str(day), "hour_from": start, "hour_to": stop,
                            "day_period": period})
                    for day in range(5)
                    for period, start, stop in (("morning", 9, 13), ("afternoon", 14, 18))
                ],
            }
        )
        cls.crew = cls.env["d2d.crew"].create(
            {
                "name": "Crew North",
                "leader_id": cls.installer.id,
                "member_ids": [(6, 0, cls.installer.ids)],
                "resource_calendar_id": cls.calendar.id,
                "tz": "Europe/Moscow",
                "daily_capacity": 2,
            }
        )
        cls.crew_b = cls.env["d2d.crew"].create(
            {
                "name": "Crew South",
                "leader_id": cls.installer_b.id,
                "member_ids": [(6, 0, cls.installer_b.ids)],
                "resource_calendar_id": cls.calendar.id,
                "tz": "Europe/Moscow",
                "daily_capacity": 2,
            }
        )
        today = fields.Date.today()
        # 00:00 UTC of a Monday at least a week ahead; 09:00 in Moscow is 06:00 UTC
        cls.monday = datetime.combine(today + timedelta(days=7 - today.weekday() + 7), time(0, 0))

    def at(self, day, hour, minute=0):
        return self.monday + timedelta(days=day, hours=hour, minutes=minute)

    def ready_lead(self):
        lead = self.walk(self.knock_lead(), "coordination")
        lead.with_user(self.coordinator).write({"d2d_passport": "4510 123456", "d2d_tariff": "Home 500"})
        return lead

    def book(self, lead, crew, start, stop):
        lead.with_user(self.coordinator).action_d2d_schedule(crew.id, start, stop)
        return lead.d2d_installation_ids.filtered(lambda job: job.state == "planned")

    def photos(self):
        return {name: image_b64(640, 480) for name in ("photo_passport", "photo_cable_entry", "photo_box")}


@tagged("post_install", "-at_install")
class TestSlots(D2dInstallationCommon):
    def starts(self, crews, start, hours=2, count=10):
        return [(slot_start, crew) for slot_start, _stop, crew in crews._find_slots(start, timedelta(hours=hours), count)]

    def test_slots_follow_working_hours_in_the_crews_time_zone_and_capacity(self):
        slots = self.starts(self.crew, self.monday, count=4)
        # 09:00 and 11:00 Moscow time on Monday, then the capacity of 2 is reached
        self.assertEqual([s for s, _c in slots], [self.at(0, 6), self.at(0, 8), self.at(1, 6), self.at(1, 8)])

    def test_lunch_break_is_not_a_slot(self):
        slots = self.starts(self.crew, self.at(0, 9), hours=2, count=1)  # from 12:00 Moscow
        self.assertEqual(slots[0][0], self.at(0, 11), "14:00 Moscow, after the break")

    def test_time_off_and_booked_jobs_are_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {"name": "Training", "resource_id": self.crew.resource_id.id, "calendar_id": self.calendar.id,
             "date_from": self.at(0, 0), "date_to": self.at(0, 23)}
        )
        self.book(self.ready_lead(), self.crew, self.at(1, 6), self.at(1, 8))
        slots = self.starts(self.crew, self.monday, count=2)
        self.assertEqual([s for s, _c in slots], [self.at(1, 8), self.at(2, 6)], "Tuesday 09:00 taken, one left")

    def test_any_crew_merges_the_crews_by_time(self):
        slots = self.starts(self.crew | self.crew_b, self.monday, count=4)
        self.assertEqual([s for s, _c in slots], [self.at(0, 6), self.at(0, 6), self.at(0, 8), self.at(0, 8)])
        self.assertEqual({c for _s, c in slots}, {self.crew, self.crew_b})

    def test_wizard_proposes_and_books_in_one_click(self):
        lead = self.ready_lead()
        wizard = self.env["d2d.schedule.wizard"].with_user(self.coordinator).create(
            {"lead_id": lead.id, "crew_id": self.crew.id, "date_from": self.monday, "duration": 2}
        )
        self.assertEqual(len(wizard.slot_ids), 10)
        wizard.slot_ids[0].action_book()
        self.assertEqual(lead.d2d_stage_code, "scheduled")
        self.assertEqual(lead.d2d_installation_date, self.at(0, 6))


@tagged("post_install", "-at_install")
class TestScheduling(D2dInstallationCommon):
    def assertRefusedBooking(self, lead, crew, start, stop, message, user=None):
        jobs = self.env["d2d.installation"].search_count([])
        with self.assertRefused(UserError, message):
            lead.with_user(user or self.coordinator).action_d2d_schedule(crew.id, start, stop)
        self.assertEqual(self.env["d2d.installation"].search_count([]), jobs)
        self.assertEqual(lead.d2d_stage_code, "coordination")

    def test_booking_refusals(self):
        self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        lead = self.ready_lead()
        self.assertRefusedBooking(lead, self.crew, self.at(0, 7), self.at(0, 9), "already has a job")
        self.assertRefusedBooking(lead, self.crew, self.at(0, 3), self.at(0, 5), "does not work then")
        self.assertRefusedBooking(lead, self.crew, self.at(5, 8), self.at(5, 10), "does not work then")  # Saturday
        self.assertRefusedBooking(lead, self.crew, self.at(0, 9), self.at(0, 8), "end after")
        self.assertRefusedBooking(lead, self.crew, self.at(0, 8), self.at(0, 10), "role", user=self.supervisor)
        self.env["resource.calendar.leaves"].create(
            {"name": "Sick", "resource_id": self.crew.resource_id.id, "calendar_id": self.calendar.id,
             "date_from": self.at(1, 0), "date_to": self.at(1, 23)}
        )
        self.assertRefusedBooking(lead, self.crew, self.at(1, 6), self.at(1, 8), "does not work then")
        self.book(self.ready_lead(), self.crew, self.at(0, 8), self.at(0, 10))
        self.assertRefusedBooking(lead, self.crew, self.at(0, 11), self.at(0, 13), "daily capacity")

    def test_a_lead_without_its_client_card_is_not_booked(self):
        lead = self.walk(self.knock_lead(), "coordination")
        self.assertRefusedBooking(lead, self.crew, self.at(0, 6), self.at(0, 8), "passport, tariff")

    def test_booking_hands_the_lead_to_the_crew_leader(self):
        lead = self.ready_lead()
        job = self.book(lead, self.crew, self.at(0, 6), self.at(0, 8))
        self.assertEqual(lead.d2d_stage_code, "scheduled")
        self.assertEqual(lead.d2d_responsible_id, self.installer)
        self.assertEqual(job.address, f"{self.house_a.name}, {lead.street2}")

    def test_postpone_hides_the_lead_until_its_date(self):
        lead = self.ready_lead()
        coordination = self.env.ref("door_to_door_crm.crm_lead_action_d2d_coordination")
        with self.assertRefused(UserError, "future"):
            lead.with_user(self.coordinator).action_d2d_postpone(fields.Datetime.now() - timedelta(hours=1), "x")
        with self.assertRefused(UserError, "reason"):
            lead.with_user(self.coordinator).action_d2d_postpone(self.monday, "")
        lead.with_user(self.coordinator).action_d2d_postpone(self.monday, "Client on holiday")
        domain = [("id", "=", lead.id), ("d2d_stage_code", "=", "coordination"), ("d2d_postponed_until", "=", False)]
        self.assertIn("d2d_postponed_until", coordination.domain)
        self.assertFalse(self.env["crm.lead"].search(domain))
        self.assertFalse(self.step_activities(lead))
        with freeze_time(self.monday + timedelta(minutes=1)):
            self.assertEqual(self.env["crm.lead"]._cron_d2d_wake_postponed(), 1)
        self.assertTrue(self.env["crm.lead"].search(domain))
        self.assertEqual(self.step_activities(lead).user_id, self.coordinator)

    def test_crew_needs_members(self):
        with self.assertRefused(ValidationError, "at least one member"):
            self.env["d2d.crew"].create({"name": "Ghosts", "leader_id": self.installer.id})


@tagged("post_install", "-at_install")
class TestReport(D2dInstallationCommon):
    def setUp(self):
        super().setUp()
        self.lead = self.ready_lead()
        self.job = self.book(self.lead, self.crew, self.at(0, 6), self.at(0, 8))

    def test_connected_path_to_quality(self):
        job = self.job.with_user(self.installer)
        job.action_start()
        self.assertEqual(self.job.state, "in_progress")
        self.assertTrue(self.job.started_at)
        with self.assertRefused(UserError, "photos"):
            job.action_d2d_report("connected", port="A-12", cable_mark_start=120, cable_mark_end=95)
        job.write(self.photos())
        job.action_d2d_report("connected", port="A-12", cable_mark_start=120, cable_mark_end=95)
        self.assertEqual(self.job.state, "done")
        self.assertEqual(self.job.cable_length, 25)
        self.assertEqual(self.lead.d2d_stage_code, "quality")
        self.assertEqual(self.lead.d2d_responsible_id, self.callcenter)

    def test_not_connected_goes_back_to_coordination(self):
        job = self.job.with_user(self.installer)
        with self.assertRefused(UserError, "Say why"):
            job.action_d2d_report("not_connected")
        job.action_d2d_report("not_connected", reason="No cable in the riser")
        self.assertEqual(self.job.state, "failed")
        self.assertEqual(self.lead.d2d_stage_code, "coordination")
        self.assertIn("No cable in the riser", " ".join(self.messages(self.lead)))

    def test_bad_reports_are_refused_and_write_nothing(self):
        job = self.job.with_user(self.installer)
        job.write(self.photos())
        for kwargs, message in (
            ({"port": "A-1", "cable_mark_start": -5, "cable_mark_end": 10}, "negative"),
            ({"port": "A-1", "cable_mark_start": "ten", "cable_mark_end": 10}, "number"),
            ({"port": "", "cable_mark_start": 1, "cable_mark_end": 10}, "port"),
        ):
            with self.assertRefused(UserError, message):
                job.action_d2d_report("connected", **kwargs)
        with self.assertRefused(UserError, "not a job result"):
            job.action_d2d_report("maybe")
        with self.assertRefused(UserError):
            self.job.with_user(self.installer_b).action_d2d_report("not_connected", reason="not mine")
        self.assertEqual(self.job.state, "planned")
        self.assertEqual(self.lead.d2d_stage_code, "scheduled")

    def test_cancel_keeps_the_history(self):
        self.job.with_user(self.coordinator).action_cancel("Client asked to move the date")
        self.assertEqual(self.job.state, "cancelled")
        self.assertEqual(self.lead.d2d_stage_code, "coordination")
        new_job = self.book(self.lead, self.crew, self.at(1, 6), self.at(1, 8))
        self.assertEqual(self.lead.d2d_installation_ids, self.job | new_job)

    def test_report_wizard(self):
        wizard = self.env["d2d.installation.report.wizard"].with_user(self.installer).create(
            {"installation_id": self.job.id, "result": "connected", "port": "B-7", "cable_mark_start": 10,
             "cable_mark_end": 40, **self.photos()}
        )
        wizard.action_confirm()
        self.assertEqual(self.lead.d2d_stage_code, "quality")


@tagged("post_install", "-at_install")
class TestPhotos(D2dInstallationCommon):
    def process(self, data):
        return Image.open(io.BytesIO(base64.b64decode(self.env["d2d.installation"]._process_photo(data))))

    def test_photo_is_turned_downscaled_and_stripped(self):
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
        exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0)}  # GPS
        exif[0x010F] = "PhoneMaker"
        image = self.process(image_b64(4000, 3000, exif=exif))
        self.assertEqual(image.format, "JPEG")
        self.assertEqual(image.size, (1440, 1920), "turned upright, longest side 1920")
        self.assertFalse(dict(image.getexif()), "no EXIF left, so no location")

    def test_png_with_transparency_becomes_jpeg(self):
        image = self.process(image_b64(300, 200, fmt="PNG", mode="RGBA"))
        self.assertEqual((image.format, image.mode, image.size), ("JPEG", "RGB", (300, 200)))

    def test_not_an_image_corrupt_and_bomb_are_refused(self):
        with self.assertRefused(UserError, "not a photo"):
            self.env["d2d.installation"]._process_photo(base64.b64encode(b"%PDF-1.4 not a picture"))
        jpeg = base64.b64decode(image_b64(640, 480))
        with self.assertRefused(UserError, "damaged"):
            self.env["d2d.installation"]._process_photo(base64.b64encode(jpeg[: len(jpeg) // 3]))
        bomb = image_b64(12000, 12000, fmt="PNG", mode="1")  # 144 Mpx that compress to a few KB
        self.assertLess(len(bomb), 100_000)
        with self.assertRefused(UserError, "far too large"):
            self.env["d2d.installation"]._process_photo(bomb)
        with self.assertRefused(UserError, "not an uploaded file"):
            self.env["d2d.installation"]._process_photo("@@@ not base64 @@@")

    def test_photos_are_processed_when_the_job_is_written(self):
        lead = self.ready_lead()
        job = self.book(lead, self.crew, self.at(0, 6), self.at(0, 8))
        job.with_user(self.installer).write({"photo_box": image_b64(3000, 1000)})
        self.assertEqual(Image.open(io.BytesIO(base64.b64decode(job.photo_box))).size, (1920, 640))


@tagged("post_install", "-at_install")
class TestInstallerAccess(D2dInstallationCommon):
    def test_installer_sees_only_own_crew(self):
        job = self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        job_b = self.book(self.ready_lead(), self.crew_b, self.at(0, 6), self.at(0, 8))
        Job = self.env["d2d.installation"]
        self.assertEqual(Job.with_user(self.installer).search([]), job)
        self.assertEqual(Job.with_user(self.installer_b).search([]), job_b)
        Lead = self.env["crm.lead"]
        self.assertEqual(Lead.with_user(self.installer).search([("d2d_stage_code", "!=", False)]), job.lead_id)
        self.assertEqual(Job.with_user(self.coordinator).search([]), job | job_b)


@tagged("post_install", "-at_install")
class TestInstallerRpc(HttpCase, D2dInstallationCommon):
    def test_installer_over_xmlrpc(self):
        job = self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        job_b = self.book(self.ready_lead(), self.crew_b, self.at(0, 6), self.at(0, 8))
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

        def call(model, method, *args, **kwargs):
            return proxy.execute_kw(
                self.env.cr.dbname, self.installer.id, self.installer.login, model, method, list(args), kwargs
            )

        self.assertEqual(call("d2d.installation", "search", []), job.ids)
        self.assertEqual(call("crm.lead", "search", [("d2d_stage_code", "!=", False)]), job.lead_id.ids)
        with self.assertRefused(xmlrpc.client.Fault):
            call("d2d.installation", "action_d2d_report", job_b.ids, "not_connected", reason="not mine")
        call("d2d.installation", "action_d2d_report", job.ids, "not_connected", reason="Nobody home")
        self.assertEqual(job.lead_id.d2d_stage_code, "coordination")
