from odoo import fields, models
from odoo.exceptions import UserError


class D2dQualityCallWizard(models.TransientModel):
    """The quality call made from the call-centre's card: the client is
    connected (a note if the operator wants one) or not (the operator says
    why); then the next lead of the queue opens."""

    _name = "d2d.quality.call.wizard"
    _description = "Quality call of a door-to-door lead"

    lead_id = fields.Many2one("crm.lead", string="Lead", required=True, ondelete="cascade")
    connected = fields.Boolean(string="Client connected")
    note = fields.Text()

    def action_confirm(self):
        self.ensure_one()
        note = (self.note or "").strip()
        if not self.connected and not note:
            raise UserError(self.env._("Say why the client is not connected: the coordinator will read it."))
        lead = self.lead_id
        result = lead.action_d2d_quality_call(ok=self.connected, note=note or None)
        return lead._d2d_callcenter_then_next(result)
