from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from .d2d_cron import CRON_BATCH_SIZE, locked_batch

# The client card's fields the office needs before booking a crew (with the phone).
CARD_FIELDS = ("d2d_passport", "d2d_passport_issued", "d2d_tariff_id")
PASSPORT_GROUPS = "door_to_door_crm.group_d2d_coordinator,door_to_door_crm.group_d2d_installer"
EQUIPMENT_GROUPS = (
    "door_to_door_crm.group_d2d_supervisor,door_to_door_crm.group_d2d_coordinator,"
    "door_to_door_crm.group_d2d_installer,door_to_door_crm.group_d2d_callcenter"
)


class CrmLead(models.Model):
    """The lead's installation part: the client card the office completes,
    the booking of a crew (schedule, reschedule, cancel), the postponement
    and the crews' calendar. The workflow's moves are in `crm_lead.py`."""

    _inherit = "crm.lead"

    # The passport is for who draws up and checks the contract: the coordinator
    # completes the card (and the manager, who implies every role), the crew
    # checks the passport at the door against the card before connecting.
    # Not the supervisor, who reviews the sale, nor the call-centre, whose
    # quality call needs the client's name and phone, nor the agents.
    d2d_passport = fields.Char(
        string="Passport", groups=PASSPORT_GROUPS, help="Series and number of the client's passport."
    )
    d2d_passport_issued = fields.Char(string="Passport issued by, on", groups=PASSPORT_GROUPS)
    d2d_tariff_id = fields.Many2one(
        "d2d.tariff", string="Tariff", ondelete="restrict", check_company=True, index="btree_not_null"
    )
    # for the office and the crew (the agent's part ends with the sale)
    d2d_equipment_line_ids = fields.One2many(
        "d2d.equipment.line", "lead_id", string="Equipment to reserve", groups=EQUIPMENT_GROUPS
    )
    d2d_card_complete = fields.Boolean(
        string="Ready to book",
        compute="_compute_d2d_card_complete",
        store=True,
        help="The client card holds what the office needs to book a crew: phone, passport and tariff.",
    )
    d2d_installation_ids = fields.One2many("d2d.installation", "lead_id", string="Installations")
    d2d_installation_date = fields.Datetime(
        string="Installation", compute="_compute_d2d_installation_date", store=True, index="btree_not_null"
    )
    d2d_postponed_until = fields.Datetime(string="Postponed until", readonly=True, copy=False, index="btree_not_null")

    # ------------------------------------------------------------------
    # COMPUTES AND CHECKS
    # ------------------------------------------------------------------

    @api.depends("d2d_installation_ids.state", "d2d_installation_ids.start")
    def _compute_d2d_installation_date(self):
        for lead in self:
            planned = lead.d2d_installation_ids._d2d_open()
            lead.d2d_installation_date = min(planned.mapped("start")) if planned else False

    @api.depends("phone", *CARD_FIELDS)
    def _compute_d2d_card_complete(self):
        for lead in self:
            lead.d2d_card_complete = not lead._d2d_card_missing()

    def _d2d_card_missing(self):
        """Labels of the client card's required fields this lead lacks."""
        self.ensure_one()
        labels = {
            "phone": self.env._("phone"),
            "d2d_passport": self.env._("passport series and number"),
            "d2d_passport_issued": self.env._("passport issued by, on"),
            "d2d_tariff_id": self.env._("tariff"),
        }
        return [label for name, label in labels.items() if not self._d2d_card_value(name)]

    def _d2d_card_value(self, name):
        value = self[name]
        return value.strip() if isinstance(value, str) else value

    def _d2d_check_ready(self):
        """The client card the office needs before booking a crew."""
        for lead in self:
            missing = lead._d2d_card_missing()
            if missing:
                raise UserError(
                    self.env._(
                        "“%(lead)s” is not ready to book: complete the client card (%(missing)s).",
                        lead=lead.name,
                        missing=", ".join(missing),
                    )
                )

    def _d2d_check_bookable(self):
        self._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        for lead in self:
            if lead.d2d_stage_code != "coordination" or not lead.active:
                raise UserError(
                    self.env._("“%(lead)s” is not waiting for coordination: it cannot be booked.", lead=lead.name)
                )
        self._d2d_check_ready()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _d2d_move_owned_fields(self):
        return super()._d2d_move_owned_fields() | {"d2d_postponed_until", "d2d_installation_date"}

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_d2d_schedule(self, crew_id, start, stop):
        """Coordinator: book `crew_id` from `start` to `stop` (UTC) for this
        lead, which goes to the crew (coordination → scheduled)."""
        self.ensure_one()
        self._d2d_check_bookable()
        crew = self.env["d2d.crew"]._d2d_bookable_crew(crew_id)
        start, stop = self.env["d2d.installation"]._d2d_parse_times(start, stop)
        crew._d2d_lock_bookings()
        problem = crew._check_slot(start, stop)
        if problem:
            raise UserError(problem)
        values = {"lead_id": self.id, "crew_id": crew.id, "start": start, "stop": stop}
        job = self.env["d2d.installation"].sudo().create(values)
        self._d2d_as_move().write({"d2d_postponed_until": False})
        self._d2d_move(
            "scheduled",
            ("coordination",),
            reason=self.env._(
                "Booked with %(crew)s on %(start)s.", crew=crew.name, start=format_datetime(self.env, start)
            ),
        )
        return job.id

    def action_d2d_cancel_installation(self, reason=None):
        """Coordinator: cancel the planned job of these scheduled leads; they
        go back to coordination, the cancelled job stays in their history."""
        self._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        reason = self._d2d_required_reason(reason)
        jobs = self.d2d_installation_ids._d2d_open()
        without_job = self - jobs.lead_id
        if without_job:
            raise UserError(self.env._("“%(lead)s” has no planned job to cancel.", lead=without_job[0].name))
        return jobs.action_cancel(reason)

    def action_d2d_postpone(self, until, reason=None):
        """Coordinator: keep the lead but hide it until `until`; it comes back
        with an activity then."""
        self._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        reason = self._d2d_required_reason(reason)
        try:
            until = fields.Datetime.to_datetime(until)
        except (TypeError, ValueError):
            until = None
        if not until or until <= fields.Datetime.now():
            raise UserError(self.env._("Postpone to a date in the future."))
        if any(lead.d2d_stage_code != "coordination" or not lead.active for lead in self):
            raise UserError(self.env._("Only a lead waiting for coordination can be postponed."))
        self._d2d_as_move().write({"d2d_postponed_until": until})
        leads = self.sudo()
        leads._d2d_close_step_activities()
        leads._message_log_batch(
            bodies={
                lead.id: self.env._(
                    "%(user)s postponed the lead until %(until)s. Reason: %(reason)s",
                    user=self.env.user.name,
                    until=fields.Datetime.to_string(until),
                    reason=reason,
                )
                for lead in self
            }
        )
        return True

    def action_d2d_open_schedule_wizard(self):
        """The booking wizard, once the client card is complete."""
        self.ensure_one()
        self._d2d_check_bookable()
        return self.env["d2d.schedule.wizard"].create({"lead_id": self.id})._reopen()

    def action_d2d_open_reschedule_wizard(self):
        """The booking wizard for the lead's planned job: another slot."""
        self.ensure_one()
        self._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        job = self.d2d_installation_ids.filtered(lambda job: job.state == "planned")[:1]
        if self.d2d_stage_code != "scheduled" or not job:
            raise UserError(self.env._("“%(lead)s” has no planned job to move.", lead=self.name))
        return self.env["d2d.schedule.wizard"].create({"lead_id": self.id, "installation_id": job.id})._reopen()

    def action_d2d_open_postpone_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Postpone"),
            "res_model": "d2d.postpone.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    def action_d2d_open_calendar(self):
        """The crews' calendar, on the week of the lead's installation."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_installation_action")
        day = self.d2d_installation_date or fields.Datetime.now()
        action["context"] = {"initial_date": fields.Datetime.to_string(day), "search_default_not_cancelled": 1}
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _cron_d2d_wake_postponed(self, batch_size=CRON_BATCH_SIZE):
        """Bring back the leads whose postponement is over, with an activity;
        their time at the step runs again from now. One batch per call."""
        now = fields.Datetime.now()
        over = SQL("SELECT id FROM crm_lead WHERE active AND d2d_postponed_until <= %s", now)
        leads = locked_batch(self, over, batch_size, ["active", "d2d_postponed_until"])
        if leads:
            leads._d2d_as_move().write({"d2d_postponed_until": False, "date_last_stage_update": now})
            leads._d2d_plan_step_activities("coordination")
            leads._message_log_batch(
                bodies=dict.fromkeys(leads.ids, self.env._("The postponement is over: the lead is back."))
            )
        return len(leads)

    def _d2d_responsible_scheduled(self):
        """The leader of the crew of the lead's planned job."""
        result = {}
        for lead in self:
            jobs = lead.d2d_installation_ids._d2d_open()
            result[lead.id] = jobs.sorted("start")[:1].crew_id.leader_id
        return result

    def _d2d_cancel_open_jobs(self):
        """The crew does not go to a lost client: its open jobs are cancelled."""
        jobs = self.d2d_installation_ids._d2d_open()
        if jobs:
            jobs.write({"state": "cancelled", "result_note": self.env._("The lead was lost.")})
