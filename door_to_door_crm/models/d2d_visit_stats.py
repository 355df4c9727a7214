from odoo import api, models
from odoo.tools import SQL


class D2dVisit(models.Model):
    """The agents' statistics (d2d.agent.stats) follow the log: each new
    visit adds to its agent's day as it is inserted; a visit a manager
    changes or deletes recomputes the days it counted in."""

    _inherit = "d2d.visit"

    @api.model
    def _create(self, data_list):
        # _create inserts the new rows only (create() returns replays too)
        visits = super()._create(data_list)
        self.env["d2d.agent.stats"]._d2d_add_visits(visits.ids)
        return visits

    def write(self, vals):
        if not {"apartment_id", "agent_id", "visit_date", "result", "presence_flag"} & set(vals):
            return super().write(vals)
        stats = self.env["d2d.agent.stats"]
        before = stats._d2d_keys_of_visits(self._d2d_ids_sql())
        result = super().write(vals)
        stats._d2d_recompute(before + stats._d2d_keys_of_visits(self._d2d_ids_sql()))
        return result

    def unlink(self):
        stats = self.env["d2d.agent.stats"]
        before = stats._d2d_keys_of_visits(self._d2d_ids_sql())
        result = super().unlink()
        stats._d2d_recompute(before)
        return result

    def _d2d_ids_sql(self):
        return SQL("id = ANY(%s)", self.ids)
