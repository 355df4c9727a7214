from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .test_trust import D2dHttpCommon


@tagged("post_install", "-at_install")
class TestCompanySettings(D2dHttpCommon):
    """Each regional company has its own coordinator on duty, quality-call
    operator and days before closed leads leave the field's sight; the
    door-to-door manager sets them for the company they work in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.split_off_company_b()
        cls.coordinator_b = cls.user_of_company_b("test_coordinator_of_b", "coordinator", "Coordinator B")
        cls.callcenter_b = cls.user_of_company_b("test_callcenter_of_b", "callcenter", "Operator B")
        cls.company_b.write(
            {
                "d2d_coordinator_id": cls.coordinator_b.id,
                "d2d_callcenter_id": cls.callcenter_b.id,
                "d2d_hide_closed_after_days": 5,
            }
        )
        cls.company_a.d2d_hide_closed_after_days = 30

    def responsible_of_step(self, lead):
        activities = lead.sudo().activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("door_to_door_crm.mail_activity_type_d2d_step")
        )
        return activities.user_id

    def test_each_company_has_its_own_staff_on_duty(self):
        lead_a = self.walk(self.knock_lead(self.house_a, phone="+79161110001"), "coordination")
        lead_b = self.walk(self.knock_lead(self.house_b, phone="+79162220001"), "coordination")
        self.assertEqual(lead_b.company_id, self.company_b)
        self.assertEqual(self.responsible_of_step(lead_a), self.coordinator)
        self.assertEqual(self.responsible_of_step(lead_b), self.coordinator_b)
        self.walk(lead_a, "quality")
        self.walk(lead_b, "quality")
        self.assertEqual(self.responsible_of_step(lead_a), self.callcenter)
        self.assertEqual(self.responsible_of_step(lead_b), self.callcenter_b)

    def test_closed_leads_leave_the_field_after_their_company_days(self):
        lead_a = self.walk(self.knock_lead(self.house_a, phone="+79161110002"), "done")
        lead_b = self.walk(self.knock_lead(self.house_b, phone="+79162220002"), "quality")
        lead_b.with_user(self.callcenter_b).action_d2d_quality_call(ok=True)
        (lead_a | lead_b).write({"date_closed": fields.Datetime.now() - timedelta(days=10)})
        self.env["crm.lead"]._cron_d2d_hide_closed_leads()
        self.assertEqual((lead_a.d2d_hidden, lead_b.d2d_hidden), (False, True), "5 days in B, 30 in A")

    def test_the_manager_sets_the_company_they_work_in_over_call_kw(self):
        context = {"allowed_company_ids": [self.company_b.id]}
        defaults = self.call_kw_ok(
            self.manager,
            "d2d.settings",
            "default_get",
            ["company_id", "d2d_hide_closed_after_days", "d2d_default_coordinator_id"],
            context=context,
        )
        self.assertEqual(
            (defaults["company_id"], defaults["d2d_hide_closed_after_days"], defaults["d2d_default_coordinator_id"]),
            (self.company_b.id, 5, self.coordinator_b.id),
        )
        settings_id = self.call_kw_ok(
            self.manager, "d2d.settings", "create", [{"d2d_hide_closed_after_days": 8}], context=context
        )[0]
        self.call_kw_ok(self.manager, "d2d.settings", "execute", [settings_id], context=context)
        self.assertEqual(self.company_b.d2d_hide_closed_after_days, 8)
        self.assertEqual(self.company_a.d2d_hide_closed_after_days, 30, "the other company keeps its own")
        self.assertEqual(self.company_b.d2d_coordinator_id, self.coordinator_b)
        # a manager cannot set a company they do not work in
        answer = self.call_kw(
            self.manager, "d2d.settings", "default_get", ["company_id"], context={"allowed_company_ids": [999999]}
        )
        self.assertIn("error", answer)
        self.assertEqual(self.company_b.d2d_hide_closed_after_days, 8)

    def test_a_company_escalates_on_its_own_time_limits(self):
        review = self.env["crm.lead"]._d2d_stage("review")
        review.d2d_time_limit_hours = 48
        # the manager gives company B a limit of its own over the web client's call
        self.call_kw_ok(
            self.manager,
            "crm.stage",
            "write",
            review.ids,
            {"d2d_company_limit_ids": [(0, 0, {"company_id": self.company_b.id, "time_limit_hours": 12})]},
            context={"allowed_company_ids": [self.company_b.id, self.company_a.id]},
        )
        self.env.invalidate_all()
        self.assertEqual(review._d2d_time_limit(self.company_b), 12)
        start = fields.Datetime.now()
        with freeze_time(start):
            lead_a = self.walk(self.knock_lead(self.house_a, phone="+79161110003"), "review")
            lead_b = self.walk(self.knock_lead(self.house_b, phone="+79162220003"), "review")
        self.assertEqual(lead_a.d2d_deadline, lead_a.date_last_stage_update + timedelta(hours=48))
        self.assertEqual(lead_b.d2d_deadline, lead_b.date_last_stage_update + timedelta(hours=12))
        Lead = self.env["crm.lead"]
        with freeze_time(start + timedelta(hours=13)):
            Lead._cron_d2d_escalate()
        self.assertEqual((lead_a.d2d_escalation_level, lead_b.d2d_escalation_level), ("0", "1"))
        with freeze_time(start + timedelta(hours=25)):
            Lead._cron_d2d_escalate()
        self.assertEqual(lead_b.d2d_escalation_level, "2", "to the manager one more limit of B later")
        # a change of the limit moves the deadlines of the leads waiting at the step
        review.d2d_company_limit_ids.time_limit_hours = 24
        self.assertEqual(lead_b.d2d_deadline, lead_b.date_last_stage_update + timedelta(hours=24))
        self.assertEqual(lead_a.d2d_deadline, lead_a.date_last_stage_update + timedelta(hours=48))
        # company A's manager does not see B's limit
        stages = self.call_kw_ok(
            self.manager,
            "crm.stage",
            "read",
            review.ids,
            ["d2d_company_limit_ids"],
            context={"allowed_company_ids": [self.company_a.id]},
        )
        self.assertEqual(stages[0]["d2d_company_limit_ids"], [])
