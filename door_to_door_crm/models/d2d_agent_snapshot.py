import json
from datetime import datetime, timedelta
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

# Changes older than the token by less than this are sent again (see _since).
CHANGES_MARGIN = timedelta(minutes=10)
# The visit history the tablet keeps: at most so many visits per apartment, so many days back.
HISTORY_DAYS = 30
HISTORY_PER_APARTMENT = 5
# Version of the snapshot's compact layout (decodeSnapshot in queue.js reads it).
SNAPSHOT_FORMAT = 2
# The houses the tablet shows, in a query that starts with _work_ctes: an
# array computed once, before the rest of the query runs (an InitPlan).
VISIBLE_HOUSES = SQL("(SELECT visible.houses FROM visible)::int[]")
NO_CHANGES = json.dumps(
    {
        "apartments": [],
        "visits": [],
        "agents": [],
        "leads": [],
        "removed": {"houses": [], "apartments": [], "leads": []},
    }
)
# Ids are PostgreSQL integers; a token naming more ids than this was not made here.
MAX_ID = 2**31 - 1
MAX_TOKEN_IDS = 20_000


class Since(NamedTuple):
    """Since when a tablet needs the changes, and what it was sent then (see
    D2dAgentSync._since)."""

    visit: int  # the visits of higher ids
    margin: datetime  # the visits recorded and the records written after this time
    houses: list  # the houses the tablet was sent
    leads: list  # the leads the tablet was sent


class D2dAgentSync(models.AbstractModel):
    """The snapshot of the agent's territory, and the parts of its query that
    the sync's changes share (see d2d_agent_sync.py for the model).

    The snapshot is the JSON text of one SQL query, in a compact form the
    app decodes (queue.js, decodeSnapshot): apartments as columns, ids as
    steps from the previous one, so that a territory of 5,000 apartments with
    a month of visit history stays within 50 KB gzipped. Device times go to
    the tablet in whole seconds, rounded down as the tablet rounds its own
    (queue.js, ownHistoryRows)."""

    _inherit = "d2d.agent.sync"

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
                       floor(extract(epoch from a.last_visit_date))::bigint AS last,
                       floor(extract(epoch from a.callback_date))::bigint AS callback,
                       a.id - lag(a.id, 1, 0) OVER (ORDER BY a.id) AS id_step,
                       a.entrance_id - lag(a.entrance_id, 1, 0) OVER (ORDER BY a.id) AS entrance_step
                  FROM d2d_apartment a
                 WHERE a.house_id = ANY(%(houses)s)
            ),
            history AS (%(history)s)
            SELECT json_build_object(
                'format', %(format)s,
                'houses', COALESCE((
                    SELECT json_agg(json_build_array(h.id, h.name, h.territory_id, h.entrance_count, h.floor_count,
                                                     NULLIF(h.latitude, 0), NULLIF(h.longitude, 0))
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
                        'lead', COALESCE(json_object_agg(id, lead_id) FILTER (WHERE lead_id IS NOT NULL), '{}'),
                        'callback', COALESCE(json_object_agg(id, callback) FILTER (WHERE callback IS NOT NULL), '{}'))
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
    # THE PARTS OF THE QUERIES (the snapshot's and the sync's changes)
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
        of this agent on the tablet `device`. Only the result, the time and
        the agent of each visit: the client details of a visit (name, phone,
        note) never reach a tablet through the history."""
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
                SELECT v.apartment_id, floor(extract(epoch from v.visit_date))::bigint AS time, v.result, v.agent_id
                  FROM d2d_visit v
                 WHERE v.id > %(visit)s AND v.house_id = ANY(%(houses)s) %(elsewhere)s
                 UNION
                SELECT v.apartment_id, floor(extract(epoch from v.visit_date))::bigint AS time, v.result, v.agent_id
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
                SELECT v.apartment_id, floor(extract(epoch from v.visit_date))::bigint AS time, v.result, v.agent_id,
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

    def _my_leads_sql(self, alias="l"):
        """The condition on crm_lead `alias` of the leads the tablet holds: the
        agent's own open or recently closed door-to-door leads (the record
        rule crm_lead_rule_d2d_agent), not lost ones."""
        lead = SQL.identifier(alias)
        return SQL(
            "%(lead)s.user_id = %(uid)s AND %(lead)s.d2d_stage_code IS NOT NULL"
            " AND NOT %(lead)s.d2d_hidden AND %(lead)s.active"
            " AND (%(lead)s.company_id IS NULL OR %(lead)s.company_id = ANY(%(companies)s))",
            lead=lead,
            uid=self.env.uid,
            companies=self.env.companies.ids,
        )

    def _leads_sql(self, since=None, lead_ids=None):
        """The agent's leads the tablet holds (see _my_leads_sql): those changed
        `since` a token (see _since), or those of `lead_ids`."""
        conditions = []
        if since:
            conditions.append(SQL("AND l.write_date > %s", since.margin))
        if lead_ids is not None:
            conditions.append(SQL("AND l.id = ANY(%s)", lead_ids))
        return SQL(
            """
            SELECT COALESCE(json_agg(json_build_array(
                       l.id, l.name, l.d2d_stage_code, COALESCE(s.name->>%(lang)s, s.name->>'en_US'),
                       l.d2d_apartment_id, l.phone, extract(epoch from l.d2d_installation_date)::bigint, l.active,
                       l.contact_name, l.d2d_service,
                       CASE WHEN l.d2d_stage_code = 'new' THEN returned.reason END,
                       extract(epoch from l.create_date)::bigint)
                       ORDER BY l.id), '[]')
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
              -- the reason of the move that brought the lead where it is (a return's)
              LEFT JOIN LATERAL (
                    SELECT log.reason FROM d2d_lead_stage_log log
                     WHERE log.lead_id = l.id
                  ORDER BY log.date DESC, log.id DESC
                     LIMIT 1
                   ) returned ON true
             WHERE %(mine)s %(conditions)s
            """,
            lang=self.env.lang or "en_US",
            mine=self._my_leads_sql(),
            conditions=SQL(" ").join(conditions),
        )

    def _token_sql(self):
        """Where the tablet is: the last visit id, the time (of this
        transaction, as write dates are), the ids of the visible houses and
        of the leads the tablet is sent (so that the next sync can say which
        of them it must forget, see _removed_sql), and a fingerprint of the
        visible houses and their entrances as the tablet shows them: when it
        changes, the tablet reloads the whole snapshot (a house given to the
        agent or taken away, a layout or an intercom code changed)."""
        return SQL(
            """
            SELECT json_build_object(
                'visit', (SELECT COALESCE(MAX(id), 0) FROM d2d_visit),
                'time', to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'house_ids', to_json(%(houses)s),
                'leads', (SELECT COALESCE(json_agg(l.id ORDER BY l.id), '[]') FROM crm_lead l WHERE %(mine)s),
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
            mine=self._my_leads_sql(),
        )

    def _changes_sql(self, since):
        """What changed since a token (see _since) on the visible houses: the
        apartments visited elsewhere or written since, as they are now, the
        visits recorded since (history) but those of this agent on the tablet
        (see _history_sql), the agent's leads changed since, and what the
        tablet must forget (see _removed_sql). Needs the CTE `history` of
        _history_sql(since). Without a token: no changes."""
        if not since:
            return SQL("%s::json", NO_CHANGES)
        return SQL(
            """
            json_build_object(
                'apartments', COALESCE((
                    SELECT json_agg(json_build_array(a.id, a.status, a.note,
                                                     floor(extract(epoch from a.last_visit_date))::bigint, a.lead_id,
                                                     floor(extract(epoch from a.callback_date))::bigint)
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
                'leads', (%(leads)s),
                'removed', (%(removed)s))
            """,
            houses=VISIBLE_HOUSES,
            margin=since.margin,
            agents=self._agents_sql(),
            leads=self._leads_sql(since=since),
            removed=self._removed_sql(since),
        )

    def _removed_sql(self, since):
        """What the tablet must forget, as {"houses", "apartments", "leads"}
        id lists: the houses it was sent (the token's) that are no longer
        visible, with their apartments; the leads it was sent, and the
        agent's leads changed since, that it may no longer hold (lost,
        hidden, given to another agent). Set-based: the token's ids against
        the visible houses and the leads condition (_my_leads_sql)."""
        return SQL(
            """
            WITH gone_houses AS (
                SELECT array_agg(t.id ORDER BY t.id) AS ids
                  FROM unnest(%(houses)s::int[]) AS t(id)
                 WHERE t.id != ALL(%(visible)s)
            )
            SELECT json_build_object(
                'houses', COALESCE(to_json(gone_houses.ids), '[]'),
                'apartments', COALESCE((
                    SELECT json_agg(a.id ORDER BY a.id) FROM d2d_apartment a
                     WHERE a.house_id = ANY(gone_houses.ids)), '[]'),
                'leads', COALESCE((
                    SELECT json_agg(l.id ORDER BY l.id)
                      FROM crm_lead l
                     WHERE l.id IN (SELECT unnest(%(leads)s::int[])
                                    UNION
                                    SELECT c.id FROM crm_lead c
                                     WHERE c.user_id = %(uid)s AND c.write_date > %(margin)s
                                       AND c.d2d_stage_code IS NOT NULL)
                       AND NOT COALESCE(%(mine)s, false)), '[]'))
              FROM gone_houses
            """,
            houses=since.houses,
            visible=VISIBLE_HOUSES,
            leads=since.leads,
            uid=self.env.uid,
            margin=since.margin,
            mine=self._my_leads_sql(),
        )

    def _since(self, token):
        """Since when a tablet with this token needs the changes, or None for
        a token the server did not make: (visit id, time margin, house ids,
        lead ids). A change made by a transaction still open when the token
        was made carries an earlier date, or a lower id than the token's: the
        changes are looked for a little further back (the tablet merges a
        repeat harmlessly). The token comes from the tablet: whatever it
        holds, a bad one is no token."""
        if not isinstance(token, dict):
            return None
        visit = token.get("visit") or 0
        if not self._is_id(visit, zero=True):
            return None
        try:
            time = fields.Datetime.to_datetime(token.get("time"))
            margin = time - CHANGES_MARGIN if time else None
        except (TypeError, ValueError, OverflowError):
            return None
        if not margin:
            return None
        return Since(visit, margin, self._token_ids(token.get("house_ids")), self._token_ids(token.get("leads")))

    def _token_ids(self, ids):
        """The ids of a token's list, or none when it is not a list of ids."""
        if not isinstance(ids, list) or len(ids) > MAX_TOKEN_IDS or not all(map(self._is_id, ids)):
            return []
        return ids

    @api.model
    def _is_id(self, value, zero=False):
        """Whether `value` (a JSON value) can be the id of a record."""
        return type(value) is int and (0 if zero else 1) <= value <= MAX_ID
