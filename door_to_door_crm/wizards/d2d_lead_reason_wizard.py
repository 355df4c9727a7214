from odoo import fields, models

# The moves that need a reason, and the lead method each one calls.
REASON_MOVES = {
    "return_to_agent": "action_d2d_return_to_agent",
    "return_to_supervisor": "action_d2d_return_to_supervisor",
    "quality_failed": "action_d2d_quality_call",
    "cancel_installation": "action_d2d_cancel_installation",
}


class D2dLeadReasonWizard(models.TransientModel):
    _name = "d2d.lead.reason.wizard"
    _description = "Reason of a door-to-door return"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    move = fields.Selection(
        [
            ("return_to_agent", "Return to the agent"),
            ("return_to_supervisor", "Return to the supervisor"),
            ("quality_failed", "Client not connected"),
            ("cancel_installation", "Cancel the installation"),
        ],
        required=True,
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        method = getattr(self.lead_ids, REASON_MOVES[self.move])
        if self.move == "quality_failed":
            result = method(ok=False, note=self.reason)
        else:
            result = method(reason=self.reason)
        # the move's own action when the lead left the user's sight
        return result if isinstance(result, dict) else {"type": "ir.actions.act_window_close"}
