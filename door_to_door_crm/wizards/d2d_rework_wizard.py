from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.crm_lead import OPEN_STEPS
from ..models.d2d_notification import notification

REWORK_RESULTS = ("refusal", "competitor", "closed")


class D2dReworkWizard(models.TransientModel):
    """The supervisor works potential clients from the archive: lost leads and
    apartments whose last knock was a refusal, a competitor's client or nobody
    home, older than a date, and hands a selection to an agent as new work."""

    _name = "d2d.rework.wizard"
    _description = "Hand archived potential clients back to an agent"

    territory_ids = fields.Many2many("d2d.territory", string="Territories")
    before_date = fields.Date(
        string="Older than",
        required=True,
        default=lambda self: fields.Date.context_today(self) - timedelta(days=30),
    )
    include_lost = fields.Boolean(string="Lost leads", default=True)
    lost_reason_ids = fields.Many2many("crm.lost.reason", string="Lost reasons", help="Empty: every reason.")
    include_refusal = fields.Boolean(string="Refusals", default=True)
    include_competitor = fields.Boolean(string="Competitors' clients", default=True)
    include_closed = fields.Boolean(string="Nobody home", default=True)
    agent_id = fields.Many2one(
        "res.users",
        string="Hand to agent",
        domain=lambda self: self.env["res.users"]._d2d_agents_domain(),
    )
    # computed as the supervisor (a stored compute runs as superuser by
    # default): the selection holds only what their rules let them see
    lead_ids = fields.Many2many(
        "crm.lead",
        compute="_compute_selection",
        compute_sudo=False,
        store=True,
        readonly=False,
        string="Lost leads to work again",
        context={"active_test": False},
    )
    apartment_ids = fields.Many2many(
        "d2d.apartment",
        compute="_compute_selection",
        compute_sudo=False,
        store=True,
        readonly=False,
        string="Apartments to knock again",
    )
    note = fields.Char(string="Instructions for the agent")

    @api.depends(
        "territory_ids",
        "before_date",
        "include_lost",
        "lost_reason_ids",
        "include_refusal",
        "include_competitor",
        "include_closed",
    )
    def _compute_selection(self):
        for wizard in self:
            wizard.lead_ids = wizard._find_lost_leads()
            wizard.apartment_ids = wizard._find_apartments() - wizard.lead_ids.d2d_apartment_id

    def _before(self):
        return fields.Datetime.to_datetime(self.before_date) if self.before_date else fields.Datetime.now()

    def _find_lost_leads(self):
        if not self.include_lost:
            return self.env["crm.lead"]
        domain = [
            ("active", "=", False),
            ("d2d_stage_code", "in", OPEN_STEPS),
            ("d2d_apartment_id", "!=", False),
            ("date_closed", "<", self._before()),
        ]
        if self.territory_ids:
            domain.append(("d2d_territory_id", "in", self.territory_ids.ids))
        if self.lost_reason_ids:
            domain.append(("lost_reason_id", "in", self.lost_reason_ids.ids))
        return self.env["crm.lead"].with_context(active_test=False).search(domain, limit=2000)

    def _find_apartments(self):
        results = [
            result
            for result, wanted in zip(
                REWORK_RESULTS, (self.include_refusal, self.include_competitor, self.include_closed), strict=True
            )
            if wanted
        ]
        if not results:
            return self.env["d2d.apartment"]
        domain = [
            ("status", "in", results),
            ("last_visit_date", "<", self._before()),
            ("lead_id", "=", False),
        ]
        if self.territory_ids:
            domain.append(("house_id.territory_id", "in", self.territory_ids.ids))
        return self.env["d2d.apartment"].search(domain, limit=5000)

    def action_hand_over(self):
        self.ensure_one()
        if not self.agent_id:
            raise UserError(self.env._("Choose the agent who gets this work."))
        if not (self.lead_ids or self.apartment_ids):
            raise UserError(self.env._("Nothing is selected: widen the filters or pick apartments and leads."))
        self.env["crm.lead"]._d2d_check_role("door_to_door_crm.group_d2d_supervisor")
        reason = self.env._("Handed back from the archive to %(agent)s.", agent=self.agent_id.name)
        if self.note:
            reason = f"{reason} {self.note}"
        self.lead_ids._d2d_rework(self.agent_id, reason)
        now = fields.Datetime.now()
        (self.apartment_ids | self.lead_ids.d2d_apartment_id).sudo().write(
            {"rework_agent_id": self.agent_id.id, "rework_date": now, "archive_date": False, "archive_reason": False}
        )
        return notification(
            self.env._(
                "%(agent)s gets %(leads)s leads and %(apartments)s apartments to knock again.",
                agent=self.agent_id.name,
                leads=len(self.lead_ids),
                apartments=len(self.apartment_ids),
            ),
            title=self.env._("Work handed over"),
        )
