from odoo import fields, models

LEAD_EVENT_KINDS = [
    ("lead_update", "Lead fixed"),
    ("lead_submit", "Lead fixed and submitted"),
]


class D2dAgentLeadEvent(models.Model):
    """The tablet's events on leads that the server applied, by their uuid:
    a batch sent again (the answer lost on the way) applies each of them once
    (see d2d.agent.sync._apply_lead_events). Written by the sync in SQL, read
    by the door-to-door managers only."""

    _name = "d2d.agent.lead.event"
    _description = "Lead event of an agent's tablet"
    _order = "date desc, id desc"
    _log_access = False

    uuid = fields.Char(required=True, readonly=True)
    lead_id = fields.Many2one("crm.lead", required=True, readonly=True, ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", string="Agent", required=True, readonly=True, ondelete="cascade")
    kind = fields.Selection(LEAD_EVENT_KINDS, required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    _sql_constraints = [("uuid_unique", "UNIQUE (uuid)", "This lead event was recorded already.")]
