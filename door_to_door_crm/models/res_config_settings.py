from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lead import DEFAULT_HIDE_CLOSED_AFTER_DAYS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    d2d_hide_closed_after_days = fields.Integer(
        string="Hide closed leads after (days)",
        config_parameter="door_to_door_crm.hide_closed_after_days",
        default=DEFAULT_HIDE_CLOSED_AFTER_DAYS,
        help="Agents and installers stop seeing a lead this many days after it was won or lost.",
    )
    d2d_default_coordinator_id = fields.Many2one(
        "res.users",
        string="Coordinator on duty",
        config_parameter="door_to_door_crm.default_coordinator_id",
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_coordinator").id)],
        help="Gets the activity of every lead that reaches coordination.",
    )
    d2d_default_callcenter_id = fields.Many2one(
        "res.users",
        string="Quality-call operator",
        config_parameter="door_to_door_crm.default_callcenter_id",
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_callcenter").id)],
        help="Gets the activity of every lead that waits for its quality call.",
    )

    @api.constrains("d2d_hide_closed_after_days")
    def _check_d2d_hide_closed_after_days(self):
        if any(settings.d2d_hide_closed_after_days < 0 for settings in self):
            raise ValidationError(
                self.env._("The number of days after which closed leads are hidden cannot be negative.")
            )

    def set_values(self):
        result = super().set_values()
        # The agents' and installers' record rules read the flag: refresh it now.
        self.env["crm.lead"]._cron_d2d_hide_closed_leads()
        return result
