from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date


class D2dScheduleWizard(models.TransientModel):
    """Proposes the next free slots of one crew or of every crew, and books
    the chosen one in a click; with a job, moves that job instead."""

    _name = "d2d.schedule.wizard"
    _description = "Book an installer crew"

    lead_id = fields.Many2one("crm.lead", required=True)
    installation_id = fields.Many2one(
        "d2d.installation", string="Job to move", help="Set when an already planned job is moved to another slot."
    )
    # the lead's company: its crews only, for a coordinator of several companies
    company_id = fields.Many2one(related="lead_id.company_id")
    crew_id = fields.Many2one("d2d.crew", string="Crew", help="Empty: every crew.", check_company=True)
    duration = fields.Float(string="Duration (hours)", default=2.0, required=True)
    date_from = fields.Datetime(string="From", default=fields.Datetime.now, required=True)
    reason = fields.Char(string="Why move it", help="Kept in the lead's history with the move.")
    slot_ids = fields.One2many("d2d.schedule.slot", "wizard_id", string="Free slots")

    @api.onchange("crew_id", "duration", "date_from")
    def _onchange_search(self):
        # The slots of the other search are gone; "Find free slots" saves the
        # wizard and proposes stored slots, whose "Book" buttons then work (a
        # button on a row not yet saved has no record to call).
        self.slot_ids = [fields.Command.clear()]

    def _proposals(self):
        if self.duration <= 0:
            raise UserError(self.env._("A job lasts more than zero hours."))
        of_the_company = self.env["d2d.crew"]._check_company_domain(self.lead_id.company_id)
        if self.crew_id and not self.crew_id.filtered_domain(of_the_company):
            raise UserError(self.env._("This crew works for another company than the lead's."))
        crews = self.crew_id or self.env["d2d.crew"].search(of_the_company)
        slots = crews._find_slots(
            self.date_from or fields.Datetime.now(),
            timedelta(hours=self.duration),
            exclude=self.installation_id,
        )
        return [{"crew_id": crew.id, "start": start, "stop": stop} for start, stop, crew in slots]

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards.filtered(lambda w: not w.slot_ids):
            wizard.slot_ids = [fields.Command.create(vals) for vals in wizard._proposals()]
        return wizards

    def action_propose(self):
        """Propose the free slots for the search as it is now."""
        self.ensure_one()
        self.slot_ids = [fields.Command.clear()] + [fields.Command.create(vals) for vals in self._proposals()]
        return self._reopen()

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reschedule") if self.installation_id else self.env._("Book a crew"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _book(self, crew, start, stop):
        self.ensure_one()
        if self.installation_id:
            return self.installation_id.action_d2d_reschedule(crew.id, start, stop, reason=self.reason)
        return self.lead_id.action_d2d_schedule(crew.id, start, stop)


class D2dScheduleSlot(models.TransientModel):
    _name = "d2d.schedule.slot"
    _description = "Free slot of a crew"
    _order = "start, crew_id"

    wizard_id = fields.Many2one("d2d.schedule.wizard", required=True, ondelete="cascade")
    crew_id = fields.Many2one("d2d.crew", required=True)
    color = fields.Integer(related="crew_id.color")
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    day = fields.Char(compute="_compute_day", help="The slot's weekday and date, in the user's language and time zone.")

    @api.depends("start")
    @api.depends_context("tz", "lang")
    def _compute_day(self):
        for slot in self:
            local = fields.Datetime.context_timestamp(slot, slot.start) if slot.start else False
            slot.day = format_date(self.env, local, date_format="EEE d MMM") if local else False

    def action_book(self):
        self.ensure_one()
        self.wizard_id._book(self.crew_id, self.start, self.stop)
        return {"type": "ir.actions.act_window_close"}
