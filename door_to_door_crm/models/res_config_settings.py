from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .crm_lead import DEFAULT_HIDE_CLOSED_AFTER_DAYS, MANAGER_GROUP

# The system parameters the door-to-door settings keep: field -> key.
D2D_PARAMETERS = {
    "d2d_hide_closed_after_days": "door_to_door_crm.hide_closed_after_days",
    "d2d_default_coordinator_id": "door_to_door_crm.default_coordinator_id",
    "d2d_default_callcenter_id": "door_to_door_crm.default_callcenter_id",
}


class D2dSettings(models.TransientModel):
    """The door-to-door settings, for the door-to-door manager. Not fields of
    `res.config.settings`: Odoo lets only administrators save those (its
    `execute()` refuses anyone else), and the manager configures the
    workflow without being one. The values live in system parameters, which
    only administrators may touch: this screen reads and writes them as
    superuser, after checking that the user is a door-to-door manager."""

    _name = "d2d.settings"
    _description = "Door-to-door settings"

    d2d_hide_closed_after_days = fields.Integer(
        string="Hide closed leads after (days)",
        default=lambda self: int(self._d2d_get_param("d2d_hide_closed_after_days") or DEFAULT_HIDE_CLOSED_AFTER_DAYS),
        help="Agents and installers stop seeing a lead this many days after it was won or lost.",
    )
    d2d_default_coordinator_id = fields.Many2one(
        "res.users",
        string="Coordinator on duty",
        default=lambda self: self._d2d_get_user_param("d2d_default_coordinator_id"),
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_coordinator").id)],
        help="Gets the activity of every lead that reaches coordination.",
    )
    d2d_default_callcenter_id = fields.Many2one(
        "res.users",
        string="Quality-call operator",
        default=lambda self: self._d2d_get_user_param("d2d_default_callcenter_id"),
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_callcenter").id)],
        help="Gets the activity of every lead that waits for its quality call.",
    )

    @api.constrains("d2d_hide_closed_after_days")
    def _check_d2d_hide_closed_after_days(self):
        if any(settings.d2d_hide_closed_after_days < 0 for settings in self):
            raise ValidationError(
                self.env._("The number of days after which closed leads are hidden cannot be negative.")
            )

    def execute(self):
        """Save the settings; the agents' and installers' record rules read
        the hidden flag of the leads, refreshed at once."""
        self.ensure_one()
        parameters = self._d2d_parameters()
        parameters.set_param(D2D_PARAMETERS["d2d_hide_closed_after_days"], self.d2d_hide_closed_after_days)
        for name in ("d2d_default_coordinator_id", "d2d_default_callcenter_id"):
            parameters.set_param(D2D_PARAMETERS[name], self[name].id or False)
        self.env["crm.lead"].sudo()._cron_d2d_hide_closed_leads()
        return True

    @api.model
    def _d2d_parameters(self):
        """The system parameters, as superuser once the user is checked."""
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Only a door-to-door manager can change the door-to-door settings."))
        return self.env["ir.config_parameter"].sudo()

    @api.model
    def _d2d_get_param(self, name):
        return self._d2d_parameters().get_param(D2D_PARAMETERS[name])

    @api.model
    def _d2d_get_user_param(self, name):
        user_id = self._d2d_get_param(name)
        return self.env["res.users"].sudo().browse(int(user_id)).exists().id if user_id else False
