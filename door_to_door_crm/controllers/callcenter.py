import json
import logging
from datetime import UTC, datetime

from werkzeug.exceptions import UnsupportedMediaType

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

_logger = logging.getLogger(__name__)

# Largest journal body accepted, in bytes (one call record is a few hundred).
MAX_JOURNAL_BYTES = 64_000
# PBX dispositions (Asterisk's CDR, and the words other PBXs use) -> d2d.call result.
DISPOSITIONS = {
    "answered": "answered",
    "answer": "answered",
    "no answer": "no_answer",
    "noanswer": "no_answer",
    "no_answer": "no_answer",
    "cancel": "no_answer",
    "missed": "no_answer",
    "busy": "busy",
    "failed": "failed",
    "congestion": "failed",
    "chanunavail": "failed",
}
DIRECTIONS = {"in": "in", "inbound": "in", "incoming": "in", "out": "out", "outbound": "out", "outgoing": "out"}


class CallcenterController(http.Controller):
    """The routes a PBX calls, with a call-centre user's API key as a bearer
    token (Authorization: Bearer <key>). The look-ups only read (a replica can
    serve them); the journal logs a call once per PBX call id. A refused
    request gets a 4xx with its reason as JSON ({"error": ...}) and writes
    nothing. The work is done by the model d2d.callcenter."""

    @http.route("/d2d/callcenter/lookup", type="http", auth="bearer", methods=["GET"], readonly=True)
    def lookup(self, number=None, **kwargs):
        """The caller's cards in the shape the CRM templates of PBXs read:
        {"number": E.164, "contacts": [{id, entity_type, first_name, last_name, name, phone, url, ...}]}."""
        try:
            callcenter = request.env["d2d.callcenter"]
            cards = callcenter.lookup(number)
            e164 = callcenter._d2d_e164(number)
        except (UserError, AccessError) as error:
            return self._error(error)
        contacts = [
            {
                "id": card["lead_id"],
                "entity_type": "lead",
                "first_name": card["first_name"],
                "last_name": card["last_name"],
                "name": card["name"],
                "phone": card["phone"],
                "url": card["url"] or "",
                "address": card["address"],
                "step": card["step_name"],
                "responsible": card["responsible"],
            }
            for card in cards
        ]
        return self._json({"number": e164, "contacts": contacts})

    @http.route("/d2d/callcenter/cid", type="http", auth="bearer", methods=["GET"], readonly=True)
    def caller_id(self, number=None, **kwargs):
        """The caller's name as plain text (empty when the number is unknown),
        for the caller-ID look-ups of Asterisk / FreePBX."""
        try:
            cards = request.env["d2d.callcenter"].lookup(number)
        except (UserError, AccessError) as error:
            return self._error(error)
        name = cards[0]["name"] if cards else ""
        return request.make_response(name, headers=[("Content-Type", "text/plain; charset=utf-8")])

    @http.route("/d2d/callcenter/journal", type="http", auth="bearer", methods=["POST"], csrf=False)
    def journal(self):
        """A call record from the PBX, as JSON: {"call_id", "event" ("ringing"
        pops the card in the operator's web client; "hangup", the default,
        logs the call), "direction", "from", "to", "operator" (login),
        "start", "answer", "end" (ISO 8601 or Unix seconds), "talk_seconds",
        "disposition", "recording_url"}. 201 with the call's id when logged,
        200 when the call id was logged before (a replay writes nothing).

        Only application/json is read: a browser cannot send it from another
        site without asking first (CORS), so a signed-in user's session
        cannot be used to post calls from elsewhere."""
        try:
            record = self._journal_record()
            callcenter = request.env["d2d.callcenter"]
            if record["event"] == "ringing":
                cards = callcenter.incoming_call(record["phone"], record["operator"], call_id=record["call_id"])
                return self._json({"call_id": record["call_id"], "popped": True, "cards": len(cards)})
            callcenter._d2d_check_operator()
            operator = callcenter._d2d_operator(record["operator"]) if record["operator"] else None
            call, created = callcenter._d2d_log_call(
                record["phone"],
                record["direction"],
                record["talk_seconds"],
                record["result"],
                None,
                call_id=record["call_id"],
                operator=operator,
                start=record["start"],
                recording_url=record["recording_url"],
            )
        except UnsupportedMediaType as error:
            return self._json({"error": error.description}, status=415)
        except (UserError, AccessError) as error:
            return self._error(error)
        answer = {"call_id": record["call_id"], "id": call.id, "replayed": not created}
        return self._json(answer, status=201 if created else 200)

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _journal_record(self):
        """The journal's body, checked and mapped to the call log's words."""
        env = request.env
        if request.httprequest.mimetype != "application/json":
            raise UnsupportedMediaType(env._("Send the call record as application/json."))
        data = request.httprequest.get_data(cache=False)
        if len(data) > MAX_JOURNAL_BYTES:
            raise UserError(env._("The call record is too large."))
        try:
            body = json.loads(data)
        except ValueError:
            raise UserError(env._("The call record is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise UserError(env._("The call record must be a JSON object."))
        call_id = body.get("call_id")
        if not isinstance(call_id, str | int) or isinstance(call_id, bool) or not str(call_id).strip():
            raise UserError(env._("The call record needs the PBX's call id (call_id)."))
        direction = DIRECTIONS.get(str(body.get("direction", "in")).strip().lower())
        if not direction:
            raise UserError(env._("“direction” must be “in” or “out”."))
        phone = body.get("from") if direction == "in" else body.get("to")
        event = str(body.get("event") or "hangup").strip().lower()
        if event not in ("ringing", "hangup"):
            raise UserError(env._("“event” must be “ringing” or “hangup”."))
        start = self._journal_time(body.get("start"), "start")
        answer = self._journal_time(body.get("answer"), "answer")
        end = self._journal_time(body.get("end"), "end")
        talk_seconds = body.get("talk_seconds")
        if talk_seconds is None and answer and end:
            talk_seconds = max(0, int((end - answer).total_seconds()))
        disposition = str(body.get("disposition") or ("answered" if answer else "no answer")).strip().lower()
        if event == "hangup" and disposition not in DISPOSITIONS:
            raise UserError(
                env._("“%(value)s” is not a disposition this journal knows.", value=body.get("disposition"))
            )
        return {
            "event": event,
            "call_id": str(call_id).strip(),
            "direction": direction,
            "phone": phone,
            "operator": body.get("operator") or None,
            "start": start,
            "talk_seconds": talk_seconds or 0,
            "result": DISPOSITIONS.get(disposition),
            "recording_url": body.get("recording_url") or None,
        }

    def _journal_time(self, value, name):
        """A time of the journal (ISO 8601, or Unix seconds) as a naive UTC datetime."""
        if value in (None, ""):
            return None
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except (ValueError, OverflowError, OSError):
            raise UserError(
                request.env._("“%(name)s” is not a time: use ISO 8601 or Unix seconds.", name=name)
            ) from None
        return fields.Datetime.to_datetime(moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment)

    def _json(self, payload, status=200):
        return request.make_json_response(payload, status=status)

    def _error(self, error):
        """A refusal: 403 for a user without the call-centre role, 400 for a
        bad number or body; nothing of the request is kept."""
        request.env.cr.rollback()
        status = 403 if isinstance(error, AccessError) else 400
        _logger.info("call-centre route refused (%s): %s", status, error.args[0])
        return self._json({"error": str(error.args[0])}, status=status)
