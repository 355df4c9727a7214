import contextlib
import logging
from datetime import datetime, timedelta, timezone

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .d2d_visit import FUTURE_TOLERANCE, SERVICES, UUID_MAX_LENGTH, VISIT_RESULTS

# A sync carries at most this many events; a larger batch is refused whole.
MAX_EVENTS = 500
MAX_TEXT = 2000
EVENT_TYPES = ("visit", "note")
LEAD_CHANGES_MARGIN = timedelta(minutes=10)
VISIT_UUID_CONSTRAINT = "d2d_visit_uuid_uniq"


def is_uuid_conflict(error):
    """The unique violation of a visit uuid recorded by a concurrent request."""
    return isinstance(error, psycopg2.errors.UniqueViolation) and error.diag.constraint_name == VISIT_UUID_CONSTRAINT


class _UuidConflictFilter(logging.Filter):
    """Drops the "bad query" error that odoo.sql_db logs for an expected uuid
    conflict, and only that one (unlike mute_logger, which would hide every
    SQL error of every thread meanwhile)."""

    def filter(self, record):
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(is_uuid_conflict(arg) for arg in args)


@contextlib.contextmanager
def quiet_uuid_conflicts():
    sql_logger = logging.getLogger("odoo.sql_db")
    log_filter = _UuidConflictFilter()
    sql_logger.addFilter(log_filter)
    try:
        yield
    finally:
        sql_logger.removeFilter(log_filter)


class D2dAgentSync(models.AbstractModel):
    """What the offline agent app exchanges with the server: the snapshot of
    the agent's territory and the sync of the events recorded on the tablet.
    The controllers of /d2d/agent are thin wrappers around these methods."""

    _name = "d2d.agent.sync"
    _description = "Offline agent app sync"

    # ------------------------------------------------------------------
    # SNAPSHOT
    # ------------------------------------------------------------------

    @api.model
    def _snapshot(self):
        """The signed-in agent's houses, entrances, apartments, leads and the
        competitors, as compact arrays built by one SQL query, with a sync
        token. Access follows the record rules of houses (own or territory's)."""
        self._check_agent()
        self.env.flush_all()
        self.env.cr.execute(self._snapshot_query(), {"uid": self.env.uid, **self._lead_params()})
        data = self.env.cr.fetchone()[0]
        data["token"] = self._token()
        data["user"] = {"id": self.env.uid, "name": self.env.user.name}
        return data

    def _visible_houses_sql(self):
        return """
            SELECT h.id FROM d2d_house h
             WHERE h.active
               AND (h.agent_id = %(uid)s
                    OR EXISTS (SELECT 1 FROM d2d_territory_agent_rel r
                                WHERE r.territory_id = h.territory_id AND r.user_id = %(uid)s))
            UNION
            SELECT a.house_id FROM d2d_apartment a WHERE a.rework_agent_id = %(uid)s
        """

    def _snapshot_query(self):
        houses = self._visible_houses_sql()
        return f"""
            WITH visible AS ({houses})
            SELECT json_build_object(
                'houses', COALESCE((
                    SELECT json_agg(json_build_array(h.id, h.name, h.territory_id, h.entrance_count, h.floor_count)
                                    ORDER BY h.street, h.house_number_sort, h.house_number)
                      FROM d2d_house h WHERE h.id IN (SELECT id FROM visible)), '[]'),
                'entrances', COALESCE((
                    SELECT json_agg(json_build_array(e.id, e.house_id, e.number, e.intercom_code) ORDER BY e.id)
                      FROM d2d_entrance e WHERE e.house_id IN (SELECT id FROM visible)), '[]'),
                'apartments', COALESCE((
                    SELECT json_agg(json_build_array(a.id, a.house_id, a.entrance_id, a.floor, a.number, a.status,
                                                     a.note, extract(epoch from a.last_visit_date)::bigint,
                                                     a.lead_id)
                                    ORDER BY a.id)
                      FROM d2d_apartment a WHERE a.house_id IN (SELECT id FROM visible)), '[]'),
                'leads', ({self._leads_sql()}),
                'competitors', COALESCE((
                    SELECT json_agg(json_build_array(c.id, c.name) ORDER BY c.name)
                      FROM d2d_competitor c WHERE c.active), '[]')
            )
        """

    def _leads_sql(self, since=False):
        """The agent's own leads, as the record rule shows them: not hidden."""
        condition = "AND l.write_date > %(lead_since)s" if since else ""
        return f"""
            SELECT COALESCE(json_agg(json_build_array(
                       l.id, l.name, l.d2d_stage_code, COALESCE(s.name->>%(lang)s, s.name->>'en_US'),
                       l.d2d_apartment_id, l.phone, extract(epoch from l.d2d_installation_date)::bigint, l.active)
                       ORDER BY l.id), '[]')
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.user_id = %(uid)s AND l.d2d_stage_code IS NOT NULL AND NOT l.d2d_hidden {condition}
        """

    def _lead_params(self):
        return {"lang": self.env.lang or "en_US"}

    def _token(self):
        """Where the tablet is in the log: the last visit id and a time."""
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM d2d_visit")
        return {"visit": self.env.cr.fetchone()[0], "time": fields.Datetime.to_string(fields.Datetime.now())}

    # ------------------------------------------------------------------
    # SYNC
    # ------------------------------------------------------------------

    @api.model
    def _sync(self, payload):
        """Apply the events of a tablet at most once each and answer which
        were accepted and which rejected (with a reason), plus the changes
        since the tablet's token."""
        self._check_agent()
        if not isinstance(payload, dict):
            raise UserError(self.env._("The sync request is malformed."))
        if payload.get("uid") not in (None, self.env.uid):
            raise UserError(
                self.env._("These events were recorded by another user: sign in as that user to send them.")
            )
        events = payload.get("events") or []
        if not isinstance(events, list):
            raise UserError(self.env._("The sync request is malformed: events must be a list."))
        if len(events) > MAX_EVENTS:
            raise UserError(
                self.env._(
                    "Too many events in one sync (%(count)s): send at most %(max)s at a time.",
                    count=len(events),
                    max=MAX_EVENTS,
                )
            )
        device_id = str(payload.get("device_id") or "")[:64]
        accepted, rejected = self._apply_events(events, device_id)
        return {
            "accepted": accepted,
            "rejected": rejected,
            "changes": self._changes(payload.get("token")),
            "token": self._token(),
        }

    def _apply_events(self, events, device_id):
        accepted, rejected = [], {}
        visits, notes = {}, {}
        for event in events:
            uuid = event.get("uuid") if isinstance(event, dict) else None
            if not isinstance(uuid, str) or not 0 < len(uuid) <= UUID_MAX_LENGTH:
                rejected[str(uuid)[:UUID_MAX_LENGTH]] = self.env._("The event has no valid uuid.")
                continue
            if uuid in visits or uuid in notes:
                continue  # sent twice in one batch: applied once
            try:
                if event.get("type") == "note":
                    notes[uuid] = self._note_values(event)
                else:
                    visits[uuid] = self._visit_values(event, device_id)
            except (UserError, ValidationError) as error:
                rejected[uuid] = str(error.args[0])
        self._check_apartments(visits, notes, rejected)
        accepted += self._create_visits(visits, rejected)
        accepted += self._write_notes(notes, rejected)
        return accepted, [{"uuid": uuid, "reason": reason} for uuid, reason in rejected.items()]

    def _visit_values(self, event, device_id):
        results = dict(VISIT_RESULTS)
        if event.get("type", "visit") not in EVENT_TYPES:
            raise ValidationError(self.env._("Unknown event type “%(type)s”.", type=event.get("type")))
        result = event.get("result")
        if result not in results:
            raise ValidationError(
                self.env._(
                    "“%(result)s” is not a visit result. Use one of: %(results)s.",
                    result=result or "",
                    results=", ".join(results),
                )
            )
        vals = {
            "uuid": event["uuid"],
            "apartment_id": self._int(event.get("apartment_id")),
            "result": result,
            "visit_date": self._device_time(event.get("time")),
            "device_id": device_id,
            "agent_id": self.env.uid,
            "note": self._text(event.get("note")),
        }
        if result == "competitor":
            vals["competitor_id"] = self._int(event.get("competitor_id"), self.env._("Say which competitor."))
        if result == "lead":
            phone = self._text(event.get("phone"))
            if not phone:
                raise ValidationError(self.env._("A lead needs the client's phone number."))
            vals["phone"] = self.env["crm.lead"]._d2d_format_phone(phone)
            vals["contact_name"] = self._text(event.get("contact_name"))
            service = event.get("service")
            vals["service_interest"] = service if service in dict(SERVICES) else False
        return vals

    def _note_values(self, event):
        return {"apartment_id": self._int(event.get("apartment_id")), "note": self._text(event.get("note")) or False}

    def _int(self, value, message=None):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValidationError(message or self.env._("The event names no valid apartment."))
        return value

    def _text(self, value):
        if value in (None, False):
            return False
        if not isinstance(value, str):
            raise ValidationError(self.env._("A text field of the event is not text."))
        if len(value) > MAX_TEXT:
            raise ValidationError(
                self.env._("A text of the event is too long (%(max)s characters at most).", max=MAX_TEXT)
            )
        return value.strip()

    def _device_time(self, value):
        """Device time in milliseconds since the epoch (as JavaScript counts)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(self.env._("The event has no valid device time."))
        try:
            moment = datetime.fromtimestamp(value / 1000.0, tz=timezone.utc).replace(tzinfo=None, microsecond=0)
        except (OverflowError, OSError, ValueError):
            raise ValidationError(self.env._("The event has no valid device time.")) from None
        if moment > fields.Datetime.now() + FUTURE_TOLERANCE:
            raise ValidationError(
                self.env._(
                    "The visit time %(time)s is in the future. Check the date and time of the device.",
                    time=fields.Datetime.to_string(moment),
                )
            )
        return moment

    def _check_apartments(self, visits, notes, rejected):
        """One search, under the agent's record rules, for every apartment."""
        wanted = {vals["apartment_id"] for vals in (*visits.values(), *notes.values())}
        visible = set(self.env["d2d.apartment"].search([("id", "in", list(wanted))]).ids)
        competitors = {vals["competitor_id"] for vals in visits.values() if vals.get("competitor_id")}
        known = set(self.env["d2d.competitor"].search([("id", "in", list(competitors))]).ids)
        for events in (visits, notes):
            for uuid, vals in list(events.items()):
                if vals["apartment_id"] not in visible:
                    rejected[uuid] = self.env._("This apartment is not in your houses.")
                    del events[uuid]
                elif vals.get("competitor_id") and vals["competitor_id"] not in known:
                    rejected[uuid] = self.env._("Unknown competitor.")
                    del events[uuid]

    def _create_visits(self, visits, rejected):
        """All valid visits in one create (replays come back as they were);
        should the batch fail after all, each event alone in a savepoint so
        that one bad event never sinks the others.

        A uuid sent in two concurrent requests: the second INSERT waits on the
        unique index until the first transaction commits, then fails with a
        unique violation (its snapshot cannot see the committed row). That
        visit is recorded, once: the event is accepted. The savepoint that
        failed is rolled back and the ORM cache cleared with it."""
        if not visits:
            return []
        Visit = self.env["d2d.visit"]
        try:
            with self.env.cr.savepoint(), quiet_uuid_conflicts():
                Visit.create(list(visits.values()))
            return list(visits)
        except (UserError, ValidationError):
            pass
        except psycopg2.errors.UniqueViolation as error:
            if not is_uuid_conflict(error):
                raise
        accepted = []
        for uuid, vals in visits.items():
            try:
                with self.env.cr.savepoint(), quiet_uuid_conflicts():
                    Visit.create([vals])
                accepted.append(uuid)
            except (UserError, ValidationError) as error:
                rejected[uuid] = str(error.args[0])
            except psycopg2.errors.UniqueViolation as error:
                if not is_uuid_conflict(error):
                    raise
                accepted.append(uuid)  # committed meanwhile by a concurrent request
        return accepted

    def _write_notes(self, notes, rejected):
        accepted = []
        Apartment = self.env["d2d.apartment"]
        for uuid, vals in notes.items():  # few: a note is typed by hand
            try:
                with self.env.cr.savepoint():
                    Apartment.browse(vals["apartment_id"]).write({"note": vals["note"]})
                accepted.append(uuid)
            except (UserError, ValidationError) as error:
                rejected[uuid] = str(error.args[0])
        return accepted

    def _changes(self, token):
        """What changed since `token` on the agent's apartments (the state the
        visit log gives them now) and in the agent's leads."""
        if not isinstance(token, dict):
            return {"apartments": [], "leads": []}
        try:
            since_visit = int(token.get("visit") or 0)
            since_time = fields.Datetime.to_datetime(token.get("time")) or datetime(1970, 1, 1)
        except (TypeError, ValueError):
            return {"apartments": [], "leads": []}
        self.env.flush_all()
        houses = self._visible_houses_sql()
        self.env.cr.execute(
            f"""
            WITH visible AS ({houses})
            SELECT json_build_object(
                'apartments', COALESCE((
                    SELECT json_agg(json_build_array(a.id, a.status, a.note,
                                                     extract(epoch from a.last_visit_date)::bigint, a.lead_id))
                      FROM d2d_apartment a
                     WHERE a.house_id IN (SELECT id FROM visible)
                       AND (a.write_date > %(since)s
                            OR EXISTS (SELECT 1 FROM d2d_visit v WHERE v.apartment_id = a.id AND v.id > %(visit)s))
                ), '[]'),
                'leads', ({self._leads_sql(since=True)})
            )
            """,
            {
                "uid": self.env.uid,
                "since": since_time,
                "visit": since_visit,
                # a lead changed by a transaction still open when the token was
                # made may carry an older write date: look a little further back
                # (the tablet updates leads in place, so a repeat is harmless)
                "lead_since": since_time - LEAD_CHANGES_MARGIN,
                **self._lead_params(),
            },
        )
        return self.env.cr.fetchone()[0]

    def _check_agent(self):
        if not self.env.user.has_group("door_to_door_crm.group_d2d_agent"):
            raise UserError(self.env._("The agent app is for door-to-door agents."))

    # ------------------------------------------------------------------
    # THE APP'S WORDS (translated here, so the page needs no other bundle)
    # ------------------------------------------------------------------

    @api.model
    def _app_results(self):
        return [
            [code, label] for code, label in self.env["d2d.visit"]._fields["result"]._description_selection(self.env)
        ]

    @api.model
    def _app_strings(self):
        _ = self.env._
        return {
            "title": _("My territory"),
            "search": _("Street or number..."),
            "houses": _("Houses"),
            "leads": _("My leads"),
            "potential": _("Potential clients"),
            "online": _("Online"),
            "offline": _("Offline"),
            "waiting": _("waiting"),
            "last_sync": _("Last sync"),
            "never": _("never"),
            "sync_now": _("Sync now"),
            "syncing": _("Syncing..."),
            "back": _("Back"),
            "entrance": _("Entrance"),
            "intercom": _("Intercom"),
            "floor": _("Floor"),
            "apartment": _("Apt."),
            "note": _("Note"),
            "save_note": _("Save the note"),
            "history": _("History"),
            "which_competitor": _("Which competitor?"),
            "client_name": _("Client's name"),
            "phone": _("Phone"),
            "service": _("Service of interest"),
            "save_lead": _("Save the lead"),
            "cancel": _("Cancel"),
            "rejected": _("Refused by the server"),
            "pending": _("not sent yet"),
            "left": _("left"),
            "no_data": _("No data on this tablet yet: connect once to load your territory."),
            "installation": _("Installation"),
            "internet": _("Internet"),
            "tv": _("TV"),
            "internet_tv": _("Internet + TV"),
            "dismiss": _("Dismiss"),
        }
