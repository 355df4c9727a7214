import re
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .d2d_call import CALL_DIRECTIONS, CALL_RESULTS

CALLCENTER_GROUP = "door_to_door_crm.group_d2d_callcenter"
# The bus notification that pops the caller's card in the operator's web client
# (static/src/callcenter/callcenter_service.js).
POP_NOTIFICATION = "door_to_door_crm.callcenter_pop"
# Cards returned for one number, visits and calls shown on each card.
MAX_CARDS = 10
CARD_VISITS = 5
CARD_CALLS = 5
# Shorter than this, a number cannot be a subscriber's phone (an extension, a typo).
MIN_PHONE_DIGITS = 7


class D2dCallcenter(models.AbstractModel):
    """The call-centre's API, for the telephony (XML-RPC / JSON-RPC with an
    API key of a call-centre user) and the PBX routes (controllers/callcenter.py).

    Every public method checks that the user holds the call-centre role, then
    builds the cards as superuser, from the card's fields only: a phone
    look-up shows who calls whatever the step of their lead, but the parts the
    call-centre's rules do not show (visits, installation) only for the leads
    it may read (those in quality call)."""

    _name = "d2d.callcenter"
    _description = "Call-centre API"

    # ------------------------------------------------------------------
    # PUBLIC API
    # ------------------------------------------------------------------

    @api.model
    @api.readonly
    def lookup(self, phone):
        """Cards of the door-to-door leads whose phone is `phone`, best first
        (open leads before closed ones, latest first)."""
        self._d2d_check_operator()
        return self._d2d_cards(self._d2d_e164(phone))

    @api.model
    def incoming_call(self, phone, operator_login, call_id=None):
        """The cards of `lookup`, and the card pops in the web client of the
        operator who takes the call (or a "number not found" notice)."""
        self._d2d_check_operator()
        operator = self._d2d_operator(operator_login)
        e164 = self._d2d_e164(phone)
        cards = self._d2d_cards(e164)
        # the operator's web client gets the cards as the operator may see them
        popped = cards if operator == self.env.user else self.with_user(operator)._d2d_cards(e164)
        operator._bus_send(POP_NOTIFICATION, {"phone": e164, "call_id": call_id or False, "cards": popped})
        return cards

    @api.model
    def log_call(self, phone, direction, duration, result, note, call_id=None, operator_login=None):
        """Log a call in d2d.call, linked to the caller's best lead; the id of
        the call. A call id already logged returns the call logged then and
        writes nothing."""
        self._d2d_check_operator()
        call, _created = self._d2d_log_call(
            phone,
            direction,
            duration,
            result,
            note,
            call_id=call_id,
            operator=self._d2d_operator(operator_login) if operator_login else self.env.user,
        )
        return call.id

    @api.model
    def quality_call(self, lead_id, ok, note):
        """The quality call of a lead: connected (`ok`, `note` optional) or not
        (`note` says why). The lead's new step code."""
        self._d2d_check_operator()
        lead_id = self._d2d_int(lead_id)
        lead = self.env["crm.lead"].browse(lead_id or [])
        if not lead_id or not lead.exists() or not lead.has_access("write"):
            raise UserError(self.env._("No lead with this id waits for your quality call."))
        lead.action_d2d_quality_call(ok=bool(ok), note=note or None)
        # the lead has left the call-centre's sight with its new step
        return lead.sudo().d2d_stage_code

    # ------------------------------------------------------------------
    # CHECKS AND NORMALIZATION
    # ------------------------------------------------------------------

    @api.model
    def _d2d_check_operator(self):
        if not (self.env.su or self.env.user.has_group(CALLCENTER_GROUP)):
            raise AccessError(self.env._("Only a user with the role “Call-centre” can use the call-centre API."))

    @api.model
    def _d2d_operator(self, login):
        """The active call-centre user whose login is `login`, among those
        who work in the caller's companies: a PBX of one company neither
        pops a card to another company's operator nor logs a call in their
        name."""
        login = (login or "").strip() if isinstance(login, str) else ""
        domain = [("login", "=", login), ("company_ids", "in", self.env.companies.ids)]
        users = self.env["res.users"].sudo().search(domain, limit=1) if login else None
        if not users or not users.has_group(CALLCENTER_GROUP):
            raise UserError(self.env._("No call-centre operator has the login “%(login)s”.", login=login))
        return users

    @api.model
    def _d2d_phone_domain(self, operator, value, partial_field):
        """The domain of a search on a phone "in any format": a whole number,
        however typed, by its E.164 form on the stored and indexed
        `phone_sanitized`; a part of a number ("contains") on `partial_field`."""
        if operator not in ("=", "ilike") or not isinstance(value, str):
            raise UserError(self.env._("Search a phone with “contains” or “is equal to” a number."))
        try:
            return [("phone_sanitized", "=", self._d2d_e164(value))]
        except UserError:
            if operator == "=":
                raise
            return [(partial_field, "ilike", value)]

    @api.model
    def _d2d_e164(self, phone):
        """`phone` in E.164 form, as typed by a person or sent by a PBX: with
        +7 or 8, a Russian mobile's ten digits, spaces, brackets, dashes; the
        country is the company's. A clear UserError when it is no phone."""
        typed = str(phone).strip() if isinstance(phone, str | int) and not isinstance(phone, bool) else ""
        digits = re.sub(r"\D", "", typed)
        if len(digits) < MIN_PHONE_DIGITS or re.search(r"[^\d\s+().\-]", typed):
            raise UserError(self.env._("“%(phone)s” is not a phone number.", phone=typed))
        Lead = self.env["crm.lead"]
        country = Lead._d2d_phone_country()
        e164 = Lead._phone_format(number=typed, country=country, force_format="E164")
        if not e164 and not typed.startswith("+"):
            # a PBX that sends the international digits without the "+"
            e164 = Lead._phone_format(number=f"+{digits}", country=country, force_format="E164")
        if not e164:
            raise UserError(self.env._("“%(phone)s” is not a phone number.", phone=typed))
        return e164

    @api.model
    def _d2d_int(self, value):
        """`value` (a number or its digits) as a positive int, else None."""
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            return None
        return int(value)

    # ------------------------------------------------------------------
    # CARDS
    # ------------------------------------------------------------------

    @api.model
    def _d2d_matching_leads(self, e164):
        """The door-to-door leads of this phone, on the lead or on its client
        (archived ones included), best first. Read as superuser: called after
        the role's check. The stored, indexed phone_sanitized of
        mail.thread.phone (leads and partners) finds them."""
        of_phone = self._d2d_lead_phone_domain(e164)
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("d2d_stage_code", "!=", False),
                    # the caller's companies, as the company rules would (read as superuser)
                    ("company_id", "in", [False, *self.env.companies.ids]),
                    *of_phone,
                ],
                order="id desc",
                limit=MAX_CARDS * 3,
            )
        )
        return leads.sorted(lambda lead: (not lead._d2d_callcenter_is_open(), -lead.id))[:MAX_CARDS]

    @api.model
    def _d2d_lead_phone_domain(self, e164):
        """The domain of the leads of this E.164 phone, on the lead or on its
        client. The clients first (a few rows by their index), then their
        leads by ids: an OR with a sub-query would make PostgreSQL scan the
        leads. Only ids leave this method: the caller's rules still apply."""
        clients = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("phone_sanitized", "=", e164)], limit=MAX_CARDS * 3)
            .ids
        )
        of_phone = [("phone_sanitized", "=", e164)]
        return ["|", *of_phone, ("partner_id", "in", clients)] if clients else of_phone

    @api.model
    def _d2d_cards(self, e164):
        leads = self._d2d_matching_leads(e164)
        if not leads:
            return []
        readable = set(self.env["crm.lead"].with_context(active_test=False).search([("id", "in", leads.ids)]).ids)
        visits = self._d2d_last_visits(leads.filtered(lambda lead: lead.id in readable).d2d_apartment_id)
        calls = self._d2d_last_calls(leads)
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return [
            lead._d2d_callcenter_card(
                e164,
                readable=lead.id in readable,
                visits=visits.get(lead.d2d_apartment_id.id, []),
                calls=calls.get(lead.id, []),
                base_url=base_url,
            )
            for lead in leads
        ]

    @api.model
    def _d2d_last_visits(self, apartments):
        """{apartment id: its last visits [{result, agent, date}]}, in one query."""
        if not apartments:
            return {}
        Visit = self.env["d2d.visit"].sudo()
        labels = dict(Visit._fields["result"]._description_selection(self.env))
        by_apartment = defaultdict(list)
        rows = Visit.search_read(
            [("apartment_id", "in", apartments.ids)],
            ["apartment_id", "result", "agent_id", "visit_date"],
            order="visit_date desc, id desc",
            load=None,
        )
        agents = self.env["res.users"].sudo().browse({row["agent_id"] for row in rows} - {False})
        names = {agent.id: agent.name for agent in agents}
        for row in rows:
            visits = by_apartment[row["apartment_id"]]
            if len(visits) < CARD_VISITS:
                visits.append(
                    {
                        "result": row["result"],
                        "result_label": labels.get(row["result"], row["result"]),
                        "agent": names.get(row["agent_id"], ""),
                        "date": fields.Datetime.to_string(row["visit_date"]),
                    }
                )
        return by_apartment

    @api.model
    def _d2d_last_calls(self, leads):
        """{lead id: its last calls [{date, direction, result, duration, operator}]}, in one query."""
        Call = self.env["d2d.call"].sudo()
        rows = Call.search_read(
            [("lead_id", "in", leads.ids)],
            ["lead_id", "start", "direction", "result", "duration", "operator_id", "note"],
            order="start desc, id desc",
        )
        by_lead = defaultdict(list)
        for row in rows:
            calls = by_lead[row["lead_id"][0]]
            if len(calls) < CARD_CALLS:
                calls.append(
                    {
                        "date": fields.Datetime.to_string(row["start"]),
                        "direction": row["direction"],
                        "result": row["result"],
                        "duration": row["duration"],
                        "operator": row["operator_id"][1] if row["operator_id"] else "",
                        "note": row["note"] or "",
                    }
                )
        return by_lead

    # ------------------------------------------------------------------
    # CALL LOG
    # ------------------------------------------------------------------

    @api.model
    def _d2d_log_call(self, phone, direction, duration, result, note, call_id=None, operator=None, **extra):
        """Log a call once (see d2d.call._d2d_record): (call, created). The
        lead's chatter gets a line for each new call."""
        vals = self._d2d_call_values(phone, direction, duration, result, note, call_id, operator, **extra)
        call, created = self.env["d2d.call"].sudo()._d2d_record(vals)
        if created and call.lead_id:
            call.lead_id._message_log(body=self._d2d_call_message(call))
        return call, created

    @api.model
    def _d2d_call_values(self, phone, direction, duration, result, note, call_id, operator, **extra):
        """The checked values of a call to log: a UserError, before anything
        is written, for a value the log cannot take."""
        if direction not in dict(CALL_DIRECTIONS):
            raise UserError(self.env._("“%(value)s” is not a call direction: use “in” or “out”.", value=direction))
        if result not in dict(CALL_RESULTS):
            raise UserError(
                self.env._(
                    "“%(value)s” is not a call result. Use one of: %(results)s.",
                    value=result,
                    results=", ".join(dict(CALL_RESULTS)),
                )
            )
        duration = self._d2d_int(duration or 0)
        if duration is None:
            raise UserError(self.env._("A call's duration is a whole number of seconds."))
        if call_id is not None and not (isinstance(call_id, str | int) and 0 < len(str(call_id)) <= 128):
            raise UserError(self.env._("A PBX call id is a text of 1 to 128 characters."))
        e164 = self._d2d_e164(phone)
        lead = self._d2d_matching_leads(e164)[:1]
        return {
            "pbx_call_id": str(call_id) if call_id else None,
            "direction": direction,
            "phone": str(phone).strip(),
            "phone_sanitized": e164,
            "lead_id": lead.id or None,
            "partner_id": lead.partner_id.id or None,
            "operator_id": operator.id if operator else None,
            "start": extra.get("start") or fields.Datetime.now(),
            "duration": duration,
            "result": result,
            "note": str(note).strip() or None if note else None,
            "recording_url": self._d2d_recording_url(extra.get("recording_url")),
            "company_id": self.env.company.id,
        }

    @api.model
    def _d2d_recording_url(self, url):
        """A web address of the recording (shown as a link: no other scheme)."""
        if not url:
            return None
        if not isinstance(url, str) or not re.match(r"https?://\S+$", url.strip()):
            raise UserError(self.env._("The recording's address must be an http(s) URL."))
        return url.strip()

    @api.model
    def _d2d_call_message(self, call):
        body = Markup("%s") % call._d2d_summary()
        if call.note:
            body += Markup("<br/>%s") % call.note
        if call.recording_url:
            body += Markup('<br/><a href="%s" target="_blank" rel="noopener">%s</a>') % (
                call.recording_url,
                self.env._("Recording"),
            )
        return body
