import json
import logging
import time
from collections import Counter, defaultdict
from typing import NamedTuple

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .d2d_apartment import LAST_VISIT_FIELDS

_logger = logging.getLogger(__name__)

# A sync carries at most this many events; a larger batch is refused whole.
MAX_EVENTS = 500
DEVICE_ID_MAX_LENGTH = 64
# Stored related fields of d2d.visit that the sync's INSERT fills itself.
SQL_COMPUTED_VISIT_FIELDS = ("house_id", "territory_id")
# Columns of d2d_visit the sync's INSERT sets itself, from the event's checked
# values or from the request: the hook _d2d_sync_visit_values cannot set them.
SYNC_OWN_COLUMNS = frozenset(
    {
        "id",
        "uuid",
        "apartment_id",
        "house_id",
        "company_id",
        "territory_id",
        "agent_id",
        "visit_date",
        "result",
        "competitor_id",
        "device_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    }
)
# The values of a visit (see _visit_values) that are not d2d.visit columns of their own.
EVENT_KEYS = ("uuid", "apartment_id", "time", "result", "competitor_id")


class SyncRead(NamedTuple):
    """What a sync reads before it records anything (see D2dAgentSync._sync_read)."""

    recorded: dict  # {uuid: agent id} of the visits recorded before, when the batch is sent again
    houses: list  # the houses of the agent's work (d2d.house._d2d_my_work)
    apartments: list  # the apartments handed back to the agent
    changes: str  # JSON text: what changed elsewhere since the tablet's token
    token: str  # JSON text: the tablet's next token


class Applied(NamedTuple):
    """What a sync did with the events (see D2dAgentSync._apply_events)."""

    accepted: list  # uuids accepted, in the order they came
    replays: int  # how many of them were recorded before
    lead_ids: list  # the leads that "lead" visits opened or added to


class D2dAgentSync(models.AbstractModel):
    """What the offline agent app exchanges with the server. The controllers
    of /d2d/agent (controllers/agent.py) are thin wrappers around it. One
    model, one concern per file:

    - d2d_agent_sync.py (here): the sync entry (_sync_json), what it reads
      first, how it records the events, its log; the hooks for inheriting
      modules: _d2d_sync_visit_values (d2d_agent_event.py) and
      _d2d_after_sync_visits (here);
    - d2d_agent_snapshot.py: the snapshot of the agent's territory, and the
      SQL that the sync's changes share with it (houses, history, leads,
      token, what the tablet must forget);
    - d2d_agent_event.py: the checks of each event, refused one by one;
    - d2d_agent_app_words.py: the app's words, translated.

    A sync is one query that reads what it needs and what changed elsewhere
    since the tablet's token, then one statement that records the new
    visits. The changes are read before the batch is recorded: they are
    what others did, and the tablet applies its own accepted events itself,
    by the same rule (the latest device time wins, see queue.js)."""

    _name = "d2d.agent.sync"
    _description = "Offline agent app sync"

    # ------------------------------------------------------------------
    # SYNC
    # ------------------------------------------------------------------

    @api.model
    def _sync(self, payload):
        """The answer of _sync_json as Python values."""
        return json.loads(self._sync_json(payload))

    @api.model
    def _sync_json(self, payload):
        """Apply the events of a tablet at most once each and answer which
        were accepted and which rejected (with a reason), plus what changed
        elsewhere since the tablet's token: JSON text, whose changes
        PostgreSQL wrote (the route sends it as it is)."""
        start = time.perf_counter()
        self._check_agent()
        events = self._check_payload(payload)
        device_id = self._device_id(payload.get("device_id"))
        rejected, malformed = {}, []
        events = [event for event in events if self._has_uuid(event, malformed)]
        events, lead_events = self._split_lead_events(events)
        visit_uuids = list(dict.fromkeys(event["uuid"] for event in events if event.get("type") != "note"))
        read = self._sync_read(visit_uuids, self._since(payload.get("token")), device_id)
        applied = self._apply_events(events, visit_uuids, read, device_id, rejected)
        lead_accepted, fixed_lead_ids, lead_replays = self._apply_lead_events(lead_events, rejected)
        applied = Applied(
            applied.accepted + lead_accepted, applied.replays + lead_replays, applied.lead_ids + fixed_lead_ids
        )
        changes, token = read.changes, read.token
        if applied.lead_ids:
            changes, token = self._with_leads(changes, token, applied.lead_ids)
        reasons = [*rejected.values(), *malformed]
        self._log_batch(device_id, applied, reasons, time.perf_counter() - start)
        # an event without a usable uuid is answered without one
        rejected = [
            *({"uuid": uuid, "reason": reason} for uuid, reason in rejected.items()),
            *({"uuid": None, "reason": reason} for reason in malformed),
        ]
        return (
            f'{{"accepted": {json.dumps(applied.accepted)}, "rejected": {json.dumps(rejected)}, '
            f'"changes": {changes}, "token": {token}}}'
        )

    def _check_payload(self, payload):
        """The events of the request, once the request itself passes its
        checks (a refusal there refuses the whole batch)."""
        if not isinstance(payload, dict):
            raise UserError(self.env._("The sync request is malformed."))
        if payload.get("uid") not in (None, self.env.uid):
            _logger.warning(
                "Agent sync refused: %s (#%s) sent events recorded by another user",
                self.env.user.login,
                self.env.uid,
            )
            raise UserError(
                self.env._("These events were recorded by another user: sign in as that user to send them.")
            )
        events = payload.get("events") or []
        if not isinstance(events, list):
            raise UserError(self.env._("The sync request is malformed: events must be a list."))
        if len(events) > MAX_EVENTS:
            _logger.warning(
                "Agent sync refused: %s (#%s) sent %s events at once", self.env.user.login, self.env.uid, len(events)
            )
            raise UserError(
                self.env._(
                    "Too many events in one sync (%(count)s): send at most %(max)s at a time.",
                    count=len(events),
                    max=MAX_EVENTS,
                )
            )
        return events

    def _device_id(self, value):
        """The tablet's id as a text PostgreSQL can store ("" if it sent none)."""
        if not isinstance(value, str):
            return ""
        return value.encode("utf-8", "ignore").decode().replace("\x00", "")[:DEVICE_ID_MAX_LENGTH]

    def _sync_read(self, uuids, since, device):
        """In one query, before anything is recorded: the agent's work (see
        _work_ctes), the changes `since` the tablet's token (see _since) but
        those of its `device`, its next token and, when the batch is sent
        again, the visits already recorded among `uuids`.

        A tablet sends a batch again when the answer did not reach it (the
        network cut during the sync): its first event is then recorded, and
        the replays are answered from this query alone, before any event is
        checked. Otherwise the new uuids are not looked up one by one here
        (200 reads of the unique index that the INSERT makes anyway): the
        INSERT tells which of them were recorded before (_record_visits)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH %(work)s %(history)s
                SELECT CASE WHEN EXISTS (SELECT FROM d2d_visit v WHERE v.uuid = %(first)s)
                            THEN (SELECT json_object_agg(v.uuid, v.agent_id) FROM d2d_visit v
                                   WHERE v.uuid = ANY(%(uuids)s::varchar[]))
                       END,
                       work.houses, work.apartments, (%(changes)s)::text, (%(token)s)::text
                  FROM work
                """,
                work=self._work_ctes(),
                history=SQL(", history AS (%s)", self._history_sql(since, device)) if since else SQL(),
                first=uuids[0] if uuids else None,
                uuids=uuids,
                changes=self._changes_sql(since),
                token=self._token_sql(),
            )
        )
        recorded, houses, apartments, changes, token = self.env.cr.fetchone()
        return SyncRead(recorded or {}, houses, apartments, changes, token)

    def _with_leads(self, changes, token, lead_ids):
        """The `changes` and the `token` (JSON texts) with the leads of
        `lead_ids`, which the sync opened or added to after it read the
        changes: their rows in the changes, their ids in the token (so that
        the next sync can tell the tablet to forget them, see _removed_sql)."""
        changes, token = json.loads(changes), json.loads(token)
        self.env.flush_all()
        self.env.cr.execute(self._leads_sql(lead_ids=lead_ids))
        rows = {row[0]: row for row in [*changes["leads"], *self.env.cr.fetchone()[0]]}
        changes["leads"] = sorted(rows.values())
        token["leads"] = sorted({*token["leads"], *(row[0] for row in rows.values())})
        return json.dumps(changes), json.dumps(token)

    def _apply_events(self, events, visit_uuids, read, device_id, rejected):
        """Record the events (see _sync_read for `read`), see Applied; the
        reasons of the refused ones go into `rejected`."""
        recorded = dict(read.recorded)
        visits, notes, invalid = self._check_events([event for event in events if event["uuid"] not in recorded])
        unchecked = [uuid for uuid in visit_uuids if uuid in invalid]
        inserted, recorded_before, lead_ids = self._record_visits(visits, unchecked, read, device_id)
        recorded.update(recorded_before)
        accepted = set(inserted)
        replays = 0
        for uuid, agent_id in recorded.items():  # replays: recorded before, whatever their checks say now
            if agent_id == self.env.uid:
                accepted.add(uuid)
                replays += 1
            else:
                rejected[uuid] = self.env["d2d.visit"]._uuid_taken_message()
        rejected.update((uuid, reason) for uuid, reason in invalid.items() if uuid not in recorded)
        unrecorded = {uuid: vals for uuid, vals in visits.items() if uuid not in accepted and uuid not in rejected}
        if unrecorded or notes:
            apartments, competitors = self._usable([*unrecorded.values(), *notes.values()], read)
            self._refuse_unrecorded(unrecorded, apartments, competitors, rejected)
            self._refuse_notes_elsewhere(notes, apartments, rejected)
            accepted.update(self._write_notes(notes, rejected))
        order = dict.fromkeys(event["uuid"] for event in events)
        return Applied([uuid for uuid in order if uuid in accepted], replays, lead_ids)

    def _record_visits(self, visits, unchecked, work, device_id):
        """Record the checked `visits` ({uuid: values}) of the agent's
        apartments (`work`, see _sync_read) on the tablet `device_id`, in one
        statement: ([uuids recorded now], {uuid: agent id} of the visits of
        these events recorded before, ids of the leads that "lead" visits
        opened or added to). The uuids of the visit events that did not pass
        their checks (`unchecked`) are looked up too: a replay is accepted
        whatever its checks say now.

        The statement records the visits with a known competitor if any and
        moves their apartments to their latest visit: what d2d.visit.create
        does, without its per-record work. The other checks of
        d2d.visit.create were made by _visit_values and the model's access
        right is checked here; then the ORM learns what the statement wrote
        and _d2d_after_sync_visits reacts to the new visits.

        A uuid sent in two concurrent requests: the second INSERT waits on the
        unique index until the first transaction commits, then finds a row
        its snapshot cannot see, and PostgreSQL refuses to go on
        (serialization failure, as Odoo's transactions are REPEATABLE READ).
        Odoo runs the request again, in a new transaction that sees the
        visit recorded: a replay, accepted."""
        if not visits and not unchecked:
            return [], {}, []
        if visits:
            self.env["d2d.visit"].check_access("create")
        self.env.flush_all()
        self.env.cr.execute(
            self._record_visits_sql(list(visits.values()), unchecked, work, device_id),
            # a serialization failure is expected and retried: not a "bad
            # query"; any other error reaches the log with the request's
            log_exceptions=False,
        )
        inserted, moved, recorded = self.env.cr.fetchone()
        leads = self._after_insert(inserted, moved) if inserted else self.env["crm.lead"]
        return [uuid for _id, uuid, _apartment_id in inserted], recorded, leads.ids

    def _visit_columns(self, rows):
        """The d2d.visit columns that the values `rows` fill besides the
        event's own (EVENT_KEYS), as (name, PostgreSQL type) sorted by name:
        the INSERT writes them as they are. A name that is not a stored
        column of d2d.visit, or one the sync sets itself, is a programming
        error of the module that gave it (_d2d_sync_visit_values)."""
        Visit = self.env["d2d.visit"]
        names = set().union(*rows).difference(EVENT_KEYS)
        columns = []
        for name in sorted(names):
            field = Visit._fields.get(name)
            if name in SYNC_OWN_COLUMNS or not field or not field.store or not field.column_type:
                raise ValueError(f"d2d.agent.sync cannot write the column {name!r} of d2d_visit")
            columns.append((name, field.column_type[1]))
        return columns

    def _record_visits_sql(self, rows, unchecked, work, device_id):
        """The statement of _record_visits: INSERT the visits of the agent's
        apartments with a known competitor if any, UPDATE the apartments that
        one of them is now the latest visit of, by the rule of
        d2d.apartment._refresh_last_visit (latest device time, to the
        millisecond, then the one recorded last: on a tie, the new visit),
        and look up the events that it did not record: its parts see the
        visits as they were before it, so what they find was recorded before.
        One row: the visits recorded [(id, uuid, apartment id)], the
        apartments moved [id], the visits recorded before {uuid: agent id}."""
        columns = self._visit_columns(rows)
        return SQL(
            """
            WITH events AS MATERIALIZED (
                SELECT * FROM json_to_recordset(%(rows)s) AS v(uuid varchar, apartment_id int, time bigint,
                                                               result varchar, competitor_id int %(types)s)
            ),
            new AS (
                INSERT INTO d2d_visit (uuid, apartment_id, house_id, territory_id, company_id, agent_id, visit_date,
                                       result, competitor_id, device_id, create_uid, write_uid, create_date, write_date
                                       %(columns)s)
                     SELECT v.uuid, v.apartment_id, a.house_id, h.territory_id, h.company_id, %(uid)s,
                            TIMESTAMP '1970-01-01' + v.time * INTERVAL '1 millisecond', v.result,
                            v.competitor_id, %(device)s,
                            %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                            %(values)s
                       FROM events v
                       JOIN d2d_apartment a ON a.id = v.apartment_id
                       JOIN d2d_house h ON h.id = a.house_id
                      -- the agent's work, as d2d.apartment._d2d_my_work_domain
                      WHERE (a.house_id = ANY(%(houses)s::int[]) OR a.id = ANY(%(reworked)s::int[]))
                        AND (v.competitor_id IS NULL
                             OR v.competitor_id IN (SELECT c.id FROM d2d_competitor c WHERE c.active))
                ON CONFLICT (uuid) DO NOTHING
                  RETURNING id, uuid, apartment_id, visit_date, result, agent_id, competitor_id, callback_date
            ),
            latest AS (
                SELECT DISTINCT ON (apartment_id) * FROM new ORDER BY apartment_id, visit_date DESC, id DESC
            ),
            moved AS (
                UPDATE d2d_apartment a
                   SET status = l.result, last_visit_date = l.visit_date, last_agent_id = l.agent_id,
                       last_competitor_id = l.competitor_id, callback_date = l.callback_date
                  FROM latest l
                 WHERE a.id = l.apartment_id
                   AND (a.last_visit_date IS NULL OR l.visit_date >= a.last_visit_date)
             RETURNING a.id
            )
            SELECT (SELECT COALESCE(json_agg(json_build_array(id, uuid, apartment_id)), '[]') FROM new),
                   (SELECT COALESCE(json_agg(id), '[]') FROM moved),
                   (SELECT COALESCE(json_object_agg(v.uuid, v.agent_id), '{}') FROM d2d_visit v
                     WHERE v.uuid = ANY(ARRAY(SELECT uuid FROM events
                                              UNION SELECT unnest(%(unchecked)s::varchar[])
                                              EXCEPT SELECT uuid FROM new)))
            """,
            rows=json.dumps(rows),
            types=SQL("").join(SQL(", %s %s", SQL.identifier(name), SQL(kind)) for name, kind in columns),
            columns=SQL("").join(SQL(", %s", SQL.identifier(name)) for name, _kind in columns),
            values=SQL("").join(SQL(", v.%s", SQL.identifier(name)) for name, _kind in columns),
            unchecked=unchecked,
            houses=work.houses,
            reworked=work.apartments,
            device=device_id,
            uid=self.env.uid,
        )

    def _after_insert(self, inserted, moved):
        """The ORM learns what _record_visits_sql wrote (`inserted` visits,
        `moved` apartment ids), as after _create; then _d2d_after_sync_visits
        reacts to the new visits: the leads it returns."""
        Visit = self.env["d2d.visit"]
        new_visits = Visit.browse(visit_id for visit_id, _uuid, _apartment_id in inserted)
        new_visits.modified([name for name, field in Visit._fields.items() if field.store], create=True)
        for fname in SQL_COMPUTED_VISIT_FIELDS:  # written by the INSERT itself
            self.env.remove_to_compute(Visit._fields[fname], new_visits)
        Apartment = self.env["d2d.apartment"]
        Apartment.browse({apartment_id for _id, _uuid, apartment_id in inserted}).invalidate_recordset(["visit_ids"])
        moved = Apartment.browse(moved)
        moved.invalidate_recordset(LAST_VISIT_FIELDS)
        moved.modified(LAST_VISIT_FIELDS)
        new_visits._d2d_check_presence()  # proof of presence, before any hook counts the visits
        return self._d2d_after_sync_visits(new_visits)

    def _d2d_after_sync_visits(self, visits):
        """Hook for inheriting modules: react to the visits a sync has just
        recorded, where a module would react in d2d.visit.create (which the
        sync does not call: it writes by SQL). `visits`: the new d2d.visit
        records, in the agent's environment, once the ORM knows them and
        their apartments show their latest visit; replays and refused events
        are not among them. Runs once per batch: work on the whole recordset.
        To add values to the visits themselves, see _d2d_sync_visit_values.

        Returns the leads (crm.lead) that the visits opened or added to,
        which the answer lists at once: by default, each "lead" visit opens a
        lead for its apartment or adds to its open lead. An override calls
        super() and returns its result (with leads of its own if any)."""
        lead_visits = visits.filtered(lambda visit: visit.result == "lead")
        if not lead_visits:
            return self.env["crm.lead"]
        lead_visits._attach_leads()
        return lead_visits.sudo().lead_id

    def _write_notes(self, notes, rejected):
        """The last note of each apartment (by device time) is written; the
        apartments with the same note in one write."""
        latest = {}
        for uuid, vals in sorted(notes.items(), key=lambda item: -1 if item[1]["time"] is None else item[1]["time"]):
            latest[vals["apartment_id"]] = (uuid, vals["note"])
        by_note = defaultdict(list)
        for apartment_id, (_uuid, note) in latest.items():
            by_note[note].append(apartment_id)
        Apartment = self.env["d2d.apartment"]
        failed = set()
        for note, apartment_ids in by_note.items():
            try:
                with self.env.cr.savepoint():
                    Apartment.browse(apartment_ids).write({"note": note})
            except (UserError, ValidationError) as error:
                failed.update(apartment_ids)
                for uuid, vals in notes.items():
                    if vals["apartment_id"] in apartment_ids:
                        rejected[uuid] = str(error.args[0])
        return [uuid for uuid, vals in notes.items() if vals["apartment_id"] not in failed]

    def _check_agent(self):
        if not self.env.user.has_group("door_to_door_crm.group_d2d_agent"):
            _logger.warning(
                "Agent app refused to %s (#%s): not a door-to-door agent", self.env.user.login, self.env.uid
            )
            raise UserError(self.env._("The agent app is for door-to-door agents."))

    # ------------------------------------------------------------------
    # LOG (as the Point of Sale logs its syncs: one line per batch)
    # ------------------------------------------------------------------

    def _log_batch(self, device_id, applied, reasons, seconds):
        """One info line per batch, and a warning with the `reasons` of the
        refused events (our own words, which hold no client data)."""
        user = self.env.user
        _logger.info(
            "Agent sync: %s (#%s) on device %r: %s accepted (%s replays), %s rejected, %.0f ms",
            user.login,
            user.id,
            device_id,
            len(applied.accepted),
            applied.replays,
            len(reasons),
            seconds * 1000,
        )
        if reasons:
            _logger.warning(
                "Agent sync: %s (#%s) on device %r: %s events refused: %s",
                user.login,
                user.id,
                device_id,
                len(reasons),
                dict(Counter(reasons).most_common()),
            )
