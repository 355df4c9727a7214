import gzip
import json

from markupsafe import Markup

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools.misc import file_open

# Largest sync request accepted, in bytes.
MAX_SYNC_BYTES = 2_000_000
# The snapshot is compressed for a tablet on a mobile network (about 240 KB of
# JSON become 40 KB in a millisecond at level 1); a proxy may do better.
SNAPSHOT_GZIP_LEVEL = 1


def rpc_error(error):
    """A JSON-RPC error as Odoo's type="json" routes answer it (without the
    server's traceback)."""
    name = f"{type(error).__module__}.{type(error).__name__}"
    return {"code": 200, "message": "Odoo Server Error", "data": {"name": name, "message": str(error.args[0])}}


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

    @http.route("/d2d/agent/snapshot", type="http", auth="user", methods=["POST"], csrf=False)
    def snapshot(self):
        """JSON-RPC, as the app calls it; but the result is the JSON text
        PostgreSQL made, sent as it is: a type="json" route would decode it and
        encode it again, which takes longer than the query itself for 5,000
        apartments. (Read-only, so no CSRF token: another site's form cannot
        read the answer. Signed out: redirected to the login page.)"""
        request_id = self._rpc_request_id()
        try:
            snapshot = request.env["d2d.agent.sync"]._snapshot_json()
        except (UserError, AccessError) as error:
            body = {"jsonrpc": "2.0", "id": request_id, "error": rpc_error(error)}
            return request.make_json_response(body)
        body = f'{{"jsonrpc": "2.0", "id": {json.dumps(request_id)}, "result": {snapshot}}}'.encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Vary", "Accept-Encoding"),
        ]
        if "gzip" in request.httprequest.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, SNAPSHOT_GZIP_LEVEL)
            headers.append(("Content-Encoding", "gzip"))
        return request.make_response(body, headers=headers)

    def _rpc_request_id(self):
        try:
            return json.loads(request.httprequest.get_data() or b"{}").get("id")
        except (ValueError, AttributeError):
            return None

    @http.route("/d2d/agent/sync", type="json", auth="user", methods=["POST"])
    def sync(self, **payload):
        if len(request.httprequest.get_data(cache=True)) > MAX_SYNC_BYTES:
            raise UserError(request.env._("The sync request is too large: send fewer events at a time."))
        return request.env["d2d.agent.sync"]._sync(payload)
