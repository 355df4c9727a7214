from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# The labels are the names the stages of data/crm_stage_data.xml are given:
# one set of step names for the columns, the status bar, the reports and the
# tablet (tests/test_lead_views.py keeps them in step).
D2D_STAGE_CODES = [
    ("new", "New"),
    ("review", "Review"),
    ("coordination", "Coordination"),
    ("scheduled", "Installation"),
    ("quality", "Quality call"),
    ("done", "Connected"),
]
# What a door-to-door manager who is not a Sales manager may change on a
# stage (ir.model.access.csv gives them write on crm.stage for these only).
D2D_STAGE_FIELDS = frozenset({"d2d_code", "d2d_time_limit_hours", "d2d_company_limit_ids"})


class CrmStage(models.Model):
    _inherit = "crm.stage"

    d2d_code = fields.Selection(
        D2D_STAGE_CODES,
        string="Door-to-door step",
        copy=False,
        index="btree_not_null",
        help="The step of the door-to-door workflow this stage stands for. The workflow finds its stages by "
        "this code only, so stages can be renamed and reordered freely.",
    )

    d2d_time_limit_hours = fields.Integer(
        string="Time limit (hours)",
        default=48,
        help="How long a door-to-door lead may wait at this step before it is escalated to the supervisor, "
        "then to a manager. 0: no limit.",
    )

    d2d_company_limit_ids = fields.One2many(
        "d2d.stage.company.limit",
        "stage_id",
        string="Time limits of the companies",
        help="A company's own time limit at this step, in place of the one above.",
    )

    def _d2d_time_limit(self, company):
        """The time limit of the step for the leads of `company` (hours)."""
        self.ensure_one()
        own = self.d2d_company_limit_ids.filtered(lambda limit: limit.company_id == company)
        return own[:1].time_limit_hours if own else self.d2d_time_limit_hours

    @api.constrains("d2d_time_limit_hours")
    def _check_d2d_time_limit(self):
        if any(stage.d2d_time_limit_hours < 0 for stage in self):
            raise ValidationError(self.env._("A time limit cannot be negative."))

    def write(self, vals):
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            if set(vals) - D2D_STAGE_FIELDS:
                raise AccessError(
                    self.env._(
                        "You can change only the door-to-door step and time limit of a stage; "
                        "the rest of the pipeline is for Sales managers."
                    )
                )
        return super().write(vals)

    def init(self):
        # One stage per step of the workflow: the code finds stages by d2d_code.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS crm_stage_d2d_code_uniq
                ON crm_stage (d2d_code) WHERE d2d_code IS NOT NULL
            """
        )
