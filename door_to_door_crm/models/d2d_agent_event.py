import re
from datetime import datetime, timedelta

from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .d2d_visit import SERVICES, VISIT_RESULTS

MAX_TEXT = 2000
EVENT_TYPES = ("visit", "note")
SERVICE_CODES = {code for code, _label in SERVICES}
RESULT_CODES = {code for code, _label in VISIT_RESULTS}
EPOCH = datetime(1970, 1, 1)
# Device times from this one on (the year 10000) are not times.
MAX_DEVICE_MS = 253_402_300_800_000
# What PostgreSQL cannot store in a text (NUL) or encode (a lone surrogate):
# text holding one of them is refused.
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
# An event id as the tablet makes it (a UUID): printable text, see d2d.visit._check_uuid.
EVENT_UUID = re.compile("[^\x00-\x1f\x7f\ud800-\udfff]{1,64}")


class D2dAgentSync(models.AbstractModel):
    """The checks of the events a tablet sends (see d2d_agent_sync.py for the
    model): each event is checked alone, and refused alone with a reason in
    plain words, whatever JSON it holds; the checks are those of
    d2d.visit.create, made in Python on the batch without a query per event.
    The values of a visit are those of the INSERT of _record_visits_sql."""

    _inherit = "d2d.agent.sync"

    def _check_events(self, events):
        """The values of the visits and of the notes that pass their checks,
        by uuid, and the reason of the others: ({uuid: values}, {uuid:
        values}, {uuid: reason}). An event sent twice in the batch counts
        once."""
        visits, notes, invalid = {}, {}, {}
        bounds = self._device_ms_bounds()
        for event in events:
            uuid = event["uuid"]
            if uuid in visits or uuid in notes or uuid in invalid:
                continue
            try:
                if event.get("type") == "note":
                    notes[uuid] = self._note_values(event, bounds)
                else:
                    visits[uuid] = self._visit_values(event, bounds)
            except (UserError, ValidationError) as error:
                invalid[uuid] = str(error.args[0])
        return visits, notes, invalid

    def _has_uuid(self, event, malformed):
        """Whether `event` is an object with a usable uuid; if not, the reason
        of its refusal goes into `malformed` (a list: it has no uuid to be
        answered under)."""
        if not isinstance(event, dict):
            malformed.append(self.env._("An event was sent malformed: it is not an event."))
            return False
        uuid = event.get("uuid")
        if isinstance(uuid, str) and EVENT_UUID.fullmatch(uuid):
            return True
        malformed.append(self.env._("An event has no valid id."))
        return False

    def _visit_values(self, event, bounds):
        """The values of the visit of `event`, as the INSERT of
        _record_visits_sql takes them: d2d.visit field names, and `time`
        (device time in milliseconds). Those left out are null."""
        event_type = event.get("type", "visit")
        if not isinstance(event_type, str):
            raise ValidationError(self.env._("The event has no valid type."))
        if event_type not in EVENT_TYPES:
            raise ValidationError(self.env._("Unknown event type “%(type)s”.", type=event_type[:30]))
        result = event.get("result")
        if not isinstance(result, str):
            raise ValidationError(self.env._("The visit has no valid result."))
        if result not in RESULT_CODES:
            self.env["d2d.visit"]._check_result(result[:30])
        vals = {
            "uuid": event["uuid"],
            "apartment_id": self._id(event.get("apartment_id")),
            "result": result,
            "time": self._device_ms(event.get("time"), bounds),
        }
        if note := self._text(event.get("note")):
            vals["note"] = note
        if event.get("callback_at") is not None:
            vals["callback_date"] = self._callback_date(event["callback_at"], vals["time"])
        if result == "competitor":
            vals["competitor_id"] = self._id(event.get("competitor_id"), self.env._("Say which competitor."))
        if result == "lead":
            vals["phone"] = self.env["d2d.visit"]._lead_phone(self._text(event.get("phone")))
            if contact_name := self._text(event.get("contact_name")):
                vals["contact_name"] = contact_name
            service = event.get("service")
            if isinstance(service, str) and service in SERVICE_CODES:
                vals["service_interest"] = service
        return {**vals, **self._d2d_sync_visit_values(event)}

    def _d2d_sync_visit_values(self, event):
        """Hook for inheriting modules: the values of more columns of the
        visit that `event` (the tablet's JSON object, not checked) records,
        as {d2d.visit field name: JSON value} (a datetime as
        "YYYY-MM-DD HH:MM:SS" text). Only stored fields of d2d.visit with a
        column of their own, and not those the sync sets itself
        (SYNC_OWN_COLUMNS, see _visit_columns). The sync writes visits by
        SQL, not through d2d.visit.create: this is where a module adds what
        it would add in create(). Raise a ValidationError to refuse the event
        with its message. Called once per event, with no query around it:
        keep it a computation. See _d2d_after_sync_visits to react to the
        visits recorded."""
        return {}

    def _callback_date(self, value, visit_ms):
        """The time the resident asked to come back (device milliseconds),
        as the INSERT takes a datetime: refused in plain words unless it is
        after the knock and within CALLBACK_MAX_DAYS of it."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < MAX_DEVICE_MS:
            raise ValidationError(self.env._("The time to come back is not a time."))
        moment = EPOCH + timedelta(milliseconds=int(value))
        self.env["d2d.visit"]._check_callback_bounds(moment, EPOCH + timedelta(milliseconds=visit_ms))
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    def _note_values(self, event, bounds):
        time = event.get("time")
        return {
            "apartment_id": self._id(event.get("apartment_id")),
            "note": self._text(event.get("note")) or False,
            "time": self._device_ms(time, bounds) if time is not None else None,
        }

    def _id(self, value, message=None):
        """`value` as the id of a record, refused in plain words if it cannot be one."""
        if not self._is_id(value):
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
        if NOT_TEXT.search(value):
            raise ValidationError(self.env._("A text of the event holds characters that are not text: type it again."))
        return value.strip()

    def _device_ms_bounds(self):
        """The earliest and the latest device time a visit may have now, in
        milliseconds since the epoch (see d2d.visit._visit_date_bounds)."""
        earliest, latest = self.env["d2d.visit"]._visit_date_bounds()
        return (self._epoch_ms(earliest) if earliest else 0), self._epoch_ms(latest)

    def _epoch_ms(self, moment):
        return (moment - EPOCH) // timedelta(milliseconds=1)

    def _device_ms(self, value, bounds):
        """Device time in milliseconds since the epoch (as JavaScript counts),
        as a whole number of milliseconds: the order of two knocks in the
        same second is kept. Refused as d2d.visit refuses it (see
        _check_visit_date_bounds) outside `bounds` (see _device_ms_bounds)."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < MAX_DEVICE_MS:
            raise ValidationError(self.env._("The event has no valid device time."))
        milliseconds = int(value)
        earliest, latest = bounds
        if not earliest <= milliseconds <= latest:
            self.env["d2d.visit"]._check_visit_date_bounds(EPOCH + timedelta(milliseconds=milliseconds))
        return milliseconds

    def _usable(self, values, work):
        """Among the apartments and competitors that `values` (checked events)
        name, those the agent may use: the apartments of their work (the
        domain of the record rule, d2d.apartment._d2d_my_work_domain) and the
        active competitors, as sets of ids. One query."""
        Apartment = self.env["d2d.apartment"].sudo()  # the domain is the rule itself
        apartments = Apartment._search(
            [
                ("id", "in", sorted({vals["apartment_id"] for vals in values})),
                *Apartment._d2d_my_work_domain(work.houses, work.apartments),
            ]
        )
        competitors = self.env["d2d.competitor"]._search(
            [("id", "in", sorted({vals["competitor_id"] for vals in values if vals.get("competitor_id")}))]
        )
        self.env.cr.execute(SQL("SELECT ARRAY(%s), ARRAY(%s)", apartments.select(), competitors.select()))
        apartments, competitors = self.env.cr.fetchone()
        return set(apartments), set(competitors)

    def _refuse_unrecorded(self, unrecorded, apartments, competitors, rejected):
        """Say why the INSERT did not record these visits."""
        for uuid, vals in unrecorded.items():
            if vals["apartment_id"] not in apartments:
                rejected[uuid] = self.env._("This apartment is not in your houses.")
            elif vals.get("competitor_id") and vals["competitor_id"] not in competitors:
                rejected[uuid] = self.env._("Unknown competitor.")
            else:  # not expected: the INSERT records what passes these checks
                rejected[uuid] = self.env._("This visit could not be recorded: send it again.")

    def _refuse_notes_elsewhere(self, notes, apartments, rejected):
        for uuid, vals in list(notes.items()):
            if vals["apartment_id"] not in apartments:
                rejected[uuid] = self.env._("This apartment is not in your houses.")
                del notes[uuid]
