import base64
import io
from datetime import timedelta

from PIL import Image

from odoo import fields
from odoo.tests import HttpCase, tagged

from .test_installation import D2dInstallationCommon


@tagged("post_install", "-at_install")
class TestCoordinatorBookingTour(HttpCase, D2dInstallationCommon):
    """The coordinator in the browser: the queue by age, the booking wizard's
    proposed slots, one click, the lead scheduled and the job on the crews'
    calendar."""

    def test_coordinator_books_from_the_proposed_slots(self):
        self.crew.color, self.crew_b.color = 3, 7
        older = self.ready_lead_named("Vera Tourova")
        newer = self.ready_lead_named("Boris Newman")
        # Vera has waited three days longer: she comes first
        older.sudo().date_last_stage_update = fields.Datetime.now() - timedelta(days=3)
        # the queue and the crews of this test: an upgraded database's city has leads
        # waiting longer, and crews of its own whose slots the wizard would propose
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "coordination")])
        self.set_aside("d2d.crew", [])
        crews = self.crew | self.crew_b
        proposed_before = crews._find_slots(fields.Datetime.now(), timedelta(hours=2), count=1)

        self.start_tour(
            "/odoo/action-door_to_door_crm.crm_lead_action_d2d_coordination",
            "d2d_coordinator_booking_tour",
            login="test_coordinator",
        )

        self.assertEqual(older.d2d_stage_code, "scheduled")
        self.assertEqual(newer.d2d_stage_code, "coordination", "only the opened lead was booked")
        job = older.d2d_installation_ids
        self.assertEqual(len(job), 1)
        self.assertEqual(job.state, "planned")
        proposed_after = crews._find_slots(fields.Datetime.now(), timedelta(hours=2), count=1, exclude=job)
        booked = (job.start, job.stop, job.crew_id)
        self.assertIn(booked, proposed_before + proposed_after, "the first proposed slot was booked")
        self.assertEqual(older.d2d_installation_date, job.start)
        self.assertEqual(older.d2d_responsible_id, job.crew_id.leader_id)
        self.assertIn("Booked with", " ".join(self.messages(older)))

    def ready_lead_named(self, name):
        lead = self.walk(self.knock_lead(name=name), "coordination")
        lead.with_user(self.coordinator).write(
            {
                "d2d_passport": "4510 123456",
                "d2d_passport_issued": "MVD Moscow, 2015-06-01",
                "d2d_tariff_id": self.tariff.id,
            }
        )
        return lead


@tagged("post_install", "-at_install")
class TestInstallerReportTour(HttpCase, D2dInstallationCommon):
    """The installer on a phone-sized, touch screen: My jobs, start, report
    connected with the port, the marks and three photos uploaded from the
    phone; the lead reaches the quality call."""

    browser_size = "390x844"
    touch_enabled = True

    def test_installer_reports_from_a_phone(self):
        lead = self.walk(self.knock_lead(name="Ivan Mobilov", phone="+79161112233"), "coordination")
        lead.with_user(self.coordinator).write(
            {
                "d2d_passport": "4510 654321",
                "d2d_passport_issued": "MVD Moscow, 2016-01-10",
                "d2d_tariff_id": self.tariff.id,
                "d2d_equipment_line_ids": [
                    (0, 0, {"equipment_id": self.env["d2d.equipment"].create({"name": "Router"}).id, "quantity": 2})
                ],
            }
        )
        lead.d2d_apartment_id.entrance_id.intercom_code = "45K9876"
        start, stop, crew = self.crew._find_slots(fields.Datetime.now(), timedelta(hours=2), count=1)[0]
        job = self.book(lead, crew, start, stop)
        job.with_user(self.coordinator).crew_note = "Call from the entrance: the intercom is broken"
        other_crew_job = self.book(self.ready_lead(), self.crew_b, start, stop)
        # a job of last week the crew missed: booked, then time passed
        missed_lead = self.walk(self.knock_lead(name="Galina Vcherova", phone="+79161112299"), "coordination")
        missed_lead.with_user(self.coordinator).write(self.client_card)
        later = self.crew._find_slots(stop, timedelta(hours=2), count=1)[0]
        missed = self.book(missed_lead, later[2], later[0], later[1])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE d2d_installation SET start = start - interval '7 days', stop = stop - interval '7 days'"
            " WHERE id = %s",
            missed.ids,
        )
        missed.invalidate_recordset()

        self.start_tour(
            "/odoo/action-door_to_door_crm.d2d_installation_action_my_jobs",
            "d2d_installer_report_tour",
            login="test_installer",
        )

        self.assertEqual(job.state, "done")
        self.assertTrue(job.started_at, "the start time was kept")
        self.assertEqual((job.port, job.cable_mark_start, job.cable_mark_end), ("A-7", 120.5, 98.0))
        self.assertEqual(job.cable_length, 22.5)
        for name in ("photo_passport", "photo_cable_entry", "photo_box"):
            image = Image.open(io.BytesIO(base64.b64decode(job[name])))
            self.assertEqual((image.format, image.size), ("JPEG", (320, 240)), name)
        self.assertEqual(lead.d2d_stage_code, "quality")
        self.assertEqual(lead.d2d_responsible_id, self.callcenter)
        self.assertEqual(other_crew_job.state, "planned", "another crew's job is untouched")
