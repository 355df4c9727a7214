from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .crm_lead import MANAGER_GROUP

# The system parameters the door-to-door settings keep (the same for every
# company): field -> key.
D2D_PARAMETERS = {
    "d2d_map_tile_url": "door_to_door_crm.map_tile_url",
    "d2d_map_tile_attribution": "door_to_door_crm.map_tile_attribution",
}


class D2dSettings(models.TransientModel):
    """The door-to-door settings, for the door-to-door manager. Not fields of
    `res.config.settings`: Odoo lets only administrators save those (its
    `execute()` refuses anyone else), and the manager configures the
    workflow without being one. The values live in system parameters, which
    only administrators may touch: this screen reads and writes them as
    superuser, after checking that the user is a door-to-door manager. The
    staff on duty and the retention of closed leads belong to the current
    company (fields of `res.company`, as Odoo keeps a company's settings)."""

    _name = "d2d.settings"
    _description = "Door-to-door settings"

    company_id = fields.Many2one(
        "res.company",
        string="Company",
        default=lambda self: self.env.company,
        readonly=True,
        help="The staff on duty and the hiding of closed leads are set for this company; switch company to set "
        "another's.",
    )
    d2d_hide_closed_after_days = fields.Integer(
        string="Hide closed leads after (days)",
        default=lambda self: self._d2d_company().d2d_hide_closed_after_days,
        help="Agents and installers stop seeing a lead this many days after it was won or lost.",
    )
    d2d_default_coordinator_id = fields.Many2one(
        "res.users",
        string="Coordinator on duty",
        default=lambda self: self._d2d_company().d2d_coordinator_id.id,
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_coordinator").id)],
        help="Gets the activity of every lead that reaches coordination.",
    )
    d2d_default_callcenter_id = fields.Many2one(
        "res.users",
        string="Quality-call operator",
        default=lambda self: self._d2d_company().d2d_callcenter_id.id,
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_callcenter").id)],
        help="Gets the activity of every lead that waits for its quality call.",
    )
    d2d_map_tile_url = fields.Char(
        string="Map tile URL",
        default=lambda self: self._d2d_get_param("d2d_map_tile_url") or "",
        help="Template of the map's tile images, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png. Empty: the "
        "maps show the houses on a plain background and load nothing from the network.",
    )
    d2d_map_tile_attribution = fields.Char(
        string="Map attribution",
        default=lambda self: self._d2d_get_param("d2d_map_tile_attribution") or "",
        help="Credit the tile provider requires, shown on the maps (e.g. © OpenStreetMap contributors).",
    )

    d2d_geocode_houses = fields.Boolean(
        string="Locate houses on the map",
        default=lambda self: self._d2d_geocode_cron().active,
        help="Every hour, look up the coordinates of the houses that have none from their address, with the map "
        "service chosen in Odoo's settings (Geolocation; OpenStreetMap by default, one request a second).",
    )

    @api.constrains("d2d_hide_closed_after_days")
    def _check_d2d_hide_closed_after_days(self):
        if any(settings.d2d_hide_closed_after_days < 0 for settings in self):
            raise ValidationError(
                self.env._("The number of days after which closed leads are hidden cannot be negative.")
            )

    @api.constrains("d2d_map_tile_url")
    def _check_d2d_map_tile_url(self):
        for settings in self:
            url = (settings.d2d_map_tile_url or "").strip()
            if url and not url.startswith(("https://", "http://", "/")):
                raise ValidationError(
                    self.env._("The map tile URL must start with https://, http:// or / (a path on this server).")
                )

    def execute(self):
        """Save the settings; the agents' and installers' record rules read
        the hidden flag of the leads, refreshed at once."""
        self.ensure_one()
        parameters = self._d2d_parameters()
        self._d2d_company().write(
            {
                "d2d_hide_closed_after_days": self.d2d_hide_closed_after_days,
                "d2d_coordinator_id": self.d2d_default_coordinator_id.id,
                "d2d_callcenter_id": self.d2d_default_callcenter_id.id,
            }
        )
        self._d2d_geocode_cron().active = self.d2d_geocode_houses
        for name in ("d2d_map_tile_url", "d2d_map_tile_attribution"):
            parameters.set_param(D2D_PARAMETERS[name], (self[name] or "").strip())
        self.env["crm.lead"].sudo()._cron_d2d_hide_closed_leads(batch_size=None)
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
    def _d2d_geocode_cron(self):
        self._d2d_parameters()
        return self.env.ref("door_to_door_crm.ir_cron_d2d_geocode_houses").sudo()

    @api.model
    def _d2d_company(self):
        """The current company, as superuser once the user is checked."""
        self._d2d_parameters()
        return self.env.company.sudo()
