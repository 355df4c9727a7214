from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from ..models.crm_stage import D2D_STAGE_CODES

# Aggregators Odoo's read_group lacks, for the pivot and graph views: a field
# declared with `aggregator="median"` or `"p90"` is aggregated by PostgreSQL's
# percentile_cont over the rows of each cell, so every cell and total of the
# pivot is the true percentile of its rows (a percentile of percentiles, which
# a pre-aggregated table would give, is not).
PERCENTILE_AGGREGATORS = {"median": 0.5, "p90": 0.9}


class D2dStageTime(models.Model):
    """Where leads wait: one row per lead and step it reached, with when it
    entered and left the step and the hours it waited there, read from the
    stage log of the leads (`d2d.lead.stage.log`). The final step (done) is
    no wait and has no row."""

    _name = "d2d.stage.time"
    _description = "Time of the leads at each door-to-door step"
    _auto = False
    _order = "date_entered, id"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True)
    stage_id = fields.Many2one("crm.stage", string="Stage", readonly=True)
    step = fields.Selection(D2D_STAGE_CODES, string="Step", readonly=True)
    territory_id = fields.Many2one("d2d.territory", string="Territory", readonly=True)
    # the lead's company: the company rule reads it (no column: a row's lead fixes it)
    company_id = fields.Many2one(related="lead_id.company_id", string="Company")
    agent_id = fields.Many2one("res.users", string="Agent", readonly=True)
    date_entered = fields.Datetime(string="Entered", readonly=True)
    date_left = fields.Datetime(string="Left", readonly=True)
    is_waiting = fields.Boolean(string="Waiting now", readonly=True, help="The lead is still at this step.")
    hours = fields.Float(
        string="Hours (average)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Hours the lead spent at the step; empty while it waits there.",
    )
    hours_median = fields.Float(string="Hours (median)", readonly=True, aggregator="median", digits=(16, 1))
    hours_p90 = fields.Float(string="Hours (90th percentile)", readonly=True, aggregator="p90", digits=(16, 1))
    waiting_hours = fields.Float(
        string="Hours so far", compute="_compute_waiting_hours", digits=(16, 1), help="Hours at the step until now."
    )

    def init(self):
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    def _query(self):
        """Each log row opens a step; the next row of the same lead closes it."""
        return SQL(
            """
            WITH moves AS (
                SELECT log.id, log.lead_id, log.stage_id, log.date,
                       LEAD(log.date) OVER (PARTITION BY log.lead_id ORDER BY log.date, log.id) AS date_left
                  FROM d2d_lead_stage_log log
            )
            SELECT moves.id,
                   moves.lead_id,
                   moves.stage_id,
                   stage.d2d_code AS step,
                   lead.d2d_territory_id AS territory_id,
                   lead.user_id AS agent_id,
                   moves.date AS date_entered,
                   moves.date_left,
                   moves.date_left IS NULL AS is_waiting,
                   EXTRACT(EPOCH FROM moves.date_left - moves.date) / 3600.0 AS hours,
                   EXTRACT(EPOCH FROM moves.date_left - moves.date) / 3600.0 AS hours_median,
                   EXTRACT(EPOCH FROM moves.date_left - moves.date) / 3600.0 AS hours_p90
              FROM moves
              JOIN crm_stage stage ON stage.id = moves.stage_id
              JOIN crm_lead lead ON lead.id = moves.lead_id
             WHERE stage.d2d_code IS NOT NULL AND stage.d2d_code != 'done'
            """
        )

    @api.depends("date_entered", "date_left")
    def _compute_waiting_hours(self):
        now = fields.Datetime.now()
        for row in self:
            end = row.date_left or now
            row.waiting_hours = (end - row.date_entered).total_seconds() / 3600.0 if row.date_entered else 0.0

    def _read_group_select(self, aggregate_spec, query):
        """`<field>:median` and `<field>:p90` as percentile_cont, the rest as Odoo does."""
        if aggregate_spec == "__count":
            return super()._read_group_select(aggregate_spec, query)
        fname, __, func = parse_read_group_spec(aggregate_spec)
        if func not in PERCENTILE_AGGREGATORS:
            return super()._read_group_select(aggregate_spec, query)
        if fname not in self._fields:
            raise ValueError(f"Invalid field {fname!r} on model {self._name!r} for {aggregate_spec!r}.")
        column = self._field_to_sql(self._table, fname, query)
        return SQL("percentile_cont(%s) WITHIN GROUP (ORDER BY %s)", PERCENTILE_AGGREGATORS[func], column)
