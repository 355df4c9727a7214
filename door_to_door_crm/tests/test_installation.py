import base64
import io
import xmlrpc.client
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time
from lxml import etree
from PIL import Image, TiffImagePlugin  # noqa: F401 -- Odoo loads no TIFF writer: a phone sends none

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import D2dCrewCommon, work_calendar


def image_b64(width, height, fmt="JPEG", mode="RGB", exif=None):
    out = io.BytesIO()
    image = Image.new(mode, (width, height), "red" if mode == "RGB" else None)
    if exif is not None:
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return base64.b64encode(out.getvalue())


class D2dInstallationCommon(D2dCrewCommon):
    """Crew North (installer) and Crew South (installer_b) working in Moscow,
    two jobs a day, 09–13 and 14–18 on weekdays."""

    crew_names = ("Crew North", "Crew South")

    @classmethod
    def crew_values(cls):
        cls.calendar = work_calendar(
            cls.env, "Crews, Moscow", "Europe/Moscow", range(5), (("morning", 9, 13), ("afternoon", 14, 18))
        )
        return {"resource_calendar_id": cls.calendar.id, "tz": "Europe/Moscow", "daily_capacity": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        # 00:00 UTC of a Monday at least a week ahead; 09:00 in Moscow is 06:00 UTC
        cls.monday = datetime.combine(today + timedelta(days=7 - today.weekday() + 7), time(0, 0))

    def at(self, day, hour, minute=0):
        return self.monday + timedelta(days=day, hours=hour, minutes=minute)

    def ready_lead(self):
        lead = self.walk(self.knock_lead(), "coordination")
        lead.with_user(self.coordinator).write(self.client_card)
        return lead

    def book(self, lead, crew, start, stop):
        lead.with_user(self.coordinator).action_d2d_schedule(crew.id, start, stop)
        return lead.d2d_installation_ids.filtered(lambda job: job.state == "planned")

    def photos(self):
        return {name: image_b64(640, 480) for name in ("photo_passport", "photo_cable_entry", "photo_box")}


@tagged("post_install", "-at_install")
class TestSlots(D2dInstallationCommon):
    def starts(self, crews, start, hours=2, count=10):
        return [
            (slot_start, crew) for slot_start, _stop, crew in crews._find_slots(start, timedelta(hours=hours), count)
        ]

    def test_slots_follow_working_hours_in_the_crews_time_zone_and_capacity(self):
        slots = self.starts(self.crew, self.monday, count=4)
        # 09:00 and 11:00 Moscow time on Monday, then the capacity of 2 is reached
        self.assertEqual([s for s, _c in slots], [self.at(0, 6), self.at(0, 8), self.at(1, 6), self.at(1, 8)])

    def test_lunch_break_is_not_a_slot(self):
        slots = self.starts(self.crew, self.at(0, 9), hours=2, count=1)  # from 12:00 Moscow
        self.assertEqual(slots[0][0], self.at(0, 11), "14:00 Moscow, after the break")

    def test_time_off_and_booked_jobs_are_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Training",
                "resource_id": self.crew.resource_id.id,
                "calendar_id": self.calendar.id,
                "date_from": self.at(0, 0),
                "date_to": self.at(0, 23),
            }
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
        wizard = (
            self.env["d2d.schedule.wizard"]
            .with_user(self.coordinator)
            .create({"lead_id": lead.id, "crew_id": self.crew.id, "date_from": self.monday, "duration": 2})
        )
        self.assertEqual(len(wizard.slot_ids), 10)
        # 06:00 UTC on Monday is 09:00 in Moscow: the day as the coordinator reads it
        moscow = wizard.slot_ids[0].with_context(tz="Europe/Moscow", lang="en_US")
        self.assertEqual(moscow.day, f"Mon {self.monday.day} {self.monday.strftime('%b')}")
        arch = self.env["d2d.schedule.wizard"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("show_seconds", arch, "slots without seconds")
        wizard.slot_ids[0].action_book()
        self.assertEqual(lead.d2d_stage_code, "scheduled")
        self.assertEqual(lead.d2d_installation_date, self.at(0, 6))

    def test_slots_show_the_crews_colour(self):
        """Each proposed slot carries its crew's colour, and the wizard's list
        shows the crew as a badge in it (the colour of the crews' calendar)."""
        self.crew.color, self.crew_b.color = 3, 7
        self.set_aside("d2d.crew", [])  # an upgraded database's crews
        wizard = (
            self.env["d2d.schedule.wizard"]
            .with_user(self.coordinator)
            .create({"lead_id": self.ready_lead().id, "date_from": self.monday, "duration": 2})
        )
        self.assertEqual({(slot.crew_id, slot.color) for slot in wizard.slot_ids}, {(self.crew, 3), (self.crew_b, 7)})
        form = self.env["d2d.schedule.wizard"].with_user(self.coordinator).get_views([(False, "form")])
        arch = etree.fromstring(form["views"]["form"]["arch"])
        [crew] = arch.xpath("//field[@name='slot_ids']/list/field[@name='crew_id']")
        self.assertEqual(crew.get("widget"), "d2d_color_badge")
        self.assertEqual(safe_eval(crew.get("options")), {"color_field": "color"})


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
            {
                "name": "Sick",
                "resource_id": self.crew.resource_id.id,
                "calendar_id": self.calendar.id,
                "date_from": self.at(1, 0),
                "date_to": self.at(1, 23),
            }
        )
        self.assertRefusedBooking(lead, self.crew, self.at(1, 6), self.at(1, 8), "does not work then")
        self.book(self.ready_lead(), self.crew, self.at(0, 8), self.at(0, 10))
        self.assertRefusedBooking(lead, self.crew, self.at(0, 11), self.at(0, 13), "daily capacity")

    def test_a_slot_that_has_begun_is_not_booked(self):
        now = fields.Datetime.now()
        self.assertRefusedBooking(
            self.ready_lead(), self.crew, now - timedelta(minutes=5), now + timedelta(hours=2), "already begun"
        )

    def test_the_database_refuses_two_open_jobs_of_a_crew_at_once(self):
        """Even past the checks of the booking (here as superuser), the crew's
        time is held by the database, in the words of the booking."""
        job = self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        Job = self.env["d2d.installation"]
        overlap = {
            "lead_id": self.ready_lead().id,
            "crew_id": self.crew.id,
            "start": self.at(0, 7),
            "stop": self.at(0, 9),
        }
        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            with self.assertRefused(UserError, "^Crew Crew North already has a job at that time.$"):
                Job.create(overlap)
            self.assertEqual(Job.search([("crew_id", "=", self.crew.id)]), job, "the transaction goes on")
            Job.create({**overlap, "crew_id": self.crew_b.id})  # another crew is free then
            job.write({"state": "cancelled"})  # a cancelled job frees its time
            moved = Job.create(overlap)
            with self.assertRefused(UserError, "already has a job at that time"):
                job.write({"state": "planned"})
            with self.assertRefused(UserError, "already has a job at that time"):
                moved.write({"crew_id": self.crew_b.id})
        self.assertEqual((job.state, moved.crew_id), ("cancelled", self.crew))

    def test_a_lead_without_its_client_card_is_not_booked(self):
        lead = self.walk(self.knock_lead(), "coordination")
        self.assertFalse(lead.d2d_card_complete)
        self.assertRefusedBooking(
            lead, self.crew, self.at(0, 6), self.at(0, 8), "passport series and number, passport issued by, on, tariff"
        )
        with self.assertRefused(UserError, "complete the client card"):
            lead.with_user(self.coordinator).action_d2d_open_schedule_wizard()
        lead.with_user(self.coordinator).write({"d2d_passport": "4510 123456", "d2d_tariff_id": self.tariff.id})
        self.assertRefusedBooking(lead, self.crew, self.at(0, 6), self.at(0, 8), r"\(passport issued by, on\)")
        lead.with_user(self.coordinator).write({"d2d_passport_issued": "MVD Moscow, 2015-06-01"})
        self.assertTrue(lead.d2d_card_complete)
        action = lead.with_user(self.coordinator).action_d2d_open_schedule_wizard()
        wizard = self.env["d2d.schedule.wizard"].browse(action["res_id"])
        self.assertEqual((action["res_model"], wizard.lead_id), ("d2d.schedule.wizard", lead))
        self.assertTrue(wizard.slot_ids, "the wizard opens with its proposals")

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
        # the leads an upgraded database's city postponed wake up too: not this test's
        self.set_aside("crm.lead", [("d2d_postponed_until", "!=", False)])
        with freeze_time(self.monday + timedelta(minutes=1)):
            self.assertEqual(self.env["crm.lead"]._cron_d2d_wake_postponed(), 1)
        self.assertTrue(self.env["crm.lead"].search(domain))
        self.assertEqual(self.step_activities(lead).user_id, self.coordinator)

    def test_crew_needs_members(self):
        crews = self.env["d2d.crew"].search_count([])
        with self.assertRefused(ValidationError, "at least one member"):
            self.env["d2d.crew"].create({"name": "Ghosts", "leader_id": self.installer.id})
        self.assertEqual(self.env["d2d.crew"].search_count([]), crews)
        with self.assertRefused(ValidationError, "at least one member"):
            self.crew.with_user(self.coordinator).write({"member_ids": [(5, 0, 0)]})
        self.assertEqual(self.crew.member_ids, self.installer)


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

    def test_report_wizard_not_connected(self):
        wizard = (
            self.env["d2d.installation.report.wizard"]
            .with_user(self.installer)
            .create({"installation_id": self.job.id, "result": "not_connected", "reason": "Riser locked"})
        )
        wizard.action_confirm()
        self.assertEqual((self.job.state, self.job.result_note), ("failed", "Riser locked"))
        self.assertEqual(self.lead.d2d_stage_code, "coordination")
        self.assertEqual(self.lead.d2d_responsible_id, self.coordinator)

    def test_cable_marks_open_the_numeric_keyboard(self):
        """The marks stay text (an empty one stays empty) but are typed on the
        phone's numeric keyboard: the report's widget for it (its input's
        inputmode is checked in the installer's tour)."""
        form = self.env["d2d.installation.report.wizard"].with_user(self.installer).get_views([(False, "form")])
        arch = etree.fromstring(form["views"]["form"]["arch"])
        for name in ("cable_mark_start", "cable_mark_end"):
            [mark] = arch.xpath(f"//field[@name='{name}']")
            self.assertEqual(mark.get("widget"), "d2d_numeric_char", name)
        [port] = arch.xpath("//field[@name='port']")
        self.assertIsNone(port.get("widget"), "the port has letters: the full keyboard")

    def test_report_wizard(self):
        wizard = (
            self.env["d2d.installation.report.wizard"]
            .with_user(self.installer)
            .create(
                {
                    "installation_id": self.job.id,
                    "result": "connected",
                    "port": "B-7",
                    "cable_mark_start": 10,
                    "cable_mark_end": 40,
                    **self.photos(),
                }
            )
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

    def noisy_jpeg(self, width=640, height=480, fmt="JPEG"):
        """A photo-like picture: noise does not compress, so its data fills the file."""
        out = io.BytesIO()
        Image.effect_noise((width, height), 60).convert("RGB").save(out, format=fmt)
        return out.getvalue()

    def test_motion_photo_with_bytes_after_the_image_is_accepted(self):
        # Samsung and Google galleries append the clip after the JPEG's end marker
        motion = self.noisy_jpeg() + b"MotionPhoto_Data" + b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
        image = self.process(base64.b64encode(motion))
        self.assertEqual((image.format, image.size), ("JPEG", (640, 480)))
        webp = self.process(image_b64(320, 240, fmt="WEBP"))
        self.assertEqual((webp.format, webp.size), ("JPEG", (320, 240)))

    def test_cut_photos_are_refused(self):
        jpeg = self.noisy_jpeg()
        png = self.noisy_jpeg(fmt="PNG")
        # cut in the middle of the picture's data (a file that only lacks its
        # 2-byte end marker holds every pixel: whether the decoder notices
        # depends on where its reads fall, and the photo is whole anyway)
        for cut in (jpeg[: len(jpeg) // 2], jpeg[:-512], png[: len(png) // 2]):
            with self.assertRefused(UserError, "damaged"):
                self.env["d2d.installation"]._process_photo(base64.b64encode(cut))

    def test_only_the_formats_of_a_phone_camera_are_read(self):
        for fmt in ("GIF", "BMP", "TIFF"):
            with self.subTest(fmt=fmt), self.assertRefused(UserError, "not a photo: send a JPEG, PNG or WebP"):
                self.env["d2d.installation"]._process_photo(image_b64(64, 48, fmt=fmt))
        with self.assertRefused(UserError, "not a photo"):
            self.env["d2d.installation"]._process_photo(base64.b64encode(b"Client agreed, see you Monday\n"))
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
        with self.assertRefused(UserError, "HEIC photos cannot be read here"):
            self.env["d2d.installation"]._process_photo(base64.b64encode(heic))

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
        self.assertEqual(Job.with_user(self.coordinator).search(self.created_here()), job | job_b)


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


@tagged("post_install", "-at_install")
class TestCoordinatorPlanning(D2dInstallationCommon):
    """Reschedule, cancel and postpone keep the history; refusals write nothing."""

    def setUp(self):
        super().setUp()
        self.lead = self.ready_lead()
        self.job = self.book(self.lead, self.crew, self.at(0, 6), self.at(0, 8))

    def jobs(self):
        return self.env["d2d.installation"].search_count([])

    def test_reschedule_to_another_crew_keeps_the_old_job(self):
        new_id = self.job.with_user(self.coordinator).action_d2d_reschedule(
            self.crew_b.id, self.at(1, 6), self.at(1, 8), reason="Client at work on Monday"
        )
        new_job = self.env["d2d.installation"].browse(new_id)
        self.assertEqual(self.job.state, "cancelled")
        self.assertIn("Client at work on Monday", self.job.result_note)
        self.assertIn("Crew South", self.job.result_note)
        self.assertEqual((new_job.state, new_job.crew_id, new_job.start), ("planned", self.crew_b, self.at(1, 6)))
        self.assertEqual(self.lead.d2d_installation_ids, self.job | new_job)
        self.assertEqual(self.lead.d2d_stage_code, "scheduled")
        self.assertEqual(self.lead.d2d_installation_date, self.at(1, 6))
        self.assertEqual(self.lead.d2d_responsible_id, self.installer_b, "the new crew's leader takes over")
        self.assertEqual(self.step_activities(self.lead).user_id, self.installer_b)
        self.assertTrue(any("Client at work on Monday" in body for body in self.messages(self.lead)))

    def test_reschedule_within_the_same_crew_may_reuse_its_own_time(self):
        # an hour later overlaps the job being moved: that is no double booking
        new_id = self.job.with_user(self.coordinator).action_d2d_reschedule(self.crew.id, self.at(0, 7), self.at(0, 9))
        self.assertEqual(self.env["d2d.installation"].browse(new_id).start, self.at(0, 7))

    def test_reschedule_refusals_write_nothing(self):
        other = self.book(self.ready_lead(), self.crew_b, self.at(1, 6), self.at(1, 8))
        count = self.jobs()
        for user, args, message in (
            (self.coordinator, (self.crew_b.id, self.at(1, 7), self.at(1, 9)), "already has a job"),
            (self.coordinator, (self.crew.id, self.at(5, 8), self.at(5, 10)), "does not work then"),
            (self.coordinator, (self.crew.id, self.at(1, 8), self.at(1, 7)), "end after"),
            (self.coordinator, ("not a crew", self.at(1, 6), self.at(1, 8)), "existing crew"),
            (self.coordinator, (self.crew.id, "tomorrow", self.at(1, 8)), "dates with a time"),
            (self.installer, (self.crew.id, self.at(1, 6), self.at(1, 8)), "role"),
        ):
            with self.assertRefused(UserError, message):
                self.job.with_user(user).action_d2d_reschedule(*args)
        self.assertEqual(self.jobs(), count)
        self.assertEqual(self.job.state, "planned")
        self.assertEqual(other.state, "planned")
        self.job.with_user(self.installer).action_start()
        with self.assertRefused(UserError, "not planned any more"):
            self.job.with_user(self.coordinator).action_d2d_reschedule(self.crew.id, self.at(1, 6), self.at(1, 8))

    def test_reschedule_wizard_offers_the_jobs_own_slot_and_moves_it(self):
        action = self.lead.with_user(self.coordinator).action_d2d_open_reschedule_wizard()
        wizard = self.env["d2d.schedule.wizard"].with_user(self.coordinator).browse(action["res_id"])
        self.assertEqual(wizard.installation_id, self.job)
        wizard.write({"crew_id": self.crew.id, "date_from": self.monday, "reason": "Client asked"})
        self.assertEqual(wizard.action_propose()["res_id"], wizard.id)
        self.assertEqual(wizard.slot_ids.crew_id, self.crew)
        self.assertEqual(wizard.slot_ids[0].start, self.at(0, 6), "the job's own slot is free for itself")
        wizard.slot_ids.filtered(lambda slot: slot.start == self.at(1, 6)).action_book()
        self.assertEqual(self.job.state, "cancelled")
        self.assertEqual(self.lead.d2d_installation_date, self.at(1, 6))
        self.assertEqual(self.lead.d2d_stage_code, "scheduled")

    def test_cancel_from_the_lead_with_a_reason(self):
        with self.assertRefused(UserError, "reason"):
            self.lead.with_user(self.coordinator).action_d2d_cancel_installation("  ")
        with self.assertRefused(UserError, "role"):
            self.lead.with_user(self.installer).action_d2d_cancel_installation("no")
        self.assertEqual(self.job.state, "planned")
        wizard = (
            self.env["d2d.lead.reason.wizard"]
            .with_user(self.coordinator)
            .create({"lead_ids": self.lead.ids, "move": "cancel_installation", "reason": "Client moved the date"})
        )
        wizard.action_confirm()
        self.assertEqual(self.job.state, "cancelled")
        self.assertEqual(self.job.result_note, "Client moved the date")
        self.assertEqual(self.lead.d2d_stage_code, "coordination")
        self.assertFalse(self.lead.d2d_installation_date)
        with self.assertRefused(UserError, "no planned job"):
            self.lead.with_user(self.coordinator).action_d2d_cancel_installation("again")

    def test_calendar_opens_on_the_jobs_week(self):
        action = self.lead.with_user(self.coordinator).action_d2d_open_calendar()
        self.assertEqual(action["res_model"], "d2d.installation")
        self.assertEqual(action["context"]["initial_date"], fields.Datetime.to_string(self.at(0, 6)))


@tagged("post_install", "-at_install")
class TestPostponement(D2dInstallationCommon):
    def test_a_postponed_lead_is_not_escalated_and_comes_back_fresh(self):
        lead = self.ready_lead()  # coordination allows 48 hours
        until = fields.Datetime.now() + timedelta(days=5)
        lead.with_user(self.coordinator).action_d2d_postpone(until, "Client on holiday")
        self.assertEqual(lead.d2d_deadline, until + timedelta(hours=48))
        postponed = self.env.ref("door_to_door_crm.crm_lead_action_d2d_postponed")
        Lead = self.env["crm.lead"].with_user(self.coordinator)
        self.assertEqual(
            Lead.search(safe_eval(postponed.domain) + self.created_here()),
            lead,
            "the coordinator finds it among the postponed",
        )
        # the leads an upgraded database's city postponed wake up too: not this test's
        self.set_aside("crm.lead", [("d2d_postponed_until", "!=", False)])
        Lead = self.env["crm.lead"]
        with freeze_time(until - timedelta(days=1)):
            Lead._cron_d2d_escalate()
            self.assertEqual(lead.d2d_escalation_level, "0", "hidden on purpose, not stuck")
        back = until + timedelta(minutes=5)
        with freeze_time(back):
            self.assertEqual(Lead._cron_d2d_wake_postponed(), 1)
            self.assertFalse(lead.d2d_postponed_until)
            self.assertEqual(lead.date_last_stage_update, back)
            self.assertEqual(lead.d2d_deadline, back + timedelta(hours=48))
            self.assertEqual(lead.d2d_waiting_days, 0)
            self.assertEqual(self.step_activities(lead).user_id, self.coordinator)
            Lead._cron_d2d_escalate()
            self.assertEqual(lead.d2d_escalation_level, "0")

    def test_waiting_days_count_from_the_arrival_at_the_step(self):
        lead = self.ready_lead()
        with freeze_time(lead.date_last_stage_update + timedelta(days=3, hours=2)):
            lead.invalidate_recordset(["d2d_waiting_days"])
            self.assertEqual(lead.d2d_waiting_days, 3)


@tagged("post_install", "-at_install")
class TestJobGuards(D2dInstallationCommon):
    """A job's workflow fields change only through its actions, for every role
    but a manager; the crew writes photos of its own jobs."""

    def setUp(self):
        super().setUp()
        self.lead = self.ready_lead()
        self.job = self.book(self.lead, self.crew, self.at(0, 6), self.at(0, 8))

    def test_workflow_fields_are_not_written_by_hand(self):
        for user, vals in (
            (self.installer, {"state": "done"}),
            (self.installer, {"port": "A-1", "cable_mark_start": 5}),
            (self.coordinator, {"start": self.at(0, 3), "stop": self.at(0, 4)}),
            (self.coordinator, {"crew_id": self.crew_b.id}),
        ):
            with self.assertRefused(UserError, "only through its buttons"):
                self.job.with_user(user).write(vals)
        with self.assertRefused(UserError, "Book a crew"):
            self.env["d2d.installation"].with_user(self.coordinator).create(
                {"lead_id": self.lead.id, "crew_id": self.crew.id, "start": self.at(2, 6), "stop": self.at(2, 8)}
            )
        self.assertEqual((self.job.state, self.job.crew_id, self.job.start), ("planned", self.crew, self.at(0, 6)))
        self.job.with_user(self.installer).write({"photo_box": image_b64(64, 48)})
        self.assertTrue(self.job.photo_box)

    def test_a_stop_before_its_start_is_refused(self):
        with self.assertRefused(ValidationError, "end after"):
            self.job.write({"stop": self.at(0, 5)})
        with self.assertRefused(UserError, "end after"):
            self.ready_lead().with_user(self.coordinator).action_d2d_schedule(
                self.crew.id, self.at(2, 8), self.at(2, 6)
            )

    def test_archived_or_unknown_crews_are_not_booked(self):
        lead = self.ready_lead()
        for crew_id in (0, "abc", None, 999999):
            with self.assertRefused(UserError, "existing crew"):
                lead.with_user(self.coordinator).action_d2d_schedule(crew_id, self.at(2, 6), self.at(2, 8))
        self.crew_b.active = False
        with self.assertRefused(UserError, "archived"):
            lead.with_user(self.coordinator).action_d2d_schedule(self.crew_b.id, self.at(2, 6), self.at(2, 8))
        self.assertEqual(lead.d2d_stage_code, "coordination")

    def test_marks_in_plain_words(self):
        job = self.job.with_user(self.installer)
        job.write(self.photos())
        for start, message in (
            (None, "needs the cable mark at the start"),
            ("", "needs the cable mark at the start"),
            ("12 m", "must be a number"),
            ("nan", "must be a number"),
            ("inf", "must be a number"),
            (True, "must be a number"),
            ("-3,5", "cannot be negative"),
        ):
            with self.assertRefused(UserError, message):
                job.action_d2d_report("connected", port="A-1", cable_mark_start=start, cable_mark_end="10")
        self.assertEqual(self.job.state, "planned")
        job.action_d2d_report("connected", port="A-1", cable_mark_start="120,5", cable_mark_end=" 98 ")
        self.assertEqual((self.job.cable_mark_start, self.job.cable_mark_end), (120.5, 98.0))
        self.assertEqual(self.job.cable_length, 22.5)

    def test_refused_report_wizard_writes_no_photo(self):
        wizard = (
            self.env["d2d.installation.report.wizard"]
            .with_user(self.installer)
            .create({"installation_id": self.job.id, "result": "connected", "port": "B-7", **self.photos()})
        )
        with self.assertRefused(UserError, "needs the cable mark at the start"):
            wizard.action_confirm()
        self.assertFalse(self.job.photo_passport)
        self.assertEqual(self.job.state, "planned")
        other = (
            self.env["d2d.installation.report.wizard"]
            .with_user(self.installer_b)
            .create({"installation_id": self.job.id, "result": "not_connected", "reason": "not mine"})
        )
        with self.assertRefused(UserError, "another crew"):
            other.action_confirm()
        self.assertEqual(self.lead.d2d_stage_code, "scheduled")

    def test_map_link_and_crew_colours(self):
        url = urlsplit(self.job.map_url)
        self.assertEqual((url.netloc, url.path), ("www.openstreetmap.org", "/search"))
        place = ", ".join(filter(None, [self.lead.street, self.lead.city]))
        self.assertEqual(parse_qs(url.query), {"query": [place]}, "the building, encoded")
        self.assertNotIn(" ", self.job.map_url)
        self.house_a.write({"latitude": 55.7558, "longitude": 37.6173})
        self.job.invalidate_recordset(["map_url"])
        self.assertEqual(
            self.job.map_url, "https://www.openstreetmap.org/?mlat=55.7558&mlon=37.6173#map=18/55.7558/37.6173"
        )
        self.assertNotEqual(self.crew.color, self.crew_b.color)
        self.assertTrue(self.crew.color and self.crew_b.color)
