import math
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Mean radius of the Earth (IUGG), in metres: the haversine distance.
EARTH_RADIUS_M = 6371008.8
EPOCH = datetime(1970, 1, 1)
# Fix times from this one on (the year 10000) are not times.
MAX_FIX_MS = 253_402_300_800_000

# The thresholds of the proof of presence: system parameter -> default. The
# door-to-door settings show them (d2d.settings, d2d_settings_presence.py).
PRESENCE_PARAMETERS = {
    # a knock further from the house than this radius, widened by the fix's
    # accuracy, is "far"
    "door_to_door_crm.presence_radius_m": 50,
    # a fix less precise than this is "inaccurate"
    "door_to_door_crm.presence_max_accuracy_m": 100,
    # a fix taken this long before (or after) the knock is "stale"; the
    # tablet accepts a cached fix up to a minute old
    "door_to_door_crm.presence_max_fix_age_s": 120,
    # more knocks than this in a minute are "too fast"
    "door_to_door_crm.presence_max_doors_per_minute": 5,
    # so is a walk between two houses faster than this
    "door_to_door_crm.presence_max_speed_kmh": 20,
}


def haversine_m(lat1, lon1, lat2, lon2):
    """The great-circle distance in metres between two points in degrees
    (the SQL of _distance_sql computes the same)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def clean_position(latitude, longitude, accuracy=None, fix_ms=None):
    """The position values of a visit from what a device sent, or {} (no fix)
    when it is not a position: numbers in range, an accuracy >= 0, a fix time
    in milliseconds since the epoch (as the event's time). A bad position is
    dropped, never refused: the knock stands without it."""

    def number(value):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return None
        return float(value)

    latitude, longitude, accuracy, fix_ms = map(number, (latitude, longitude, accuracy, fix_ms))
    if latitude is None or longitude is None or not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        return {}
    # rounded as the fields store them (digits=(10, 7)): the sync writes by SQL
    position = {"gps_latitude": round(latitude, 7), "gps_longitude": round(longitude, 7)}
    if accuracy is not None and 0 <= accuracy < 1e7:
        position["gps_accuracy"] = accuracy
    if fix_ms is not None and 0 <= fix_ms < MAX_FIX_MS:
        fix_time = EPOCH + timedelta(milliseconds=int(fix_ms))
        position["gps_time"] = fix_time.strftime("%Y-%m-%d %H:%M:%S")
    return position


def _distance_sql(lat1, lon1, lat2, lon2):
    """SQL of the haversine distance in metres between two points (SQL
    expressions in degrees), as haversine_m."""
    return SQL(
        """2 * %(radius)s * asin(LEAST(1, sqrt(
               power(sin(radians(%(lat2)s - %(lat1)s) / 2), 2)
               + cos(radians(%(lat1)s)) * cos(radians(%(lat2)s)) * power(sin(radians(%(lon2)s - %(lon1)s) / 2), 2)
           )))""",
        radius=EARTH_RADIUS_M,
        lat1=lat1,
        lon1=lon1,
        lat2=lat2,
        lon2=lon2,
    )


class D2dVisit(models.Model):
    """Proof of presence: the position the tablet gave at each knock, its
    distance to the house and a flag (`presence_flag`, see PRESENCE_FLAGS),
    set by one statement for a batch of visits, by both ways visits arrive:
    d2d.visit.create and the tablet's sync (d2d.agent.sync._after_insert).
    The flags never refuse a knock; the supervisors list them (the "Presence
    flags" report) and the agent statistics count them."""

    _inherit = "d2d.visit"

    def init(self):
        super().init()
        # the agent's previous knock and their knocks of the last minute,
        # for each new visit: one index probe each
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS d2d_visit_agent_date_idx ON d2d_visit (agent_id, visit_date DESC, id DESC)"
        )
        # one row per agent, written by every check of their knocks (see _d2d_lock_agents)
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS d2d_presence_agent (
                agent_id integer PRIMARY KEY REFERENCES res_users (id) ON DELETE CASCADE,
                checked_at timestamp NOT NULL
            )
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._d2d_clean_position_values(vals)
        return super().create(vals_list)

    @api.model
    def _create(self, data_list):
        # the new rows only (create() returns replays too); flagged as they
        # are inserted, before what counts them (the agents' statistics)
        visits = super()._create(data_list)
        visits._d2d_check_presence()
        return visits

    @api.model
    def _d2d_clean_position_values(self, vals):
        """Replace the position of `vals` by its checked values (a bad
        position is dropped: no fix). The fix time may be a datetime, its text
        or milliseconds since the epoch."""
        keys = ("gps_latitude", "gps_longitude", "gps_accuracy", "gps_time")
        if not any(key in vals for key in keys):
            return
        raw = {key: vals.pop(key, None) for key in keys}
        fix_ms = raw["gps_time"]
        if isinstance(fix_ms, str | datetime):
            try:
                fix_ms = (fields.Datetime.to_datetime(fix_ms) - EPOCH) // timedelta(milliseconds=1)
            except ValueError:
                fix_ms = None
        vals.update(clean_position(raw["gps_latitude"], raw["gps_longitude"], raw["gps_accuracy"], fix_ms))

    @api.model
    def _d2d_presence_parameters(self):
        """{short name: value} of PRESENCE_PARAMETERS, defaults for bad values."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        values = {}
        for key, default in PRESENCE_PARAMETERS.items():
            try:
                value = float(get_param(key, default))
            except (TypeError, ValueError):
                value = default
            values[key.removeprefix("door_to_door_crm.presence_")] = value if value >= 0 else default
        return values

    def _d2d_lock_agents(self):
        """Write the row of each agent of these visits in d2d_presence_agent
        (in the order of their ids), so that two transactions checking the
        knocks of one agent at the same time do not each judge its knocks
        without the other's: the second waits for the first, then fails to
        serialize (Odoo's transactions are REPEATABLE READ) and Odoo runs it
        again, in a transaction that sees the first one's knocks."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO d2d_presence_agent (agent_id, checked_at)
                     SELECT DISTINCT agent_id, now() AT TIME ZONE 'UTC' FROM d2d_visit
                      WHERE id = ANY(%s) ORDER BY agent_id
                ON CONFLICT (agent_id) DO UPDATE SET checked_at = EXCLUDED.checked_at
                """,
                self.ids,
            ),
            # a serialization failure is expected and retried: not a "bad query"
            log_exceptions=False,
        )

    def _d2d_check_presence(self):
        """Set the distance to the house and the presence flag of these
        visits, in one statement: the position of each, its house, the
        agent's previous knock (by device time) and the agent's knocks of the
        minute before it, read through d2d_visit_agent_date_idx. The order of
        the flags is that of their weight: no fix, stale, far (even with the
        fix's accuracy), inaccurate, too fast, repeated, else ok. A house
        without coordinates gives no distance: its visits stay unflagged
        unless another flag than "far" applies.

        The knocks of the minute are counted only up to one more than the
        threshold (LIMIT): PostgreSQL cannot know how many knocks a minute
        holds and guesses 0.5 % of the agent's knocks (5,000 of an agent's
        million) for each visit. The cost it then expects (1.6 million for 200
        visits) is far above jit_above_cost, and JIT-compiling the statement
        took 530 ms of its 545 ms, the probes themselves a few ms."""
        if not self:
            return
        self.flush_recordset()
        # the SQL below reads the houses' places: one set in this transaction counts
        self.env["d2d.house"].flush_model(["latitude", "longitude"])
        self._d2d_lock_agents()
        params = self._d2d_presence_parameters()
        # "too fast" is more knocks than the threshold: counting beyond its
        # next integer changes no flag
        doors_limit = int(min(params["max_doors_per_minute"], 2**62)) + 1
        has_fix = SQL("v.gps_latitude IS NOT NULL AND v.gps_longitude IS NOT NULL")
        house_located = SQL("(COALESCE(h.latitude, 0) <> 0 OR COALESCE(h.longitude, 0) <> 0)")
        prev_located = SQL("(COALESCE(p.h_lat, 0) <> 0 OR COALESCE(p.h_lon, 0) <> 0)")
        self.env.cr.execute(
            SQL(
                """
                WITH measured AS (
                    SELECT v.id,
                           CASE WHEN %(has_fix)s AND %(house_located)s
                                THEN %(distance)s END AS distance,
                           %(has_fix)s AS has_fix,
                           %(house_located)s AS located,
                           v.gps_accuracy AS accuracy,
                           abs(extract(epoch FROM v.visit_date - v.gps_time)) AS fix_age,
                           pace.doors,
                           CASE WHEN p.house_id <> v.house_id AND %(house_located)s AND %(prev_located)s
                                THEN %(walk)s / GREATEST(extract(epoch FROM v.visit_date - p.visit_date), 1) * 3.6
                           END AS speed_kmh,
                           (%(has_fix)s AND p.gps_latitude = v.gps_latitude AND p.gps_longitude = v.gps_longitude
                            AND (p.gps_time IS DISTINCT FROM v.gps_time OR p.house_id <> v.house_id)) AS repeated
                      FROM d2d_visit v
                      JOIN d2d_house h ON h.id = v.house_id
                      LEFT JOIN LATERAL (
                            SELECT pv.house_id, pv.visit_date, pv.gps_latitude, pv.gps_longitude, pv.gps_time,
                                   ph.latitude AS h_lat, ph.longitude AS h_lon
                              FROM d2d_visit pv
                              JOIN d2d_house ph ON ph.id = pv.house_id
                             WHERE pv.agent_id = v.agent_id AND (pv.visit_date, pv.id) < (v.visit_date, v.id)
                             ORDER BY pv.visit_date DESC, pv.id DESC
                             LIMIT 1
                      ) p ON TRUE
                      CROSS JOIN LATERAL (
                            -- counted up to one more than the threshold only:
                            -- no more probes, and an estimate that stays small
                            -- (see the docstring)
                            SELECT count(*) AS doors
                              FROM (SELECT 1
                                      FROM d2d_visit m
                                     WHERE m.agent_id = v.agent_id
                                       AND m.visit_date > v.visit_date - INTERVAL '1 minute'
                                       AND m.visit_date <= v.visit_date
                                     LIMIT %(doors_limit)s) knocks
                      ) pace
                     WHERE v.id = ANY(%(ids)s)
                )
                UPDATE d2d_visit v
                   SET gps_distance = m.distance,
                       presence_flag = CASE
                           WHEN NOT m.has_fix THEN 'no_fix'
                           WHEN m.fix_age > %(max_fix_age_s)s THEN 'stale'
                           WHEN m.distance > %(radius_m)s + COALESCE(m.accuracy, 0) THEN 'far'
                           WHEN m.accuracy > %(max_accuracy_m)s THEN 'inaccurate'
                           WHEN m.doors > %(max_doors_per_minute)s OR m.speed_kmh > %(max_speed_kmh)s THEN 'too_fast'
                           WHEN m.repeated THEN 'repeated'
                           WHEN m.located THEN 'ok'
                       END
                  FROM measured m
                 WHERE v.id = m.id
                """,
                has_fix=has_fix,
                house_located=house_located,
                prev_located=prev_located,
                distance=_distance_sql(
                    SQL("h.latitude"), SQL("h.longitude"), SQL("v.gps_latitude"), SQL("v.gps_longitude")
                ),
                walk=_distance_sql(SQL("p.h_lat"), SQL("p.h_lon"), SQL("h.latitude"), SQL("h.longitude")),
                ids=self.ids,
                doors_limit=doors_limit,
                **params,
            )
        )
        self.invalidate_recordset(["gps_distance", "presence_flag"])
        self.modified(["gps_distance", "presence_flag"])
