from odoo import models

from .d2d_visit_presence import clean_position


class D2dAgentSync(models.AbstractModel):
    """Proof of presence in the tablet's sync: the position of each knock,
    checked with the event. The flags of the visits it records are set by
    _after_insert, before _d2d_after_sync_visits (see d2d_visit_presence.py)."""

    _inherit = "d2d.agent.sync"

    def _d2d_sync_visit_values(self, event):
        """The position of a visit event: the optional keys `gps_latitude`,
        `gps_longitude` (degrees), `gps_accuracy` (metres) and `gps_time`
        (the fix's time, in milliseconds since the epoch, as `time`). A bad
        position is dropped, the knock is recorded all the same (no fix)."""
        values = super()._d2d_sync_visit_values(event)
        position = clean_position(
            event.get("gps_latitude"), event.get("gps_longitude"), event.get("gps_accuracy"), event.get("gps_time")
        )
        return {**values, **position}
