from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import D2dLeadCommon


@tagged("post_install", "-at_install")
class TestLeadLifecycle(D2dLeadCommon):
    """What each move needs besides its role and step (the table of roles and
    steps is tests/test_lead_moves.py): a phone, a reason, the manager's
    exception to the write guard."""

    def assertNothingWritten(self, lead, move, exception=UserError, message=None):
        before = (lead.stage_id, lead.d2d_responsible_id, len(lead.message_ids), len(lead.activity_ids), lead.active)
        with self.assertRefused(exception, message):
            move()
        lead.invalidate_recordset()
        after = (lead.stage_id, lead.d2d_responsible_id, len(lead.message_ids), len(lead.activity_ids), lead.active)
        self.assertEqual(before, after)

    def test_a_knocked_lead_has_its_agent_and_an_activity(self):
        lead = self.knock_lead()
        self.assertEqual(lead.d2d_stage_code, "new")
        self.assertEqual(lead.user_id, self.agent)
        self.assertEqual(lead.d2d_responsible_id, self.agent)
        self.assertEqual(self.step_activities(lead).user_id, self.agent)
        self.assertEqual(lead.d2d_apartment_id.lead_id, lead)
        self.assertTrue(lead.d2d_deadline)

    def test_submit_needs_a_phone(self):
        lead = self.knock_lead()
        lead.with_user(self.agent).write({"phone": False})
        self.assertNothingWritten(lead, lead.with_user(self.agent).action_d2d_submit, UserError, "no phone")

    def test_return_to_agent_needs_a_reason(self):
        lead = self.walk(self.knock_lead(), "review")
        supervisor_lead = lead.with_user(self.supervisor)
        self.assertNothingWritten(lead, lambda: supervisor_lead.action_d2d_return_to_agent("  "), UserError, "reason")
        self.assertNothingWritten(lead, lambda: lead.with_user(self.agent).action_d2d_return_to_agent("x"))
        self.assertNothingWritten(
            lead, lambda: lead.with_user(self.supervisor_b).action_d2d_return_to_agent("x"), AccessError
        )
        supervisor_lead.action_d2d_return_to_agent("Wrong flat number")
        self.assertEqual(lead.d2d_stage_code, "new")
        self.assertEqual(lead.d2d_responsible_id, self.agent)
        self.assertIn("Wrong flat number", " ".join(self.messages(lead)))

    def test_coordinator_returns_to_supervisor_with_a_reason(self):
        lead = self.walk(self.knock_lead(), "coordination")
        coordinator_lead = lead.with_user(self.coordinator)
        self.assertNothingWritten(lead, lambda: coordinator_lead.action_d2d_return_to_supervisor(""), UserError)
        self.assertNothingWritten(
            lead, lambda: lead.with_user(self.supervisor).action_d2d_return_to_supervisor("x"), UserError, "role"
        )
        coordinator_lead.action_d2d_return_to_supervisor("No such building entrance")
        self.assertEqual(lead.d2d_stage_code, "review")
        self.assertEqual(lead.d2d_responsible_id, self.supervisor)
        with self.assertRaises(AccessError):
            lead.with_user(self.coordinator).read(["name"])  # back before coordination: out of sight

    def test_quality_call(self):
        lead = self.walk(self.knock_lead(), "quality")
        self.assertEqual(lead.d2d_responsible_id, self.callcenter)
        operator_lead = lead.with_user(self.callcenter)
        self.assertNothingWritten(lead, lambda: operator_lead.action_d2d_quality_call(ok=False, note=""), UserError)
        self.assertNothingWritten(
            lead, lambda: lead.with_user(self.coordinator).action_d2d_quality_call(ok=True), UserError, "role"
        )
        operator_lead.action_d2d_quality_call(ok=False, note="No signal in the bedroom")
        self.assertEqual(lead.d2d_stage_code, "coordination")
        self.walk(lead, "quality")
        operator_lead.action_d2d_quality_call(ok=True, note="Happy client")
        self.assertEqual(lead.d2d_stage_code, "done")
        self.assertEqual(lead.probability, 100)
        self.assertFalse(lead.d2d_responsible_id)
        self.assertFalse(self.step_activities(lead), "a closed lead waits for nobody")

    def test_stage_is_not_edited_directly_except_by_a_manager(self):
        lead = self.walk(self.knock_lead(), "review")
        coordination = self.env["crm.lead"]._d2d_stage("coordination")
        for user in (self.agent, self.supervisor):
            self.assertNothingWritten(
                lead, lambda user=user: lead.with_user(user).write({"stage_id": coordination.id}), UserError, "buttons"
            )
        lead.with_user(self.supervisor).write({"description": "Door code 1234"})  # other fields stay editable
        lead.with_user(self.manager).write({"stage_id": coordination.id})
        self.assertEqual(lead.d2d_stage_code, "coordination")

    def test_a_lead_cannot_be_created_past_new_except_by_a_manager(self):
        review = self.env["crm.lead"]._d2d_stage("review")
        with self.assertRefused(UserError, "starts at the step"):
            self.env["crm.lead"].with_user(self.supervisor).create({"name": "Shortcut", "stage_id": review.id})

    def test_lost_is_refused_when_closed_or_for_an_agent_past_new(self):
        lead = self.walk(self.knock_lead(), "review")
        self.assertNothingWritten(lead, lead.with_user(self.agent).action_set_lost, UserError, "agent only")
        done = self.walk(self.knock_lead(), "done")
        self.assertNothingWritten(done, done.with_user(self.manager).action_set_lost, UserError, "already closed")
        new = self.knock_lead()
        new.with_user(self.agent).action_set_lost(lost_reason_id=self.lost_reason.id)
        self.assertFalse(new.active)

    def test_reason_wizard_runs_the_move(self):
        lead = self.walk(self.knock_lead(), "review")
        wizard = (
            self.env["d2d.lead.reason.wizard"]
            .with_user(self.supervisor)
            .create({"lead_ids": [(6, 0, lead.ids)], "move": "return_to_agent", "reason": "Call the client back"})
        )
        wizard.action_confirm()
        self.assertEqual(lead.d2d_stage_code, "new")
