import json

from markupsafe import Markup

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools.misc import file_open

# Largest sync request accepted, in bytes.
MAX_SYNC_BYTES = 2_000_000


class AgentApp(http.Controller):
    """The offline agent app (as the Point of Sale has /pos/ui): its page,
    its service worker and its two JSON-RPC routes. The work is done by the
    model d2d.agent.sync."""

    @http.route("/d2d/agent", type="http", auth="user", methods=["GET"])
    def agent_app(self, **kwargs):
        session = {
            "uid": request.env.uid,
            "name": request.env.user.name,
            "db": request.env.cr.dbname,
            "strings": request.env["d2d.agent.sync"]._app_strings(),
            "results": request.env["d2d.agent.sync"]._app_results(),
        }
        return request.render(
            "door_to_door_crm.agent_app_page",
            # JSON inside <script>: "<" escaped so that no text can close the tag
            {"session_json": Markup(json.dumps(session).replace("<", "\\u003c"))},
            headers={"Cache-Control": "no-store"},
        )

    @http.route("/d2d/sw.js", type="http", auth="none", methods=["GET"])
    def service_worker(self):
        with file_open("door_to_door_crm/static/src/agent_sw/sw.js") as file:
            body = file.read()
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "text/javascript; charset=utf-8"),
                ("Service-Worker-Allowed", "/d2d/"),
                ("Cache-Control", "no-cache"),
            ],
        )

    @http.route("/d2d/agent/snapshot", type="json", auth="user", methods=["POST"])
    def snapshot(self):
        return request.env["d2d.agent.sync"]._snapshot()

    @http.route("/d2d/agent/sync", type="json", auth="user", methods=["POST"])
    def sync(self, **payload):
        if len(request.httprequest.get_data(cache=True)) > MAX_SYNC_BYTES:
            raise UserError(request.env._("The sync request is too large: send fewer events at a time."))
        return request.env["d2d.agent.sync"]._sync(payload)
