from odoo import api, fields, models
from odoo.tools import SQL

# The measures that are shares: their aggregate over any group is the ratio
# of the sums of its counts (see _read_group_select), not a sum of shares.
SHARES = {
    "share_known": ("apartment_count", "known_count"),
    "share_total": ("apartment_count", "total_count"),
}


class D2dMarketShare(models.Model):
    """Market monitoring: one row per house and provider (ours, or each
    competitor, a row with 0 apartments included), with the apartments whose
    latest status is that provider's client, the apartments whose provider
    is known (ours + competitors') and all the apartments of the house. The
    counts add up over any group (a territory, a street, all the city) and the
    shares are the ratios of those sums, whatever the pivot groups by.

    A view over the apartments' stored latest status (d2d.apartment.status,
    kept from the visit log): one scan of the apartments, no visit read."""

    _name = "d2d.market.share"
    _description = "Door-to-door market share"
    _auto = False
    _order = "territory_id, house_id, is_ours desc, provider"
    _rec_name = "provider"

    house_id = fields.Many2one("d2d.house", string="House", readonly=True)
    territory_id = fields.Many2one("d2d.territory", string="Territory", readonly=True)
    # the territory's company: the company rule reads it (no column: a row's territory fixes it)
    company_id = fields.Many2one(related="territory_id.company_id", string="Company")
    competitor_id = fields.Many2one("d2d.competitor", string="Competitor", readonly=True)
    is_ours = fields.Boolean(string="Ours", readonly=True)
    provider = fields.Char(readonly=True, help="Our company, or the competitor.")
    apartment_count = fields.Integer(string="Apartments of the provider", readonly=True)
    known_count = fields.Integer(
        string="Apartments with a known provider", readonly=True, help="Our clients and the competitors' clients."
    )
    total_count = fields.Integer(string="All apartments", readonly=True)
    share_known = fields.Float(
        string="Share of known providers (%)",
        readonly=True,
        aggregator="avg",
        help="Of the apartments whose provider is known.",
    )
    share_total = fields.Float(string="Share of all apartments (%)", readonly=True, aggregator="avg")

    def init(self):
        self.env.cr.execute(SQL("DROP VIEW IF EXISTS %s", SQL.identifier(self._table)))
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._d2d_rows_sql(self._d2d_current_status_sql()),
            )
        )

    def _d2d_current_status_sql(self):
        """(house_id, provider, apartments, known, total) per house and
        provider (0: ours, else the competitor's id), from the apartments'
        latest status."""
        return SQL(
            """
            SELECT a.house_id,
                   CASE WHEN a.status = 'client' THEN 0
                        WHEN a.status = 'competitor' THEN a.last_competitor_id END AS provider,
                   count(*) AS apartments
              FROM d2d_apartment a
             GROUP BY 1, 2
            """
        )

    def _d2d_rows_sql(self, counts, month=None):
        """The rows of the report from `counts` (see _d2d_current_status_sql;
        with `month`, one more column of that name): every house and provider,
        with its count, the house's known and total counts, the shares."""
        key = SQL("c.month, ") if month else SQL()
        return SQL(
            """
            WITH counts AS (%(counts)s),
                 houses AS (
                    SELECT %(key)s c.house_id,
                           sum(c.apartments) FILTER (WHERE c.provider IS NOT NULL) AS known,
                           sum(c.apartments) AS total
                      FROM counts c GROUP BY %(key)s c.house_id
                 ),
                 providers AS (
                    -- ours: named after the house's company (see below)
                    SELECT 0 AS provider, NULL::varchar AS name
                     UNION ALL
                    SELECT id, name FROM d2d_competitor
                 )
            SELECT row_number() OVER () AS id, %(key_out)s
                   h.house_id, house.territory_id, p.provider AS provider_key,
                   NULLIF(p.provider, 0) AS competitor_id, p.provider = 0 AS is_ours,
                   COALESCE(p.name, company.name) AS provider,
                   COALESCE(c.apartments, 0) AS apartment_count,
                   h.known AS known_count, h.total AS total_count,
                   100.0 * COALESCE(c.apartments, 0) / NULLIF(h.known, 0) AS share_known,
                   100.0 * COALESCE(c.apartments, 0) / NULLIF(h.total, 0) AS share_total
              FROM houses h
              JOIN d2d_house house ON house.id = h.house_id
              JOIN res_company company ON company.id = house.company_id
             CROSS JOIN providers p
              LEFT JOIN counts c ON c.house_id = h.house_id AND c.provider = p.provider %(key_join)s
            """,
            counts=counts,
            key=key,
            key_out=SQL("h.month::date AS month,") if month else SQL(),
            key_join=SQL("AND c.month = h.month") if month else SQL(),
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """A share over a group is the ratio of the group's sums."""
        field_name, _, aggregate = aggregate_spec.partition(":")
        if field_name in SHARES and aggregate == "avg":
            part, whole = SHARES[field_name]
            return SQL(
                "100.0 * %s / NULLIF(%s, 0)",
                self._read_group_select(f"{part}:sum", query),
                self._read_group_select(f"{whole}:sum", query),
            )
        return super()._read_group_select(aggregate_spec, query)
