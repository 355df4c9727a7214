from odoo import fields, models


class D2dPostponeWizard(models.TransientModel):
    _name = "d2d.postpone.wizard"
    _description = "Postpone a lead in coordination"

    lead_ids = fields.Many2many("crm.lead", required=True)
    until = fields.Datetime(required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.lead_ids.action_d2d_postpone(self.until, self.reason)
        return {"type": "ir.actions.act_window_close"}
