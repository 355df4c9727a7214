from odoo import api, fields, models


class D2dStageCompanyLimit(models.Model):
    """A company's own time limit at a step of the workflow, in place of the
    stage's: regional companies whose crews or call-centre work at another
    pace escalate on their own clock."""

    _name = "d2d.stage.company.limit"
    _description = "Time limit of a step for a company"
    _order = "stage_id, company_id"
    _check_company_auto = True

    stage_id = fields.Many2one(
        "crm.stage",
        string="Step",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("d2d_code", "!=", False)],
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    time_limit_hours = fields.Integer(
        string="Time limit (hours)",
        required=True,
        help="How long a lead of this company may wait at this step before it is escalated. 0: no limit.",
    )

    _sql_constraints = [
        ("stage_company_uniq", "UNIQUE (stage_id, company_id)", "A company has one time limit per step."),
        ("time_limit_positive", "CHECK (time_limit_hours >= 0)", "A time limit cannot be negative."),
    ]

    @api.depends("stage_id", "company_id")
    def _compute_display_name(self):
        for limit in self:
            limit.display_name = f"{limit.stage_id.name} ({limit.company_id.name})"
