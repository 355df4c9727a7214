from odoo import models


class CrmLead(models.Model):
    """Lead moves counted in the agents' statistics (d2d.agent.stats), on the
    day of the move, for the lead's agent and territory at that moment:
    submitted (new -> review), returned (review -> new), connections (->
    done) and lost."""

    _inherit = "crm.lead"

    def _d2d_move(self, target_code, allowed_from, reason=None):
        origins = {lead.id: lead.d2d_stage_code for lead in self}
        result = super()._d2d_move(target_code, allowed_from, reason=reason)
        self.env["d2d.agent.stats"]._d2d_add_lead_moves(
            [(lead_id, self._d2d_stats_move(origin, target_code)) for lead_id, origin in origins.items()]
        )
        return result

    def action_set_lost(self, **additional_values):
        open_leads = self.filtered(lambda lead: lead.active and lead.d2d_stage_code)
        result = super().action_set_lost(**additional_values)
        lost = open_leads.filtered(lambda lead: not lead.active)
        self.env["d2d.agent.stats"]._d2d_add_lead_moves([(lead.id, "lost") for lead in lost])
        return result

    @staticmethod
    def _d2d_stats_move(origin, target):
        """The statistics' name of a move from the step `origin` to `target`, or None."""
        if target == "done":
            return "connections"
        if (origin, target) == ("new", "review"):
            return "submitted"
        if (origin, target) == ("review", "new"):
            return "returned"
        return None
