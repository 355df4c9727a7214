from odoo import models
from odoo.tools import SQL


class D2dHouse(models.Model):
    """A house moved to another territory takes its visits' figures along in
    the agents' statistics (d2d.agent.stats): the days they counted in, in
    the old territory and the new one, are recomputed from the log."""

    _inherit = "d2d.house"

    def write(self, vals):
        if "territory_id" not in vals:
            return super().write(vals)
        stats = self.env["d2d.agent.stats"]
        of_houses = SQL("house_id = ANY(%s)", self.ids)
        before = stats._d2d_keys_of_visits(of_houses)
        result = super().write(vals)
        stats._d2d_recompute(before + stats._d2d_keys_of_visits(of_houses))
        return result
