import json
from datetime import date, datetime, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.d2d_visit import PRESENCE_FLAGS, VISIT_RESULTS

# The day of a visit or of a lead's move is its date in this time zone (a
# city district works in one); default UTC. Changing it changes which day old
# figures belong to: a manager then runs d2d.agent.stats._d2d_rebuild().
TIMEZONE_PARAM = "door_to_door_crm.stats_timezone"
# Visit results counted in a column of their own ("lead" is the `leads` column).
RESULT_COLUMNS = {code: f"result_{code}" for code, _label in VISIT_RESULTS if code != "lead"}
# Presence flags counted in a column of their own ("ok" and NULL are not flagged).
FLAG_COLUMNS = {code: f"flag_{code}" for code, _label in PRESENCE_FLAGS if code != "ok"}
# Lead moves counted per agent, territory and day of the move.
LEAD_MOVES = ("submitted", "returned", "lost", "connections")
# The leaderboard ranks agents by these figures, in this order.
RANK_MEASURES = ("connections", "leads", "doors")


class D2dAgentStats(models.Model):
    """The supervisor's figures: one row per agent, territory and day, kept
    up to date as visits arrive and leads move (pre-aggregated, never rebuilt
    to answer). Visits count on the day of their device time; lead moves on
    the day of the move, for the lead's agent and territory at that moment.

    Visit figures are added as deltas (INSERT ... ON CONFLICT DO UPDATE SET
    x = x + delta): two transactions that add to one row conflict and
    PostgreSQL makes the second fail to serialize (Odoo runs it again), so the
    sums stay exact. "Apartments covered" is not additive: a new visit adds
    its apartment only when no other visit of it by the same agent that day
    exists, checked in the same statement (the row conflict above covers the
    concurrent case). Visits changed or deleted by a manager, and houses moved
    to another territory, recompute the rows they touch from the log."""

    _name = "d2d.agent.stats"
    _description = "Door-to-door agent statistics"
    _auto = False
    _order = "day desc, agent_id"
    _rec_name = "agent_id"

    agent_id = fields.Many2one("res.users", string="Agent", readonly=True)
    territory_id = fields.Many2one("d2d.territory", string="Territory", readonly=True)
    # the territory's company: the company rule reads it (no column: a row's territory fixes it)
    company_id = fields.Many2one(related="territory_id.company_id", string="Company")
    supervisor_id = fields.Many2one(related="territory_id.supervisor_id", string="Supervisor")
    day = fields.Date(readonly=True)
    doors = fields.Integer(string="Doors knocked", readonly=True)
    doors_opened = fields.Integer(string="Doors opened", readonly=True, help="Doors knocked where somebody was home.")
    apartments = fields.Integer(string="Apartments covered", readonly=True, help="Different apartments knocked.")
    result_closed = fields.Integer(string="Nobody home", readonly=True)
    result_competitor = fields.Integer(string="Competitor's clients", readonly=True)
    result_pensioner = fields.Integer(string="Pensioners", readonly=True)
    result_refusal = fields.Integer(string="Refusals", readonly=True)
    result_client = fields.Integer(string="Already our clients", readonly=True)
    leads = fields.Integer(string="Leads", readonly=True, help="Visits that found a lead.")
    submitted = fields.Integer(string="Leads submitted", readonly=True, help="Leads sent to review that day.")
    returned = fields.Integer(string="Leads returned", readonly=True, help="Leads sent back to the agent that day.")
    lost = fields.Integer(string="Leads lost", readonly=True, help="Leads marked lost that day.")
    connections = fields.Integer(
        readonly=True, help="Leads of the agent that reached the archive, connected, that day."
    )
    lead_rate = fields.Float(
        string="Leads / doors opened (%)", readonly=True, aggregator="avg", help="Average of the days' rates."
    )
    connection_rate = fields.Float(
        string="Connections / leads (%)", readonly=True, aggregator="avg", help="Average of the days' rates."
    )
    first_visit = fields.Datetime(string="First knock", readonly=True, aggregator="min")
    last_visit = fields.Datetime(string="Last knock", readonly=True, aggregator="max")
    field_hours = fields.Float(string="Hours in the field", readonly=True, help="From the first to the last knock.")
    flag_far = fields.Integer(string="Far from the house", readonly=True)
    flag_inaccurate = fields.Integer(string="Inaccurate position", readonly=True)
    flag_no_fix = fields.Integer(string="No position", readonly=True)
    flag_stale = fields.Integer(string="Stale position", readonly=True)
    flag_too_fast = fields.Integer(string="Too fast", readonly=True)
    flag_repeated = fields.Integer(string="Same position repeated", readonly=True)
    flagged = fields.Integer(string="Flagged visits", readonly=True, help="Visits with any presence flag but “near”.")

    # ------------------------------------------------------------------
    # TABLE
    # ------------------------------------------------------------------

    def init(self):
        cr = self.env.cr
        cr.execute("SELECT to_regclass('d2d_agent_stats') IS NOT NULL")
        if cr.fetchone()[0]:
            return
        counts = SQL(", ").join(
            SQL("%s integer NOT NULL DEFAULT 0", SQL.identifier(name))
            for name in (
                "doors",
                "apartments",
                *RESULT_COLUMNS.values(),
                "leads",
                *LEAD_MOVES,
                *FLAG_COLUMNS.values(),
                "flagged",
            )
        )
        cr.execute(
            SQL(
                """
                CREATE TABLE d2d_agent_stats (
                    id serial PRIMARY KEY,
                    agent_id integer NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
                    territory_id integer NOT NULL REFERENCES d2d_territory(id) ON DELETE CASCADE,
                    day date NOT NULL,
                    %(counts)s,
                    first_visit timestamp,
                    last_visit timestamp,
                    doors_opened integer GENERATED ALWAYS AS (doors - result_closed) STORED,
                    lead_rate double precision GENERATED ALWAYS AS
                        (round(100.0 * leads / NULLIF(doors - result_closed, 0), 1)) STORED,
                    connection_rate double precision GENERATED ALWAYS AS
                        (round(100.0 * connections / NULLIF(leads, 0), 1)) STORED,
                    field_hours double precision GENERATED ALWAYS AS
                        (round(EXTRACT(EPOCH FROM last_visit - first_visit) / 3600, 2)) STORED,
                    -- one row per agent, territory and day: what the deltas add to
                    UNIQUE (agent_id, territory_id, day)
                );
                -- the leaderboard and the filters read a period of some territories
                CREATE INDEX d2d_agent_stats_day_territory_idx ON d2d_agent_stats (day, territory_id);
                """,
                counts=counts,
            )
        )
        self._d2d_rebuild()

    @api.model
    def _d2d_rebuild(self):
        """Recompute the visit figures of every agent and day from the log
        (install, or after the time zone changed); lead figures are kept."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE d2d_agent_stats SET apartments = 0, %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(name), None if name in ("first_visit", "last_visit") else 0)
                    for name in self._d2d_visit_columns()
                ),
            )
        )
        day = self._d2d_day_sql(SQL("v.visit_date"))
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO d2d_agent_stats AS s (agent_id, territory_id, day, apartments, %(columns)s)
                SELECT v.agent_id, v.territory_id, %(day)s, count(DISTINCT v.apartment_id), %(sums)s
                  FROM d2d_visit v
                 WHERE v.territory_id IS NOT NULL
                 GROUP BY 1, 2, 3
                ON CONFLICT (agent_id, territory_id, day) DO UPDATE
                   SET apartments = EXCLUDED.apartments, %(sets)s
                """,
                columns=self._d2d_columns_sql(),
                day=day,
                sums=self._d2d_visit_sums(),
                sets=self._d2d_visit_sets(),
            )
        )

    # ------------------------------------------------------------------
    # REFRESH: visits arrive, change, leave; houses move; leads move
    # ------------------------------------------------------------------

    @api.model
    def _d2d_add_visits(self, visit_ids):
        """Add the figures of the new visits `visit_ids` (just inserted, by
        d2d.visit._create or the agent app's sync) to their agents' days."""
        if not visit_ids:
            return
        self.env["d2d.house"].flush_model(["territory_id"])
        self.env["d2d.apartment"].flush_model(["house_id"])
        tz = self._d2d_timezone()
        sums, adds = self._d2d_visit_sums(), self._d2d_visit_adds()
        self.env.cr.execute(
            SQL(
                """
                WITH v AS (
                    SELECT n.id, n.agent_id, h.territory_id, n.apartment_id, n.result, n.presence_flag,
                           n.visit_date, %(day)s AS day
                      FROM d2d_visit n
                      JOIN d2d_apartment a ON a.id = n.apartment_id
                      JOIN d2d_house h ON h.id = a.house_id
                     WHERE n.id = ANY(%(ids)s)
                ),
                -- apartments the agent knocks for the first time that day
                covered AS (
                    SELECT v.agent_id, v.territory_id, v.day, count(DISTINCT v.apartment_id) AS apartments
                      FROM v
                     WHERE NOT EXISTS (
                               SELECT 1 FROM d2d_visit o
                                WHERE o.apartment_id = v.apartment_id AND o.agent_id = v.agent_id
                                  AND o.visit_date >= %(start)s AND o.visit_date < %(stop)s
                                  AND o.id <> ALL(%(ids)s))
                     GROUP BY v.agent_id, v.territory_id, v.day
                )
                INSERT INTO d2d_agent_stats AS s (agent_id, territory_id, day, apartments, %(columns)s)
                SELECT v.agent_id, v.territory_id, v.day, COALESCE(max(c.apartments), 0), %(sums)s
                  FROM v LEFT JOIN covered c USING (agent_id, territory_id, day)
                 GROUP BY v.agent_id, v.territory_id, v.day
                ON CONFLICT (agent_id, territory_id, day) DO UPDATE
                   SET apartments = s.apartments + EXCLUDED.apartments, %(adds)s
                """,
                day=self._d2d_day_sql(SQL("n.visit_date"), tz),
                start=self._d2d_day_start_sql(SQL("v.day"), tz),
                stop=self._d2d_day_start_sql(SQL("v.day + 1"), tz),
                ids=list(visit_ids),
                columns=self._d2d_columns_sql(),
                sums=sums,
                adds=adds,
            ),
            # a serialization failure (two transactions adding to one row) is expected and retried
            log_exceptions=False,
        )

    @api.model
    def _d2d_keys_of_visits(self, domain_sql):
        """The (agent, territory, day) rows that the visits matching `domain_sql` count in."""
        self.env["d2d.visit"].flush_model(["agent_id", "territory_id", "visit_date"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT agent_id, territory_id, %s FROM d2d_visit WHERE territory_id IS NOT NULL AND %s",
                self._d2d_day_sql(SQL("visit_date")),
                domain_sql,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _d2d_recompute(self, keys):
        """Recompute from the log the visit figures of the rows `keys`
        [(agent id, territory id, day)]; the lead figures stay."""
        keys = sorted({(agent_id, territory_id, str(day)) for agent_id, territory_id, day in keys})
        if not keys:
            return
        self.env["d2d.visit"].flush_model()
        tz = self._d2d_timezone()
        self.env.cr.execute(
            SQL(
                """
                WITH k AS (
                    SELECT * FROM json_to_recordset(%(keys)s) AS k(agent_id int, territory_id int, day date)
                )
                INSERT INTO d2d_agent_stats AS s (agent_id, territory_id, day, apartments, %(columns)s)
                SELECT k.agent_id, k.territory_id, k.day, count(DISTINCT v.apartment_id), %(sums)s
                  FROM k
                  LEFT JOIN d2d_visit v ON v.agent_id = k.agent_id AND v.territory_id = k.territory_id
                                       AND v.visit_date >= %(start)s AND v.visit_date < %(stop)s
                 GROUP BY k.agent_id, k.territory_id, k.day
                ON CONFLICT (agent_id, territory_id, day) DO UPDATE
                   SET apartments = EXCLUDED.apartments, %(sets)s
                """,
                keys=json.dumps(
                    [{"agent_id": agent, "territory_id": territory, "day": day} for agent, territory, day in keys]
                ),
                columns=self._d2d_columns_sql(),
                sums=self._d2d_visit_sums(),
                start=self._d2d_day_start_sql(SQL("k.day"), tz),
                stop=self._d2d_day_start_sql(SQL("k.day + 1"), tz),
                sets=self._d2d_visit_sets(),
            ),
            log_exceptions=False,
        )

    @api.model
    def _d2d_add_lead_moves(self, moves):
        """Count the lead moves `moves` [(lead id, move)] (move: one of
        LEAD_MOVES) for each lead's agent and territory, today."""
        moves = [(lead_id, move) for lead_id, move in moves if move in LEAD_MOVES]
        if not moves:
            return
        self.env["crm.lead"].flush_model(["user_id", "d2d_territory_id"])
        self.env.cr.execute(
            SQL(
                """
                WITH m AS (SELECT * FROM json_to_recordset(%(moves)s) AS m(lead_id int, move varchar))
                INSERT INTO d2d_agent_stats AS s (agent_id, territory_id, day, %(columns)s)
                SELECT l.user_id, l.d2d_territory_id, %(today)s, %(counts)s
                  FROM m JOIN crm_lead l ON l.id = m.lead_id
                 WHERE l.user_id IS NOT NULL AND l.d2d_territory_id IS NOT NULL
                 GROUP BY l.user_id, l.d2d_territory_id
                ON CONFLICT (agent_id, territory_id, day) DO UPDATE SET %(adds)s
                """,
                moves=json.dumps([{"lead_id": lead_id, "move": move} for lead_id, move in moves]),
                columns=SQL(", ").join(SQL.identifier(move) for move in LEAD_MOVES),
                today=self._d2d_today(),
                counts=SQL(", ").join(SQL("count(*) FILTER (WHERE m.move = %s)", move) for move in LEAD_MOVES),
                adds=SQL(", ").join(SQL("%s = s.%s + EXCLUDED.%s", *[SQL.identifier(move)] * 3) for move in LEAD_MOVES),
            ),
            log_exceptions=False,
        )

    # The SQL of the visit figures, shared by the deltas and the recompute:
    # aggregates over rows `v` of d2d_visit (in a LEFT JOIN: nothing counts 1).

    @api.model
    def _d2d_visit_columns(self):
        return [
            "doors",
            *RESULT_COLUMNS.values(),
            "leads",
            *FLAG_COLUMNS.values(),
            "flagged",
            "first_visit",
            "last_visit",
        ]

    @api.model
    def _d2d_columns_sql(self):
        return SQL(", ").join(SQL.identifier(name) for name in self._d2d_visit_columns())

    @api.model
    def _d2d_visit_sets(self):
        return SQL(", ").join(
            SQL("%s = EXCLUDED.%s", SQL.identifier(name), SQL.identifier(name)) for name in self._d2d_visit_columns()
        )

    @api.model
    def _d2d_visit_sums(self):
        counts = [
            SQL("count(v.id)"),
            *(SQL("count(*) FILTER (WHERE v.result = %s)", code) for code in RESULT_COLUMNS),
            SQL("count(*) FILTER (WHERE v.result = 'lead')"),
            *(SQL("count(*) FILTER (WHERE v.presence_flag = %s)", code) for code in FLAG_COLUMNS),
            SQL("count(*) FILTER (WHERE v.presence_flag <> 'ok')"),
            SQL("min(v.visit_date)"),
            SQL("max(v.visit_date)"),
        ]
        return SQL(", ").join(counts)

    @api.model
    def _d2d_visit_adds(self):
        adds = [
            SQL("%s = s.%s + EXCLUDED.%s", *[SQL.identifier(name)] * 3)
            for name in self._d2d_visit_columns()
            if name not in ("first_visit", "last_visit")
        ]
        adds.append(SQL("first_visit = LEAST(s.first_visit, EXCLUDED.first_visit)"))
        adds.append(SQL("last_visit = GREATEST(s.last_visit, EXCLUDED.last_visit)"))
        return SQL(", ").join(adds)

    # ------------------------------------------------------------------
    # DAYS
    # ------------------------------------------------------------------

    @api.model
    def _d2d_timezone(self):
        name = self.env["ir.config_parameter"].sudo().get_param(TIMEZONE_PARAM) or "UTC"
        return name if name in pytz.all_timezones_set else "UTC"

    @api.model
    def _d2d_day_sql(self, moment, tz=None):
        """The day (date) of the UTC timestamp `moment` in the statistics' time zone."""
        return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", moment, tz or self._d2d_timezone())

    @api.model
    def _d2d_day_start_sql(self, day, tz):
        """The UTC timestamp at which the date `day` begins in the time zone `tz`."""
        return SQL("((%s)::timestamp AT TIME ZONE %s AT TIME ZONE 'UTC')", day, tz)

    @api.model
    def _d2d_today(self):
        return datetime.now(pytz.timezone(self._d2d_timezone())).date()

    # ------------------------------------------------------------------
    # LEADERBOARD
    # ------------------------------------------------------------------

    @api.model
    def _d2d_periods(self, today=None):
        """{period: ((first day, last day), (first day, last day) of the
        period before)} for today, this week (from Monday) and this month."""
        today = today or self._d2d_today()
        week = today - timedelta(days=today.weekday())
        month = today.replace(day=1)
        previous_month = (month - timedelta(days=1)).replace(day=1)
        return {
            "today": ((today, today), (today - timedelta(days=1),) * 2),
            "week": ((week, week + timedelta(days=6)), (week - timedelta(days=7), week - timedelta(days=1))),
            "month": ((month, self._month_end(month)), (previous_month, month - timedelta(days=1))),
        }

    @staticmethod
    def _month_end(month):
        return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)

    @api.model
    @api.readonly
    def get_leaderboard(self, today=None):
        """The leaderboard, as plain values: for "today", "week" and "month",
        the agents ranked by connections, then leads, then doors, with the
        figures and rank of the period before beside. A supervisor (or a
        manager) gets every agent of the rows they may read; an agent gets
        their own line only, ranked among the agents of their territories.

        {"periods": {period: {"from", "to", "previous_from", "previous_to",
         "agents": [{"agent_id", "name", "rank", "connections", "leads",
         "doors", "previous": {"rank", "connections", "leads", "doors"}}],
         "count": agents ranked}}, "own_only": bool}"""
        self.check_access("read")
        if today is not None:
            today = self._d2d_check_day(today)
        own_only = not self.env.user.has_group("door_to_door_crm.group_d2d_supervisor")
        if own_only:
            territories = (
                self.env["d2d.territory"]
                .sudo()
                .search([("agent_ids", "in", self.env.uid), ("company_id", "in", self.env.companies.ids)])
            )
            stats = self.sudo()
            domain = [("territory_id", "in", territories.ids)]
        else:
            stats, domain = self, []
        periods = {}
        for name, (current, previous) in self._d2d_periods(today).items():
            ranked = stats._d2d_ranked(domain, *current)
            before = {line["agent_id"]: line for line in stats._d2d_ranked(domain, *previous)}
            for line in ranked:
                line["previous"] = {
                    key: before.get(line["agent_id"], {}).get(key, 0 if key != "rank" else None)
                    for key in ("rank", *RANK_MEASURES)
                }
            count = len(ranked)
            if own_only:
                ranked = [line for line in ranked if line["agent_id"] == self.env.uid]
            periods[name] = {
                "from": fields.Date.to_string(current[0]),
                "to": fields.Date.to_string(current[1]),
                "previous_from": fields.Date.to_string(previous[0]),
                "previous_to": fields.Date.to_string(previous[1]),
                "agents": ranked,
                "count": count,
            }
        return {"periods": periods, "own_only": own_only}

    @api.model
    def _d2d_check_day(self, day):
        """The date of `day` (a date or its ISO text), or a clear refusal."""
        if isinstance(day, date):
            return day
        try:
            return date.fromisoformat(day)
        except (TypeError, ValueError):
            raise UserError(self.env._("“%(day)s” is not a date: write it as YYYY-MM-DD.", day=str(day)[:40])) from None

    def _d2d_ranked(self, domain, first_day, last_day):
        """[{agent_id, name, rank, connections, leads, doors}] of the rows of
        `domain` from `first_day` to `last_day`, best first (ties share a rank)."""
        groups = self._read_group(
            [*domain, ("day", ">=", first_day), ("day", "<=", last_day)],
            ["agent_id"],
            [f"{measure}:sum" for measure in RANK_MEASURES],
        )
        lines = sorted(
            (
                {"agent_id": agent.id, "name": agent.sudo().name, **dict(zip(RANK_MEASURES, sums, strict=True))}
                for agent, *sums in groups
            ),
            key=lambda line: ([-line[measure] for measure in RANK_MEASURES], line["name"]),
        )
        rank, previous_key = 0, None
        for position, line in enumerate(lines, start=1):
            key = tuple(line[measure] for measure in RANK_MEASURES)
            if key != previous_key:
                rank, previous_key = position, key
            line["rank"] = rank
        return lines
