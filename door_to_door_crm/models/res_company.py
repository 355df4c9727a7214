from odoo import fields, models

from .crm_lead import DEFAULT_HIDE_CLOSED_AFTER_DAYS


class ResCompany(models.Model):
    """The door-to-door settings that differ from one regional company to
    another: its own staff on duty and its own retention of closed leads
    (edited in the door-to-door settings, for the current company)."""

    _inherit = "res.company"

    d2d_hide_closed_after_days = fields.Integer(
        string="Hide closed leads after (days)",
        default=DEFAULT_HIDE_CLOSED_AFTER_DAYS,
        help="Agents and installers stop seeing a lead of this company this many days after it was won or lost.",
    )
    d2d_coordinator_id = fields.Many2one(
        "res.users",
        string="Coordinator on duty",
        help="Gets the activity of every lead of this company that reaches coordination.",
    )
    d2d_callcenter_id = fields.Many2one(
        "res.users",
        string="Quality-call operator",
        help="Gets the activity of every lead of this company that waits for its quality call.",
    )

    _sql_constraints = [
        (
            "d2d_hide_closed_after_days_positive",
            "CHECK (d2d_hide_closed_after_days >= 0)",
            "The number of days after which closed leads are hidden cannot be negative.",
        ),
    ]
