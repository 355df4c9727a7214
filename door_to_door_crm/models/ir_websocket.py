import re

from odoo import models

# The channel on which a lead's form shares the live editing of its notes.
LEAD_EDITOR_CHANNEL = re.compile(r"editor_collaboration:crm\.lead:\w+:(\d+)$")


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _prepare_subscribe_data(self, channels, last):
        """A lead's open form listens to the live editing of its notes. When
        a move takes the lead out of the user's sight (a coordinator's return,
        a quality call), the browser may ask for that channel once more:
        leave it out, instead of refusing the user's whole subscription, and
        with it every live notification of the user."""
        if self.env.uid and not self.env.user._is_public():
            channels = [channel for channel in channels if not self._d2d_lead_out_of_sight(channel)]
        return super()._prepare_subscribe_data(channels, last)

    def _d2d_lead_out_of_sight(self, channel):
        match = LEAD_EDITOR_CHANNEL.match(channel) if isinstance(channel, str) else None
        if not match:
            return False
        lead = self.env["crm.lead"].browse(int(match[1])).exists()
        return bool(lead) and not (lead.has_access("read") and lead.has_access("write"))
