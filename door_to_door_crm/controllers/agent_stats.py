from odoo import http
from odoo.http import request


class D2dAgentStatsController(http.Controller):
    """The agent's own rank and figures, for the tablet (d2d.agent.stats.get_leaderboard)."""

    @http.route("/d2d/agent/leaderboard", type="json", auth="user", methods=["POST"], readonly=True)
    def leaderboard(self):
        return request.env["d2d.agent.stats"].get_leaderboard()
