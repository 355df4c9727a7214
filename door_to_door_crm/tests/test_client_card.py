import xmlrpc.client

from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .test_installation import D2dInstallationCommon


@tagged("post_install", "-at_install")
class TestClientCard(HttpCase, D2dInstallationCommon):
    """The coordinator picks the client's tariff from the provider's list and
    reserves equipment with quantities; the crew reads them on its job, with
    the entrance, the floor and the intercom code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.router = cls.env["d2d.equipment"].create({"name": "Router"})
        cls.tv_box = cls.env["d2d.equipment"].create({"name": "TV box"})

    def test_the_coordinator_fills_the_card_from_the_lists(self):
        lead = self.walk(self.knock_lead(name="Vera Cardova"), "coordination")
        form = Form(lead.with_user(self.coordinator))
        form.d2d_passport = "4510 111222"
        form.d2d_passport_issued = "MVD Moscow, 2019-03-01"
        self.assertFalse(form.d2d_card_complete, "no tariff yet")
        form.d2d_tariff_id = self.tariff
        with form.d2d_equipment_line_ids.new() as line:
            line.equipment_id = self.router
        with form.d2d_equipment_line_ids.new() as line:
            line.equipment_id = self.tv_box
            line.quantity = 2
        form.save()
        self.assertTrue(lead.d2d_card_complete)
        self.assertEqual(
            [(line.equipment_id, line.quantity) for line in lead.d2d_equipment_line_ids],
            [(self.router, 1), (self.tv_box, 2)],
        )
        with self.assertRefused(ValidationError, "at least 1"):
            lead.d2d_equipment_line_ids[:1].with_user(self.coordinator).quantity = 0

    def test_the_crew_reads_what_it_needs_at_the_door(self):
        lead = self.walk(self.knock_lead(name="Pavel Dverev"), "coordination")
        lead.d2d_apartment_id.entrance_id.intercom_code = "45K1234"
        lead.with_user(self.coordinator).write(
            {**self.client_card, "d2d_equipment_line_ids": [(0, 0, {"equipment_id": self.tv_box.id, "quantity": 2})]}
        )
        job = self.book(lead, self.crew, self.at(0, 6), self.at(0, 8))
        fields_read = ["entrance_number", "floor", "intercom_code", "tariff_id", "equipment_summary"]
        server = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)
        self.env.flush_all()
        [seen] = server.execute_kw(
            self.env.cr.dbname,
            self.installer.id,
            "test_installer",
            "d2d.installation",
            "read",
            [job.ids],
            {"fields": fields_read},
        )
        apartment = lead.d2d_apartment_id
        self.assertEqual(
            (seen["entrance_number"], seen["floor"], seen["intercom_code"], seen["tariff_id"][1]),
            (apartment.entrance_id.number, apartment.floor, "45K1234", "Home 500"),
        )
        self.assertEqual(seen["equipment_summary"], "TV box × 2")

    def test_the_manager_keeps_the_lists(self):
        self.env["d2d.tariff"].with_user(self.manager).create({"name": "Home 1000", "monthly_fee": 900})
        for user in (self.coordinator, self.supervisor, self.installer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["d2d.tariff"].with_user(user).create({"name": "Free for all"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["d2d.equipment"].with_user(user).create({"name": "Satellite dish"})
        # the same name twice in a company: refused in plain words over XML-RPC
        self.env.flush_all()
        server = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)
        # (PostgreSQL refuses the row; Odoo logs the statement, then answers in words)
        with self.assertRaises(xmlrpc.client.Fault) as cm, mute_logger("odoo.sql_db"):
            server.execute_kw(
                self.env.cr.dbname, self.manager.id, "test_manager", "d2d.tariff", "create", [{"name": "Home 500"}]
            )
        self.assertIn("A tariff with this name already exists.", cm.exception.faultString)

    def test_a_tariff_of_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "Provider B"})
        tariff_b = self.env["d2d.tariff"].create({"name": "Home 500", "company_id": other.id})
        lead = self.walk(self.knock_lead(name="Oleg Kompaniev"), "coordination")
        with self.assertRaises(UserError):
            lead.with_user(self.coordinator).write({"d2d_tariff_id": tariff_b.id})

    def test_the_coordinator_writes_the_crews_notes_and_the_map_opens_on_the_phone(self):
        lead = self.ready_lead()
        job = self.book(lead, self.crew, self.at(0, 6), self.at(0, 8))
        job.with_user(self.coordinator).crew_note = "Bring a 30 m cable"
        self.assertEqual(job.with_user(self.installer).crew_note, "Bring a 30 m cable")
        with self.assertRefused(AccessError, "Only a coordinator"):
            job.with_user(self.installer).crew_note = "Done already"
        self.assertEqual(job.crew_note, "Bring a 30 m cable")
        house = lead.d2d_house_id
        house.write({"latitude": 55.7558, "longitude": 37.6173})
        job.invalidate_recordset()
        self.assertTrue(job.geo_url.startswith("geo:55.7558,37.6173?q=55.7558,37.6173("), job.geo_url)
        house.write({"latitude": 0, "longitude": 0})
        job.invalidate_recordset()
        self.assertTrue(job.geo_url.startswith("geo:0,0?q=Baumana+St"), job.geo_url)

    def test_the_crew_does_not_land_on_the_crm_form(self):
        def lead_field(user):
            arch = self.env["d2d.installation"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
            return [node for node in etree.fromstring(arch).iter("field") if node.get("name") == "lead_id"]

        [installer_field] = lead_field(self.installer)
        self.assertIn("no_open", installer_field.get("options", ""), "the job holds what the crew needs")
        [coordinator_field] = lead_field(self.coordinator)
        self.assertNotIn("no_open", coordinator_field.get("options") or "")

    def test_the_crews_week_one_row_per_crew(self):
        """The schedule's pivot: a row per crew, a column per day, as the
        coordinator reads it (read_group of the view's own groupings)."""
        self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        self.book(self.ready_lead(), self.crew, self.at(1, 6), self.at(1, 8))
        self.book(self.ready_lead(), self.crew_b, self.at(1, 6), self.at(1, 8))
        pivot = self.env.ref("door_to_door_crm.d2d_installation_view_pivot")
        rows = [(node.get("name"), node.get("type")) for node in etree.fromstring(pivot.arch).iter("field")]
        self.assertEqual(rows, [("crew_id", "row"), ("start", "col")])
        action = self.env.ref("door_to_door_crm.d2d_installation_action")
        self.assertIn("pivot", action.view_mode)
        Job = self.env["d2d.installation"].with_user(self.coordinator)
        groups = Job.read_group(self.created_here(), ["__count"], ["crew_id", "start:day"], lazy=False)
        cells = sorted((group["crew_id"][1], group["start:day"], group["__count"]) for group in groups)
        self.assertEqual(len(cells), 3, cells)
        self.assertEqual([count for _crew, _day, count in cells], [1, 1, 1])
