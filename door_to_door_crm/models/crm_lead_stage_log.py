from odoo import api, fields, models


class CrmLead(models.Model):
    """Every stage a lead enters, and its leaving the pipeline, written to
    `d2d.lead.stage.log` (the source of `d2d.stage.time`)."""

    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.filtered("stage_id")._d2d_log_stages()
        return leads

    def write(self, vals):
        if "stage_id" not in vals and "active" not in vals:
            return super().write(vals)
        # read as superuser: a move may take the lead out of the mover's sight
        before = {lead.id: (lead.stage_id.id, lead.active) for lead in self.sudo()}
        result = super().write(vals)
        moved = self.sudo().filtered(lambda lead: (lead.stage_id.id, lead.active) != before[lead.id])
        moved._d2d_log_stages()
        return result

    def _d2d_log_stages(self):
        """One log row per lead: the stage it is at now, none if it left the pipeline."""
        if not self:
            return
        now = fields.Datetime.now()
        self.env["d2d.lead.stage.log"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "stage_id": lead.stage_id.id if lead.active else False,
                    "date": now,
                    "user_id": self.env.uid,
                    # given by _d2d_move (a return's reason)
                    "reason": self.env.context.get("d2d_move_reason") or False,
                }
                for lead in self
            ]
        )
