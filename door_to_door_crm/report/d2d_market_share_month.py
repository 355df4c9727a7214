import logging
import time

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class D2dMarketShareMonth(models.Model):
    """Market trends: the market share (d2d.market.share) at the end of each
    month, from the visit log: an apartment's provider at the end of a month
    is the result of its latest visit before the month ended.

    A materialized view (pre-aggregated: the log of a city is a million
    visits), refreshed by a scheduled job (_cron_refresh). Its query reads the
    log once, in the order of d2d_visit_apartment_latest_idx: the last visit
    of each apartment in each month it was visited, then the months each
    status lasts (until the next month with a visit), counted per month,
    house and provider."""

    _name = "d2d.market.share.month"
    _inherit = "d2d.market.share"
    _description = "Door-to-door market share by month"
    _auto = False
    _order = "month desc, territory_id, house_id, is_ours desc, provider"

    month = fields.Date(readonly=True, help="The status at the end of this month.")

    def init(self):
        table = SQL.identifier(self._table)
        self.env.cr.execute(SQL("DROP MATERIALIZED VIEW IF EXISTS %s", table))
        self.env.cr.execute(
            SQL(
                "CREATE MATERIALIZED VIEW %s AS (%s)",
                table,
                self._d2d_rows_sql(self._d2d_month_status_sql(), month=True),
            )
        )
        # REFRESH ... CONCURRENTLY needs a unique index; the pivot filters on the month
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON %s (month, house_id, provider_key)",
                SQL.identifier(f"{self._table}_key_idx"),
                table,
            )
        )

    def _d2d_month_status_sql(self):
        """(month, house_id, provider, apartments) per month-end, house and
        provider (0: ours, a competitor's id, NULL: unknown), all apartments
        of each house counted every month."""
        return SQL(
            """
            WITH monthly AS (
                SELECT DISTINCT ON (v.apartment_id, date_trunc('month', v.visit_date))
                       v.apartment_id, date_trunc('month', v.visit_date)::date AS month,
                       CASE WHEN v.result = 'client' THEN 0
                            WHEN v.result = 'competitor' THEN v.competitor_id END AS provider
                  FROM d2d_visit v
                 ORDER BY v.apartment_id, date_trunc('month', v.visit_date), v.visit_date DESC, v.id DESC
            ),
            spans AS (
                SELECT apartment_id, provider, month AS start,
                       lead(month) OVER (PARTITION BY apartment_id ORDER BY month) AS stop
                  FROM monthly
            ),
            months AS (
                SELECT generate_series(min(month), date_trunc('month', now() AT TIME ZONE 'UTC'),
                                       INTERVAL '1 month')::date AS month
                  FROM monthly
            ),
            known AS (
                SELECT m.month, a.house_id, s.provider, count(*) AS apartments
                  FROM spans s
                  JOIN months m ON m.month >= s.start AND (s.stop IS NULL OR m.month < s.stop)
                  JOIN d2d_apartment a ON a.id = s.apartment_id
                 WHERE s.provider IS NOT NULL
                 GROUP BY 1, 2, 3
            ),
            totals AS (
                SELECT house_id, count(*) AS apartments FROM d2d_apartment GROUP BY house_id
            )
            SELECT * FROM known
             UNION ALL
            SELECT m.month, t.house_id, NULL, t.apartments - COALESCE(sum(k.apartments), 0)
              FROM months m
             CROSS JOIN totals t
              LEFT JOIN known k ON k.month = m.month AND k.house_id = t.house_id
             GROUP BY m.month, t.house_id, t.apartments
            """
        )

    @api.model
    def _cron_refresh(self):
        """Refresh the month-ends from the log, readers not blocked."""
        start = time.perf_counter()
        self.env.cr.execute(SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY %s", SQL.identifier(self._table)))
        self.env.invalidate_all()
        _logger.info("Market share by month refreshed in %.0f ms", (time.perf_counter() - start) * 1000)
