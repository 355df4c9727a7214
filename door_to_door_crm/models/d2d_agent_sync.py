import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .d2d_apartment import LAST_VISIT_FIELDS
from .d2d_visit import FUTURE_TOLERANCE, SERVICES, UUID_MAX_LENGTH, VISIT_RESULTS

# A sync carries at most this many events; a larger batch is refused whole.
MAX_EVENTS = 500
MAX_TEXT = 2000
EVENT_TYPES = ("visit", "note")
# Changes older than the token by less than this are sent again (see _since).
CHANGES_MARGIN = timedelta(minutes=10)
# The visit history the tablet keeps: at most so many visits per apartment, so many days back.
HISTORY_DAYS = 30
HISTORY_PER_APARTMENT = 5
# Version of the snapshot's compact layout (decodeSnapshot in queue.js reads it).
SNAPSHOT_FORMAT = 2
SERVICE_CODES = {code for code, _label in SERVICES}
RESULT_CODES = {code for code, _label in VISIT_RESULTS}
EPOCH = datetime(1970, 1, 1)
# Device times from this one on (the year 10000) are not times.
MAX_DEVICE_MS = 253_402_300_800_000
# Stored related fields of d2d.visit that the sync's INSERT fills itself.
SQL_COMPUTED_VISIT_FIELDS = ("house_id", "territory_id")
# The houses the tablet shows, in a query that starts with _work_ctes: an
# array computed once, before the rest of the query runs (an InitPlan).
VISIBLE_HOUSES = SQL("(SELECT visible.houses FROM visible)::int[]")
NO_CHANGES = '{"apartments": [], "visits": [], "agents": [], "leads": []}'


class Since(NamedTuple):
    """Since when a tablet needs the changes (see D2dAgentSync._since)."""

    visit: int  # the visits of higher ids
    margin: datetime  # the visits recorded and the records written after this time


class SyncRead(NamedTuple):
    """What a sync reads before it records anything (see D2dAgentSync._sync_read)."""

    recorded: dict  # {uuid: agent id} of the visits recorded before, when the batch is sent again
    houses: list  # the houses of the agent's work (d2d.house._d2d_my_work)
    apartments: list  # the apartments handed back to the agent
    changes: str  # JSON text: what changed elsewhere since the tablet's token
    token: str  # JSON text: the tablet's next token


class D2dAgentSync(models.AbstractModel):
    """What the offline agent app exchanges with the server: the snapshot of
    the agent's territory and the sync of the events recorded on the tablet.
    The controllers of /d2d/agent are thin wrappers around these methods.

    The snapshot is the JSON text of one SQL query, in a compact form the
    app decodes (queue.js, decodeSnapshot): apartments as columns, ids as
    steps from the previous one, so that a territory of 5,000 apartments with
    a month of visit history stays within 50 KB gzipped.

    A sync is one query that reads what it needs and what changed elsewhere
    since the tablet's token, then one statement that records the new
    visits. The changes are read before the batch is recorded: they are
    what others did, and the tablet applies its own accepted events itself,
    by the same rule (the latest device time wins, see queue.js)."""

    _name = "d2d.agent.sync"
    _description = "Offline agent app sync"

    # ------------------------------------------------------------------
    # SNAPSHOT
    # ------------------------------------------------------------------

    @api.model
    def _snapshot(self):
        """The snapshot (see _snapshot_json) as Python values."""
        return json.loads(self._snapshot_json())

    @api.model
    def _snapshot_json(self):
        """The signed-in agent's houses, entrances, apartments (status, note,
        lead), the recent visit history of those apartments, the agent's
        leads and the competitors, with a sync token and the user: the JSON
        text of one SQL query, which the route sends as it is. The houses are
        those of the agent's work, as the record rules read it (see
        _work_ctes)."""
        self._check_agent()
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT snapshot::text FROM (%s) AS query(snapshot)", self._snapshot_query()))
        return self.env.cr.fetchone()[0]

    def _snapshot_query(self):
        return SQL(
            """
            WITH %(work)s,
            apartments AS (
                SELECT a.id, a.entrance_id, a.floor, a.number, a.status, a.note, a.lead_id,
                       extract(epoch from a.last_visit_date)::bigint AS last,
                       a.id - lag(a.id, 1, 0) OVER (ORDER BY a.id) AS id_step,
                       a.entrance_id - lag(a.entrance_id, 1, 0) OVER (ORDER BY a.id) AS entrance_step
                  FROM d2d_apartment a
                 WHERE a.house_id = ANY(%(houses)s)
            ),
            history AS (%(history)s)
            SELECT json_build_object(
                'format', %(format)s,
                'houses', COALESCE((
                    SELECT json_agg(json_build_array(h.id, h.name, h.territory_id, h.entrance_count, h.floor_count)
                                    ORDER BY h.street, h.house_number_sort, h.house_number)
                      FROM d2d_house h WHERE h.id = ANY(%(houses)s)), '[]'),
                'entrances', COALESCE((
                    SELECT json_agg(json_build_array(e.id, e.house_id, e.number, e.intercom_code) ORDER BY e.id)
                      FROM d2d_entrance e WHERE e.house_id = ANY(%(houses)s)), '[]'),
                'apartments', (
                    SELECT json_build_object(
                        'id', COALESCE(json_agg(id_step ORDER BY id), '[]'),
                        'entrance', COALESCE(json_agg(entrance_step ORDER BY id), '[]'),
                        'floor', COALESCE(json_agg(floor ORDER BY id), '[]'),
                        'number', COALESCE(json_agg(number ORDER BY id), '[]'),
                        'status', COALESCE(json_agg(status ORDER BY id), '[]'),
                        'last', COALESCE(json_agg(last ORDER BY id), '[]'),
                        'note', COALESCE(json_object_agg(id, note) FILTER (WHERE note IS NOT NULL), '{}'),
                        'lead', COALESCE(json_object_agg(id, lead_id) FILTER (WHERE lead_id IS NOT NULL), '{}'))
                      FROM apartments),
                'visits', (
                    SELECT json_build_object(
                        'apartment', COALESCE(json_agg(apartment_step ORDER BY apartment_id, time), '[]'),
                        'time', COALESCE(json_agg(time ORDER BY apartment_id, time), '[]'),
                        'result', COALESCE(json_agg(result ORDER BY apartment_id, time), '[]'),
                        'agent', COALESCE(json_agg(agent_id ORDER BY apartment_id, time), '[]'))
                      FROM (SELECT *, apartment_id - lag(apartment_id, 1, 0) OVER (ORDER BY apartment_id, time)
                                      AS apartment_step
                              FROM history) steps),
                'agents', (%(agents)s),
                'leads', (%(leads)s),
                'competitors', COALESCE((
                    SELECT json_agg(json_build_array(c.id, c.name) ORDER BY c.name)
                      FROM d2d_competitor c WHERE c.active), '[]'),
                'token', (%(token)s),
                'user', (SELECT json_build_object('id', u.id, 'name', p.name)
                           FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = %(uid)s)
            )
            """,
            work=self._work_ctes(),
            houses=VISIBLE_HOUSES,
            history=self._history_sql(),
            format=SNAPSHOT_FORMAT,
            agents=self._agents_sql(),
            leads=self._leads_sql(),
            token=self._token_sql(),
            uid=self.env.uid,
        )

    # ------------------------------------------------------------------
    # THE PARTS OF THE QUERIES
    # ------------------------------------------------------------------

    def _work_ctes(self):
        """Two CTEs the queries of the snapshot and the sync start with:
        `work` (houses, apartments), the agent's work as the record rules of
        apartments and visits read it (d2d.house._d2d_my_work), and
        `visible` (houses), the active houses of that work and those of the
        apartments handed back to them (shown to show those apartments).

        The rest of the query reads the houses as VISIBLE_HOUSES, an array
        that PostgreSQL computes first: their visits are read by the index on
        (house_id, visit_date), not by a scan of a month of the city's visits
        (which a join on a sub-query of houses made the planner choose)."""
        return SQL(
            """
            work(houses, apartments) AS (%(work)s),
            visible(houses) AS (
                SELECT ARRAY(SELECT h.id FROM d2d_house h WHERE h.id = ANY(work.houses) AND h.active
                             UNION
                             SELECT h.id FROM d2d_apartment a JOIN d2d_house h ON h.id = a.house_id
                              WHERE a.id = ANY(work.apartments) AND h.active)
                  FROM work
            )
            """,
            work=self.env["d2d.house"]._d2d_my_work_sql(),
        )

    def _history_sql(self, since=None, device=None):
        """Visits of the visible houses the tablet keeps as history: the last
        HISTORY_PER_APARTMENT of each apartment within HISTORY_DAYS; or, for
        a sync, those recorded `since` a token (see _since), but the visits
        of this agent on the tablet `device`."""
        if since:
            # One branch per condition, each read by its own index: the visits
            # recorded since the token's (by id), and those of the houses
            # recorded lately (by house and create_date), where an OR made
            # PostgreSQL read all the visits of the houses.
            # The tablet's own visits are not sent back: it has them.
            elsewhere = (
                SQL("AND (v.agent_id != %s OR v.device_id IS DISTINCT FROM %s)", self.env.uid, device)
                if device
                else SQL()
            )
            return SQL(
                """
                SELECT v.apartment_id, extract(epoch from v.visit_date)::bigint AS time, v.result, v.agent_id
                  FROM d2d_visit v
                 WHERE v.id > %(visit)s AND v.house_id = ANY(%(houses)s) %(elsewhere)s
                 UNION
                SELECT v.apartment_id, extract(epoch from v.visit_date)::bigint AS time, v.result, v.agent_id
                  FROM d2d_visit v
                 WHERE v.create_date > %(margin)s AND v.house_id = ANY(%(houses)s) %(elsewhere)s
                """,
                visit=since.visit,
                margin=since.margin,
                houses=VISIBLE_HOUSES,
                elsewhere=elsewhere,
            )
        return SQL(
            """
            SELECT apartment_id, time, result, agent_id FROM (
                SELECT v.apartment_id, extract(epoch from v.visit_date)::bigint AS time, v.result, v.agent_id,
                       row_number() OVER (PARTITION BY v.apartment_id ORDER BY v.visit_date DESC, v.id DESC) AS rank
                  FROM d2d_visit v
                 WHERE v.house_id = ANY(%(houses)s)
                   AND v.visit_date > (now() AT TIME ZONE 'UTC') - %(days)s * interval '1 day'
            ) ranked WHERE rank <= %(per_apartment)s
            """,
            houses=VISIBLE_HOUSES,
            days=HISTORY_DAYS,
            per_apartment=HISTORY_PER_APARTMENT,
        )

    def _agents_sql(self):
        """Names of the agents of the CTE `history`, for the history."""
        return SQL(
            """
            SELECT COALESCE(json_agg(json_build_array(u.id, p.name) ORDER BY u.id), '[]')
              FROM res_users u JOIN res_partner p ON p.id = u.partner_id
             WHERE u.id IN (SELECT agent_id FROM history)
            """
        )

    def _leads_sql(self, since=None, lead_ids=None):
        """The agent's own leads, as the record rule shows them: not hidden;
        those changed `since` a token (see _since), or those of `lead_ids`."""
        conditions = []
        if since:
            conditions.append(SQL("AND l.write_date > %s", since.margin))
        if lead_ids is not None:
            conditions.append(SQL("AND l.id = ANY(%s)", lead_ids))
        return SQL(
            """
            SELECT COALESCE(json_agg(json_build_array(
                       l.id, l.name, l.d2d_stage_code, COALESCE(s.name->>%(lang)s, s.name->>'en_US'),
                       l.d2d_apartment_id, l.phone, extract(epoch from l.d2d_installation_date)::bigint, l.active)
                       ORDER BY l.id), '[]')
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.user_id = %(uid)s AND l.d2d_stage_code IS NOT NULL AND NOT l.d2d_hidden %(conditions)s
            """,
            lang=self.env.lang or "en_US",
            uid=self.env.uid,
            conditions=SQL(" ").join(conditions),
        )

    def _token_sql(self):
        """Where the tablet is: the last visit id, the time (of this
        transaction, as write dates are), and a fingerprint of the visible
        houses and their entrances as the tablet shows them: when it changes,
        the tablet reloads the whole snapshot (a house given to the agent or
        taken away, a layout or an intercom code changed)."""
        return SQL(
            """
            SELECT json_build_object(
                'visit', (SELECT COALESCE(MAX(id), 0) FROM d2d_visit),
                'time', to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'houses', md5(concat(
                    (SELECT string_agg(concat_ws('|', h.id, h.name, h.entrance_count, h.floor_count), ','
                                       ORDER BY h.id)
                       FROM d2d_house h WHERE h.id = ANY(%(houses)s)),
                    '/',
                    (SELECT string_agg(concat_ws('|', e.id, e.number, e.intercom_code, e.floor_count, e.first_floor,
                                                 e.first_number, e.last_number, e.apartment_count), ','
                                       ORDER BY e.id)
                       FROM d2d_entrance e WHERE e.house_id = ANY(%(houses)s)))))
            """,
            houses=VISIBLE_HOUSES,
        )

    def _changes_sql(self, since):
        """What changed since a token (see _since) on the visible houses: the
        apartments visited elsewhere or written since, as they are now, the
        visits recorded since (history) but those of this agent on the tablet
        (see _history_sql), and the agent's leads changed since. Needs the
        CTE `history` of _history_sql(since)."""
        return SQL(
            """
            json_build_object(
                'apartments', COALESCE((
                    SELECT json_agg(json_build_array(a.id, a.status, a.note,
                                                     extract(epoch from a.last_visit_date)::bigint, a.lead_id)
                                    ORDER BY a.id)
                      FROM d2d_apartment a
                     WHERE a.id IN (SELECT apartment_id FROM history
                                    UNION
                                    SELECT id FROM d2d_apartment
                                     WHERE house_id = ANY(%(houses)s) AND write_date > %(margin)s)), '[]'),
                'visits', COALESCE((
                    SELECT json_agg(json_build_array(apartment_id, time, result, agent_id) ORDER BY apartment_id, time)
                      FROM history), '[]'),
                'agents', (%(agents)s),
                'leads', (%(leads)s))
            """,
            houses=VISIBLE_HOUSES,
            margin=since.margin,
            agents=self._agents_sql(),
            leads=self._leads_sql(since=since),
        )

    def _since(self, token):
        """Since when a tablet with this token needs the changes, or None for
        a token the server did not make: (visit id, time margin). A change
        made by a transaction still open when the token was made carries an
        earlier date, or a lower id than the token's: the changes are looked
        for a little further back (the tablet merges a repeat harmlessly)."""
        if not isinstance(token, dict):
            return None
        try:
            visit = int(token.get("visit") or 0)
            time = fields.Datetime.to_datetime(token.get("time"))
        except (TypeError, ValueError):
            return None
        return Since(visit, time - CHANGES_MARGIN) if time else None

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
        rejected = {}
        events = [event for event in events if self._has_uuid(event, rejected)]
        visit_uuids = list(dict.fromkeys(event["uuid"] for event in events if event.get("type") != "note"))
        read = self._sync_read(visit_uuids, self._since(payload.get("token")), device_id)
        accepted, lead_ids = self._apply_events(events, visit_uuids, read, device_id, rejected)
        changes = self._with_leads(read.changes, lead_ids) if lead_ids else read.changes
        rejected = [{"uuid": uuid, "reason": reason} for uuid, reason in rejected.items()]
        return (
            f'{{"accepted": {json.dumps(accepted)}, "rejected": {json.dumps(rejected)}, '
            f'"changes": {changes}, "token": {read.token}}}'
        )

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
                changes=self._changes_sql(since) if since else SQL("%s::json", NO_CHANGES),
                token=self._token_sql(),
            )
        )
        recorded, houses, apartments, changes, token = self.env.cr.fetchone()
        return SyncRead(recorded or {}, houses, apartments, changes, token)

    def _with_leads(self, changes, lead_ids):
        """The `changes` (JSON text) with the rows of the leads of `lead_ids`,
        which the sync opened or added to after it read the changes."""
        changes = json.loads(changes)
        self.env.flush_all()
        self.env.cr.execute(self._leads_sql(lead_ids=lead_ids))
        rows = {row[0]: row for row in [*changes["leads"], *self.env.cr.fetchone()[0]]}
        changes["leads"] = sorted(rows.values())
        return json.dumps(changes)

    def _apply_events(self, events, visit_uuids, read, device_id, rejected):
        """Record the events (see _sync_read for `read`): (accepted uuids in
        the order they came, ids of the leads that "lead" visits opened or
        added to); the reasons of the refused ones go into `rejected`."""
        recorded = dict(read.recorded)
        visits, notes, invalid = self._check_events([event for event in events if event["uuid"] not in recorded])
        unchecked = [uuid for uuid in visit_uuids if uuid in invalid]
        inserted, recorded_before, lead_ids = self._record_visits(visits, unchecked, read, device_id)
        recorded.update(recorded_before)
        accepted = set(inserted)
        for uuid, agent_id in recorded.items():  # replays: recorded before, whatever their checks say now
            if agent_id == self.env.uid:
                accepted.add(uuid)
            else:
                rejected[uuid] = self.env._("Another visit already uses this event id.")
        rejected.update((uuid, reason) for uuid, reason in invalid.items() if uuid not in recorded)
        unrecorded = {uuid: vals for uuid, vals in visits.items() if uuid not in accepted and uuid not in rejected}
        if unrecorded or notes:
            apartments, competitors = self._usable([*unrecorded.values(), *notes.values()], read)
            self._refuse_unrecorded(unrecorded, apartments, competitors, rejected)
            self._refuse_notes_elsewhere(notes, apartments, rejected)
            accepted.update(self._write_notes(notes, rejected))
        return [uuid for uuid in dict.fromkeys(event["uuid"] for event in events) if uuid in accepted], lead_ids

    def _check_events(self, events):
        """The values of the visits and of the notes that pass their checks,
        by uuid, and the reason of the others: ({uuid: values}, {uuid:
        values}, {uuid: reason}). An event sent twice in the batch counts
        once."""
        visits, notes, invalid = {}, {}, {}
        latest = self._latest_device_second()
        for event in events:
            uuid = event["uuid"]
            if uuid in visits or uuid in notes or uuid in invalid:
                continue
            try:
                if event.get("type") == "note":
                    notes[uuid] = self._note_values(event, latest)
                else:
                    visits[uuid] = self._visit_values(event, latest)
            except (UserError, ValidationError) as error:
                invalid[uuid] = str(error.args[0])
        return visits, notes, invalid

    def _has_uuid(self, event, rejected):
        uuid = event.get("uuid") if isinstance(event, dict) else None
        if isinstance(uuid, str) and 0 < len(uuid) <= UUID_MAX_LENGTH:
            return True
        rejected[str(uuid)[:UUID_MAX_LENGTH]] = self.env._("The event has no valid uuid.")
        return False

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

    def _visit_values(self, event, latest):
        if event.get("type", "visit") not in EVENT_TYPES:
            raise ValidationError(self.env._("Unknown event type “%(type)s”.", type=event.get("type")))
        result = event.get("result")
        if result not in RESULT_CODES:
            self.env["d2d.visit"]._check_result(result)
        # the columns of the INSERT (see _record_visits_sql): those left out are null
        vals = {
            "uuid": event["uuid"],
            "apartment_id": self._int(event.get("apartment_id")),
            "result": result,
            "time": self._device_seconds(event.get("time"), latest),
        }
        if note := self._text(event.get("note")):
            vals["note"] = note
        if result == "competitor":
            vals["competitor_id"] = self._int(event.get("competitor_id"), self.env._("Say which competitor."))
        if result == "lead":
            vals["phone"] = self.env["d2d.visit"]._lead_phone(self._text(event.get("phone")))
            if contact_name := self._text(event.get("contact_name")):
                vals["contact_name"] = contact_name
            if event.get("service") in SERVICE_CODES:
                vals["service_interest"] = event["service"]
        return vals

    def _note_values(self, event, latest):
        return {
            "apartment_id": self._int(event.get("apartment_id")),
            "note": self._text(event.get("note")) or False,
            "time": self._device_seconds(event.get("time"), latest) if event.get("time") is not None else None,
        }

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

    def _latest_device_second(self):
        """The latest device time a visit may have now, in seconds since the
        epoch (see d2d.visit._check_not_in_future)."""
        return int((fields.Datetime.now() + FUTURE_TOLERANCE - EPOCH).total_seconds())

    def _device_seconds(self, value, latest):
        """Device time in milliseconds since the epoch (as JavaScript counts),
        in whole seconds; refused by d2d.visit._check_not_in_future if later
        than `latest` (see _latest_device_second)."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < MAX_DEVICE_MS:
            raise ValidationError(self.env._("The event has no valid device time."))
        seconds = int(value // 1000)
        if seconds > latest:
            self.env["d2d.visit"]._check_not_in_future(EPOCH + timedelta(seconds=seconds))
        return seconds

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
        and the leads of "lead" visits are opened in one batch.

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
        lead_ids = self._after_insert(inserted, moved) if inserted else []
        return [uuid for _id, uuid, _apartment_id, _result in inserted], recorded, lead_ids

    def _record_visits_sql(self, rows, unchecked, work, device_id):
        """The statement of _record_visits: INSERT the visits of the agent's
        apartments with a known competitor if any, UPDATE the apartments that
        one of them is now the latest visit of, by the rule of
        d2d.apartment._refresh_last_visit (latest device time, then the one
        recorded last: on a tie, the new visit), and look up the events that
        it did not record: its parts see the visits as they were before it,
        so what they find was recorded before. One row: the visits recorded
        [(id, uuid, apartment id, result)], the apartments moved [id], the
        visits recorded before {uuid: agent id}."""
        return SQL(
            """
            WITH events AS MATERIALIZED (
                SELECT * FROM json_to_recordset(%(rows)s) AS v(uuid varchar, apartment_id int, time bigint,
                                                               result varchar, competitor_id int, note text,
                                                               contact_name varchar, phone varchar,
                                                               service_interest varchar)
            ),
            new AS (
                INSERT INTO d2d_visit (uuid, apartment_id, house_id, territory_id, agent_id, visit_date, result,
                                       competitor_id, note, device_id, contact_name, phone, service_interest,
                                       create_uid, write_uid, create_date, write_date)
                     SELECT v.uuid, v.apartment_id, a.house_id, h.territory_id, %(uid)s,
                            to_timestamp(v.time) AT TIME ZONE 'UTC', v.result,
                            v.competitor_id, v.note, %(device)s, v.contact_name, v.phone, v.service_interest,
                            %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                       FROM events v
                       JOIN d2d_apartment a ON a.id = v.apartment_id
                       JOIN d2d_house h ON h.id = a.house_id
                      -- the agent's work, as d2d.apartment._d2d_my_work_domain
                      WHERE (a.house_id = ANY(%(houses)s::int[]) OR a.id = ANY(%(reworked)s::int[]))
                        AND (v.competitor_id IS NULL
                             OR v.competitor_id IN (SELECT c.id FROM d2d_competitor c WHERE c.active))
                ON CONFLICT (uuid) DO NOTHING
                  RETURNING id, uuid, apartment_id, visit_date, result, agent_id, competitor_id
            ),
            latest AS (
                SELECT DISTINCT ON (apartment_id) * FROM new ORDER BY apartment_id, visit_date DESC, id DESC
            ),
            moved AS (
                UPDATE d2d_apartment a
                   SET status = l.result, last_visit_date = l.visit_date, last_agent_id = l.agent_id,
                       last_competitor_id = l.competitor_id
                  FROM latest l
                 WHERE a.id = l.apartment_id
                   AND (a.last_visit_date IS NULL OR l.visit_date >= a.last_visit_date)
             RETURNING a.id
            )
            SELECT (SELECT COALESCE(json_agg(json_build_array(id, uuid, apartment_id, result)), '[]') FROM new),
                   (SELECT COALESCE(json_agg(id), '[]') FROM moved),
                   (SELECT COALESCE(json_object_agg(v.uuid, v.agent_id), '{}') FROM d2d_visit v
                     WHERE v.uuid = ANY(ARRAY(SELECT uuid FROM events
                                              UNION SELECT unnest(%(unchecked)s::varchar[])
                                              EXCEPT SELECT uuid FROM new)))
            """,
            rows=json.dumps(rows),
            unchecked=unchecked,
            houses=work.houses,
            reworked=work.apartments,
            device=device_id,
            uid=self.env.uid,
        )

    def _after_insert(self, inserted, moved):
        """The ORM learns what _record_visits_sql wrote (`inserted` visits,
        `moved` apartment ids), as after _create; the leads of "lead" visits
        are opened: their ids."""
        Visit = self.env["d2d.visit"]
        new_visits = Visit.browse(visit_id for visit_id, _uuid, _apartment_id, _result in inserted)
        new_visits.modified([name for name, field in Visit._fields.items() if field.store], create=True)
        for fname in SQL_COMPUTED_VISIT_FIELDS:  # written by the INSERT itself
            self.env.remove_to_compute(Visit._fields[fname], new_visits)
        Apartment = self.env["d2d.apartment"]
        Apartment.browse({apartment_id for _id, _uuid, apartment_id, _result in inserted}).invalidate_recordset(
            ["visit_ids"]
        )
        moved = Apartment.browse(moved)
        moved.invalidate_recordset(LAST_VISIT_FIELDS)
        moved.modified(LAST_VISIT_FIELDS)
        lead_visits = Visit.browse(visit_id for visit_id, _uuid, _apartment_id, result in inserted if result == "lead")
        if not lead_visits:
            return []
        lead_visits._attach_leads()
        return lead_visits.sudo().lead_id.ids

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
            "no_history": _("No visit yet."),
            "phone_required": _("A lead needs the client's phone number."),
            "session_expired": _("You are signed out: sign in again to send your events."),
            "sign_in": _("Sign in"),
            "switch_user": _("Switch user"),
            "switch_offline": _("Connect to the network to switch user."),
            "other_user": _("Another user is signed in on this tablet: sign in again to work here."),
            # %(count)s is replaced by the app
            "others_waiting": _(
                "%(count)s events of another agent wait on this tablet: they are sent when that agent signs in."
            ),
        }
