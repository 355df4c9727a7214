from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import D2dLeadCommon


@tagged("post_install", "-at_install")
class TestEscalation(D2dLeadCommon):
    """Never stuck: a lead past its step's time limit goes to the supervisor,
    one more limit later to a manager, and never twice for the same delay."""

    def escalations(self, lead):
        return [body for body in self.messages(lead) if "escalated to" in body]

    def stuck_activities(self, lead):
        return lead.activity_ids.filtered(lambda act: act.summary.startswith("Stuck"))

    def test_overdue_lead_escalates_to_supervisor_then_manager_once_each(self):
        lead = self.walk(self.knock_lead(), "review")  # the review step allows 24 hours
        start = lead.date_last_stage_update  # the transaction's time, which freeze_time does not move
        self.assertEqual(lead.d2d_deadline, start + timedelta(hours=24))
        # the leads of an upgraded database's city have deadlines of their own, which pass meanwhile
        self.set_aside("crm.lead", [("d2d_deadline", "!=", False)])
        Lead = self.env["crm.lead"]
        with freeze_time(start + timedelta(hours=23)):
            self.assertEqual(Lead._cron_d2d_escalate(), 0)
            self.assertFalse(lead.d2d_is_stuck)
        with freeze_time(start + timedelta(hours=25)):
            lead.invalidate_recordset(["d2d_is_stuck"])
            self.assertTrue(lead.d2d_is_stuck)
            self.assertIn(lead, Lead.search([("d2d_is_stuck", "=", True)]))
            Lead._cron_d2d_escalate()
            self.assertEqual(lead.d2d_escalation_level, "1")
            self.assertEqual(len(self.escalations(lead)), 1)
            self.assertEqual(self.stuck_activities(lead).user_id, self.supervisor)
            self.assertIn(self.supervisor.name, self.escalations(lead)[0])
            Lead._cron_d2d_escalate()  # the same delay again: nothing new
            self.assertEqual(len(self.escalations(lead)), 1)
            self.assertEqual(len(self.stuck_activities(lead)), 1)
        with freeze_time(start + timedelta(hours=49)):
            Lead._cron_d2d_escalate()
            self.assertEqual(lead.d2d_escalation_level, "2")
            self.assertEqual(len(self.escalations(lead)), 2)
            self.assertIn(self.manager, lead.activity_ids.user_id)
            self.assertEqual(self.stuck_activities(lead).user_id, self.supervisor | self.manager)
            Lead._cron_d2d_escalate()
            self.assertEqual(len(self.escalations(lead)), 2)
            self.assertEqual(len(self.stuck_activities(lead)), 2)
        with freeze_time(start + timedelta(hours=50)):
            lead.with_user(self.supervisor).action_d2d_send_to_coordination()
            self.assertEqual(lead.d2d_escalation_level, "0", "a move starts the count again")
            self.assertEqual(lead.d2d_deadline, lead.date_last_stage_update + timedelta(hours=48))

    def test_stuck_view_lists_every_lead_past_its_limit(self):
        waiting_review = self.walk(self.knock_lead(), "review")  # 24 h
        new = self.knock_lead()  # 48 h
        start = waiting_review.date_last_stage_update
        action = self.env.ref("door_to_door_crm.crm_lead_action_d2d_stuck")
        with freeze_time(start + timedelta(hours=30)):
            stuck = self.env["crm.lead"].search(safe_eval(action.domain))
            self.assertIn(waiting_review, stuck)
            self.assertNotIn(new, stuck)

    def test_a_limit_of_zero_never_escalates(self):
        self.env["crm.lead"]._d2d_stage("new").d2d_time_limit_hours = 0
        lead = self.knock_lead()
        start = lead.date_last_stage_update
        self.assertFalse(lead.d2d_deadline)
        # the leads of an upgraded database's city have their own deadlines, long past then
        self.set_aside("crm.lead", [("d2d_deadline", "!=", False)])
        with freeze_time(start + timedelta(days=30)):
            self.assertEqual(self.env["crm.lead"]._cron_d2d_escalate(), 0)
        self.assertEqual(lead.d2d_escalation_level, "0")


@tagged("post_install", "-at_install")
class TestOldLeadsHidden(D2dLeadCommon):
    def test_closed_leads_leave_the_agents_sight_after_the_configured_days(self):
        self.env.company.d2d_hide_closed_after_days = 10
        start = fields.Datetime.now()
        with freeze_time(start):
            done = self.walk(self.knock_lead(), "done")
            lost = self.knock_lead()
            lost.with_user(self.agent).action_set_lost(lost_reason_id=self.lost_reason.id)
            open_lead = self.knock_lead()
        Lead = self.env["crm.lead"].with_context(active_test=False)
        with freeze_time(start + timedelta(days=9)):
            Lead._cron_d2d_hide_closed_leads()
            self.assertEqual(
                Lead.with_user(self.agent).search([("id", "in", (done | lost | open_lead).ids)]),
                done | lost | open_lead,
            )
        with freeze_time(start + timedelta(days=11)):
            Lead._cron_d2d_hide_closed_leads()
            self.assertEqual(
                Lead.with_user(self.agent).search([("id", "in", (done | lost | open_lead).ids)]), open_lead
            )
            self.assertEqual(
                Lead.with_user(self.supervisor).search([("id", "in", (done | lost).ids)]),
                done | lost,
                "the supervisor keeps the archive",
            )
