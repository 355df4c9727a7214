from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .d2d_visit_presence import PRESENCE_PARAMETERS

# The settings' fields of the proof of presence: field -> system parameter.
PRESENCE_SETTINGS = {
    "d2d_presence_radius_m": "door_to_door_crm.presence_radius_m",
    "d2d_presence_max_accuracy_m": "door_to_door_crm.presence_max_accuracy_m",
    "d2d_presence_max_fix_age_s": "door_to_door_crm.presence_max_fix_age_s",
    "d2d_presence_max_doors_per_minute": "door_to_door_crm.presence_max_doors_per_minute",
    "d2d_presence_max_speed_kmh": "door_to_door_crm.presence_max_speed_kmh",
}


def _default(name):
    key = PRESENCE_SETTINGS[name]

    def default(self):
        value = self._d2d_parameters().get_param(key, PRESENCE_PARAMETERS[key])
        try:
            return float(value)
        except ValueError:
            return PRESENCE_PARAMETERS[key]

    return default


class D2dSettings(models.TransientModel):
    """The thresholds of the proof of presence in the door-to-door settings
    (system parameters PRESENCE_PARAMETERS, see d2d_visit_presence.py)."""

    _inherit = "d2d.settings"

    d2d_presence_radius_m = fields.Float(
        string="Presence radius (m)",
        default=_default("d2d_presence_radius_m"),
        help="A knock further from the house than this, plus the accuracy of the position, is flagged far.",
    )
    d2d_presence_max_accuracy_m = fields.Float(
        string="Least accuracy (m)",
        default=_default("d2d_presence_max_accuracy_m"),
        help="A position less precise than this is flagged inaccurate.",
    )
    d2d_presence_max_fix_age_s = fields.Float(
        string="Oldest position (s)",
        default=_default("d2d_presence_max_fix_age_s"),
        help="A position taken longer than this before or after the knock is flagged stale.",
    )
    d2d_presence_max_doors_per_minute = fields.Float(
        string="Most doors per minute",
        default=_default("d2d_presence_max_doors_per_minute"),
        help="More knocks than this within a minute are flagged too fast.",
    )
    d2d_presence_max_speed_kmh = fields.Float(
        string="Fastest walk (km/h)",
        default=_default("d2d_presence_max_speed_kmh"),
        help="Two knocks in two houses further apart than an agent walks in the time between them are flagged "
        "too fast.",
    )

    @api.constrains(*PRESENCE_SETTINGS)
    def _check_d2d_presence_thresholds(self):
        for settings in self:
            if any(settings[name] < 0 for name in PRESENCE_SETTINGS):
                raise ValidationError(self.env._("The thresholds of the proof of presence cannot be negative."))

    def execute(self):
        result = super().execute()
        parameters = self._d2d_parameters()
        for name, key in PRESENCE_SETTINGS.items():
            parameters.set_param(key, self[name])
        return result
