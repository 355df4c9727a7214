from odoo import api, models


class D2dAgentSync(models.AbstractModel):
    """The agents' statistics (d2d.agent.stats) on the tablet's side: the
    visits a sync inserts by SQL add to them in the same transaction
    (replays are not among them), and the words of the app's "My rank" tab
    (static/src/agent_app/my_rank.js)."""

    _inherit = "d2d.agent.sync"

    def _d2d_after_sync_visits(self, visits):
        self.env["d2d.agent.stats"]._d2d_add_visits(visits.ids)
        return super()._d2d_after_sync_visits(visits)

    @api.model
    def _app_strings(self):
        _ = self.env._
        return {
            **super()._app_strings(),
            "my_rank": _("My rank"),
            "rank": _("Rank"),
            "rank_connections": _("Connections"),
            "rank_leads": _("Leads"),
            "rank_doors": _("Doors"),
            "rank_today": _("Today"),
            "rank_week": _("This week"),
            "rank_month": _("This month"),
            "rank_previous_today": _("Yesterday"),
            "rank_previous_week": _("Last week"),
            "rank_previous_month": _("Last month"),
            "rank_offline": _("Connect to the network to see your rank."),
        }
