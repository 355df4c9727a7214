import gzip
import json

from markupsafe import Markup
from werkzeug.exceptions import UnsupportedMediaType

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools.misc import file_open

# Largest sync request accepted, in bytes.
MAX_SYNC_BYTES = 2_000_000
# The answers are compressed for a tablet on a mobile network (the 240 KB of
# JSON of a snapshot become 40 KB in a millisecond at level 1); a proxy may do
# better.
GZIP_LEVEL = 1
JSON_MIMETYPES = ("application/json", "application/json-rpc")
# The framing protection of Odoo's own web client (web/controllers/home.py):
# no other site may show the app in a frame (clickjacking).
FRAME_HEADERS = [("X-Frame-Options", "DENY"), ("Content-Security-Policy", "frame-ancestors 'none'")]
# The app's icons (static/description/icon_<size>.png), as Android asks for them.
MANIFEST_ICON_SIZES = (192, 512)


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
        tiles = request.env["d2d.house"].d2d_map_tiles()
        session.update(map_tile_url=tiles["url"], map_attribution=tiles["attribution"])
        return request.render(
            "door_to_door_crm.agent_app_page",
            {
                # JSON inside <script>: "<" escaped so that no text can close the tag
                "session_json": Markup(json.dumps(session).replace("<", "\\u003c")),
                # the language of the words of the page, as HTML names it
                "html_lang": self._html_lang(),
                "title": request.env._("Door-to-door"),
            },
            headers=[("Cache-Control", "no-store"), *FRAME_HEADERS],
        )

    @http.route("/d2d/manifest.webmanifest", type="http", auth="user", methods=["GET"], readonly=True)
    def web_app_manifest(self):
        """The web app manifest: "add to home screen" makes the tablet page an
        app with its icon, opening full screen, in the user's language."""
        manifest = {
            "name": request.env._("Door-to-door"),
            "short_name": request.env._("Door-to-door"),
            "lang": self._html_lang(),
            "start_url": "/d2d/agent",
            "scope": "/d2d/",
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#f1f3f5",
            "theme_color": "#146c43",
            "icons": [
                {
                    "src": f"/door_to_door_crm/static/description/icon_{size}.png",
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in MANIFEST_ICON_SIZES
            ],
        }
        return request.make_response(
            json.dumps(manifest),
            headers=[("Content-Type", "application/manifest+json"), ("Cache-Control", "no-cache"), *FRAME_HEADERS],
        )

    def _html_lang(self):
        return (request.env.lang or "en_US").replace("_", "-")

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
                *FRAME_HEADERS,
            ],
        )

    @http.route("/d2d/agent/snapshot", type="http", auth="user", methods=["POST"], csrf=False, readonly=True)
    def snapshot(self):
        """JSON-RPC, as the app calls it; but the result is the JSON text
        PostgreSQL made, sent as it is: a type="json" route would decode it and
        encode it again, which takes longer than the query itself for 5,000
        apartments. (Read-only, so no CSRF token: another site's form cannot
        read the answer. Signed out: redirected to the login page.)

        It only reads: on a read-only replica when Odoo has one (db_replica_host),
        as the mornings' snapshots of every agent are the heaviest reads. A
        replica a little behind loses nothing: the token's visit id and time
        are the replica's, and the next sync sends what came after them."""
        request_id = self._rpc_id(self._json_call(request.httprequest.get_data()))
        try:
            snapshot = request.env["d2d.agent.sync"]._snapshot_json()
        except (UserError, AccessError) as error:
            return self._rpc_error(request_id, error)
        return self._rpc_result(request_id, snapshot)

    @http.route("/d2d/agent/sync", type="http", auth="user", methods=["POST"], csrf=False)
    def sync(self):
        """JSON-RPC, as the app calls it, answered as /d2d/agent/snapshot is:
        with the changes as the JSON text PostgreSQL made.

        It writes, without a CSRF token, as Odoo's type="json" routes do: it
        takes nothing but a JSON body, which another site's page cannot send
        here without the browser asking this server first (CORS), which it
        never allows. A refused request writes nothing."""
        httprequest = request.httprequest
        if httprequest.mimetype not in JSON_MIMETYPES:
            raise UnsupportedMediaType(request.env._("The sync request must be JSON."))
        if (httprequest.content_length or 0) > MAX_SYNC_BYTES:
            return self._rpc_error(None, self._too_large())
        body = httprequest.get_data()
        call = self._json_call(body)
        request_id = self._rpc_id(call)
        try:
            if len(body) > MAX_SYNC_BYTES:
                raise self._too_large()
            if call is None:
                raise UserError(request.env._("The sync request is not valid JSON-RPC."))
            answer = request.env["d2d.agent.sync"]._sync_json(call.get("params"))
        except (UserError, AccessError) as error:
            request.env.cr.rollback()
            return self._rpc_error(request_id, error)
        return self._rpc_result(request_id, answer)

    def _too_large(self):
        return UserError(request.env._("The sync request is too large: send fewer events at a time."))

    def _json_call(self, body):
        """The JSON-RPC call in `body` (a dict), or None: also for JSON nested
        deeper than Python can parse (RecursionError), which no tablet sends."""
        try:
            call = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            return None
        return call if isinstance(call, dict) else None

    def _rpc_id(self, call):
        """The call's id, when it is one JSON-RPC allows (a text or a whole number)."""
        request_id = call.get("id") if call else None
        return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None

    def _rpc_error(self, request_id, error):
        return request.make_json_response(
            {"jsonrpc": "2.0", "id": request_id, "error": rpc_error(error)}, headers=FRAME_HEADERS
        )

    def _rpc_result(self, request_id, result_json):
        """A JSON-RPC answer around `result_json` (JSON text), compressed for
        a tablet that accepts it."""
        body = f'{{"jsonrpc": "2.0", "id": {json.dumps(request_id)}, "result": {result_json}}}'.encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Vary", "Accept-Encoding"),
            *FRAME_HEADERS,
        ]
        if "gzip" in request.httprequest.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, GZIP_LEVEL)
            headers.append(("Content-Encoding", "gzip"))
        return request.make_response(body, headers=headers)
