from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .d2d_cron import CRON_BATCH_SIZE, locked_batch
from .d2d_notification import notification
from .d2d_phone_rules import normalise_phone
from .d2d_visit import CLIENT_DETAIL_GROUPS, SERVICES

# Steps of the workflow where a lead is still open.
OPEN_STEPS = ("new", "review", "coordination", "scheduled", "quality")
MANAGER_GROUP = "door_to_door_crm.group_d2d_manager"
# The mark of the workflow's own writes (see `_d2d_as_move`). An object and
# not a flag: a context that comes over RPC or from the web client holds only
# plain values, so it can never carry this one.
D2D_MOVE = object()
# What a lost move writes with the workflow's mark (crm's lost wizard passes
# the reason only; its feedback is posted as a message).
LOST_MOVE_FIELDS = frozenset({"lost_reason_id"})
# Days after which a closed (won or lost) lead leaves the agents' and installers' sight.
DEFAULT_HIDE_CLOSED_AFTER_DAYS = 30


class CrmLead(models.Model):
    _inherit = "crm.lead"

    d2d_apartment_id = fields.Many2one(
        "d2d.apartment", string="Apartment", index="btree_not_null", ondelete="restrict", tracking=True
    )
    d2d_house_id = fields.Many2one(
        related="d2d_apartment_id.house_id", string="House", store=True, index="btree_not_null"
    )
    d2d_territory_id = fields.Many2one(
        related="d2d_apartment_id.house_id.territory_id", string="Territory", store=True, index="btree_not_null"
    )
    d2d_stage_code = fields.Selection(
        related="stage_id.d2d_code", string="Door-to-door step", store=True, index="btree_not_null"
    )
    d2d_service = fields.Selection(SERVICES, string="Service of interest", tracking=True)
    # the visits' link to their lead is a client detail (see d2d_visit.CLIENT_DETAIL_GROUPS)
    d2d_visit_ids = fields.One2many("d2d.visit", "lead_id", string="Visits", groups=CLIENT_DETAIL_GROUPS)
    d2d_responsible_id = fields.Many2one(
        "res.users",
        string="Responsible",
        readonly=True,
        index="btree_not_null",
        help="Who must act on the lead at its current step; the workflow plans an activity for them.",
    )
    d2d_deadline = fields.Datetime(
        string="Step deadline",
        compute="_compute_d2d_deadline",
        store=True,
        index="btree_not_null",
        help="Past this time the lead is stuck at its step and is escalated.",
    )
    d2d_is_stuck = fields.Boolean(string="Stuck", compute="_compute_d2d_is_stuck", search="_search_d2d_is_stuck")
    d2d_escalation_level = fields.Selection(
        [("0", "None"), ("1", "Supervisor"), ("2", "Manager")],
        string="Escalated to",
        default="0",
        required=True,
        readonly=True,
        copy=False,
    )
    d2d_hidden = fields.Boolean(
        string="Hidden from the field",
        compute="_compute_d2d_hidden",
        store=True,
        help="Closed for longer than the configured number of days: agents and installers no longer see it.",
    )
    d2d_waiting_days = fields.Integer(
        string="Days at this step",
        compute="_compute_d2d_waiting_days",
        help="Days since the lead reached its current step (or came back from a postponement).",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends(
        "date_last_stage_update",
        "stage_id.d2d_time_limit_hours",
        "stage_id.d2d_company_limit_ids.time_limit_hours",
        "stage_id.d2d_company_limit_ids.company_id",
        "company_id",
        "d2d_stage_code",
        "active",
        "d2d_postponed_until",
    )
    def _compute_d2d_deadline(self):
        for lead in self:
            limit = lead.stage_id._d2d_time_limit(lead.company_id) if lead.stage_id else 0
            open_step = lead.active and lead.d2d_stage_code in OPEN_STEPS
            # a postponed lead is not late: its time runs again from its date
            since = max(filter(None, (lead.date_last_stage_update, lead.d2d_postponed_until)), default=False)
            lead.d2d_deadline = since + timedelta(hours=limit) if open_step and limit and since else False

    def _compute_d2d_is_stuck(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.d2d_is_stuck = bool(lead.d2d_deadline and lead.d2d_deadline < now)

    def _search_d2d_is_stuck(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search stuck leads with “is set” or “is not set” only."))
        stuck = [("d2d_deadline", "<", fields.Datetime.now())]
        return stuck if (operator == "=") == value else ["!", *stuck]

    @api.depends("date_last_stage_update")
    def _compute_d2d_waiting_days(self):
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update
            lead.d2d_waiting_days = (now - since).days if since else 0

    # not on the company's number of days: saving the settings updates every
    # lead at once in SQL (see `_cron_d2d_hide_closed_leads`)
    @api.depends("date_closed", "active", "stage_id.is_won", "company_id")
    def _compute_d2d_hidden(self):
        now = fields.Datetime.now()
        for lead in self:
            closed = not lead.active or lead.stage_id.is_won
            days = (lead.company_id or self.env.company).sudo().d2d_hide_closed_after_days
            lead.d2d_hidden = bool(closed and lead.date_closed and lead.date_closed < now - timedelta(days=days))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _d2d_move_owned_fields(self):
        """Fields that only the workflow moves change (and managers): the
        stage and what the moves keep with it, and the stored values derived
        from them, which the ORM would otherwise let a write overwrite (a
        related or computed column is not read-only to `write()`)."""
        return {
            "stage_id",
            "active",
            "d2d_apartment_id",
            "d2d_responsible_id",
            "d2d_escalation_level",
            "d2d_stage_code",
            "d2d_house_id",
            "d2d_territory_id",
            "d2d_deadline",
            "d2d_hidden",
            "date_last_stage_update",
            "date_closed",
        }

    def _d2d_as_move(self):
        """These leads in an environment whose writes pass the guard of
        `write()`: for the workflow's own moves, after their checks."""
        return self.with_context(d2d_move=D2D_MOVE)

    def _d2d_may_bypass_moves(self):
        return self.env.su or self.env.context.get("d2d_move") is D2D_MOVE or self.env.user.has_group(MANAGER_GROUP)

    @api.model_create_multi
    def create(self, vals_list):
        if not self._d2d_may_bypass_moves() and any(self._d2d_joins_workflow(vals) for vals in vals_list):
            self._d2d_refuse_joining()
        leads = super().create(vals_list)
        # Never stuck: a lead is born with its responsible user and activity.
        open_leads = leads.filtered(lambda lead: lead.d2d_stage_code in OPEN_STEPS).sudo()
        for code in set(open_leads.mapped("d2d_stage_code")):
            open_leads.filtered(lambda lead, code=code: lead.d2d_stage_code == code)._d2d_plan_step_activities(code)
        return leads

    @api.ondelete(at_uninstall=False)
    def _unlink_except_d2d_workflow(self):
        if self._d2d_may_bypass_moves():
            return
        d2d_leads = self.filtered(lambda lead: lead.d2d_stage_code or lead.d2d_apartment_id)
        if d2d_leads:
            raise UserError(
                self.env._(
                    "“%(lead)s” follows the door-to-door workflow: mark it lost instead; "
                    "only a door-to-door manager deletes such leads.",
                    lead=d2d_leads[0].name,
                )
            )

    def write(self, vals):
        if not self._d2d_may_bypass_moves():
            self._d2d_check_manual_write(vals)
        return super().write(vals)

    def _d2d_check_manual_write(self, vals):
        """Refuse a write outside the workflow's moves that changes what the
        moves own: on a lead of the workflow (its current state), or that would
        bring a lead into it (the target values, as hr_holidays checks a
        leave's target state)."""
        owned = self._d2d_move_owned_fields() & set(vals)
        if not owned:
            return
        # Odoo's own refusal first for leads out of the caller's reach: the
        # refusal below names a lead, which the caller must be allowed to see.
        self.check_access("write")
        d2d_leads = self.filtered(lambda lead: lead.d2d_stage_code or lead.d2d_apartment_id)
        if d2d_leads:
            labels = ", ".join(sorted(self._fields[name].get_description(self.env)["string"] for name in owned))
            raise UserError(
                self.env._(
                    "“%(lead)s” follows the door-to-door workflow: %(fields)s change only through its buttons "
                    "(submit, return, send on, schedule, report, quality call, lost).",
                    lead=d2d_leads[0].name,
                    fields=labels,
                )
            )
        if self._d2d_joins_workflow(vals):
            self._d2d_refuse_joining()

    @api.model
    def _d2d_joins_workflow(self, vals):
        """Whether these values would put a lead into the door-to-door
        workflow: a d2d stage (or step code) or an apartment."""
        if vals.get("d2d_apartment_id") or vals.get("d2d_stage_code"):
            return True
        stage = vals.get("stage_id")
        return bool(stage) and bool(self.env["crm.stage"].sudo().browse(stage).exists().d2d_code)

    @api.model
    def _d2d_refuse_joining(self):
        raise UserError(
            self.env._(
                "A door-to-door lead starts at the step “%(stage)s” and is opened by a visit with the result "
                "“lead”, not by hand.",
                stage=self._d2d_stage("new").name,
            )
        )

    # ------------------------------------------------------------------
    # ACTIONS (the moves of the workflow)
    # ------------------------------------------------------------------

    def action_d2d_submit(self):
        """Agent: new → review, for the supervisor to check."""
        self._d2d_check_role("door_to_door_crm.group_d2d_agent")
        not_own = self.filtered(lambda lead: lead.user_id != self.env.user)
        if not_own and not self.env.user.has_group("door_to_door_crm.group_d2d_supervisor"):
            raise UserError(self.env._("Only the agent of “%(lead)s” can submit it.", lead=not_own[0].name))
        self._d2d_check_phone()
        self._d2d_move("review", ("new",))
        return self._d2d_action_after_move(origin="new")

    def action_d2d_return_to_agent(self, reason=None):
        """Supervisor: review → new, with the reason the agent must fix."""
        self._d2d_check_role("door_to_door_crm.group_d2d_supervisor")
        self._d2d_move("new", ("review",), reason=self._d2d_required_reason(reason))
        return self._d2d_action_after_move(origin="review")

    def action_d2d_send_to_coordination(self):
        """Supervisor: review → coordination, to book an installation."""
        self._d2d_check_role("door_to_door_crm.group_d2d_supervisor")
        self._d2d_check_phone()
        self._d2d_move("coordination", ("review",))
        return self._d2d_action_after_move(origin="review")

    def action_d2d_return_to_supervisor(self, reason=None):
        """Coordinator: coordination → review, with a reason."""
        self._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        self._d2d_move("review", ("coordination",), reason=self._d2d_required_reason(reason))
        return self._d2d_action_after_move(origin="coordination")

    def action_d2d_quality_call(self, ok=True, note=None):
        """Call-centre: the client confirms the connection (quality → done),
        or says it does not work (quality → coordination, the note says why)."""
        self._d2d_check_role("door_to_door_crm.group_d2d_callcenter")
        if ok:
            self._d2d_move("done", ("quality",), reason=note)
        else:
            self._d2d_move("coordination", ("quality",), reason=self._d2d_required_reason(note))
        return self._d2d_action_after_move(origin="quality")

    def action_set_lost(self, **additional_values):
        """Lost from any open step, with Odoo's lost reasons; the apartment goes
        to the archive for the supervisor to work again later. Only the lost
        reason rides on the move: any other value goes through the guarded
        `write()`, as if written apart. Returns True (an RPC caller gets an
        answer it can read, not a None it cannot marshal)."""
        self.check_access("write")
        d2d_leads = self.filtered(lambda lead: lead.d2d_stage_code)
        if not d2d_leads:
            super().action_set_lost(**additional_values)
            return True
        d2d_leads._d2d_check_lost_allowed()
        if not additional_values.get("lost_reason_id"):
            raise UserError(self.env._("Choose a lost reason: the archive is worked again by reason."))
        move_values = {name: value for name, value in additional_values.items() if name in LOST_MOVE_FIELDS}
        other_values = {name: value for name, value in additional_values.items() if name not in LOST_MOVE_FIELDS}
        if other_values:
            self.write(other_values)
        # The bookkeeping runs as superuser, in the name of who marked them
        # lost; the step's activity is done before Odoo archives the lead
        # (which would delete it without a trace).
        lost = d2d_leads.sudo()
        lost._d2d_close_step_activities()
        super(CrmLead, self._d2d_as_move()).action_set_lost(**move_values)
        lost._message_log_batch(
            bodies={lead.id: self._d2d_lost_message(lead.stage_id.name, lead.lost_reason_id.name) for lead in lost}
        )
        lost._d2d_archive_apartments()
        lost._d2d_cancel_open_jobs()
        lost._d2d_as_move().write({"d2d_responsible_id": False})
        return True

    def _d2d_action_after_move(self, origin=None):
        """What the web client does once the user moved these leads: reload
        them (True) while the user still sees them; else, as the lead left the
        user's sight with its new step (a coordinator's return, a quality
        call), say where it went and open the next lead of the same queue
        (the oldest one the user sees still waiting at the step `origin` the
        leads left), or the door-to-door leads when none is left. Fresh
        breadcrumbs (target "main"): none leads back to the lead gone."""
        if self.env.su or len(self.with_context(active_test=False).search([("id", "in", self.ids)])) == len(self):
            return True
        step = self.sudo()[:1].stage_id.name
        queue = {
            **self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.crm_lead_action_d2d"),
            "target": "main",
        }
        following = (
            self.search(
                [("d2d_stage_code", "=", origin), ("id", "not in", self.ids)],
                order="date_last_stage_update, id",
                limit=1,
            )
            if origin
            else self.browse()
        )
        if following:
            queue.update(res_id=following.id, views=[(False, "form")], view_mode="form")
        return notification(
            self.env._("The lead went on to the step “%(step)s”, out of your list.", step=step),
            kind="success",
            next_action=queue,
        )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """The door-to-door pipeline shows the door-to-door steps only, not
        the stock CRM columns every team shares."""
        d2d_team = self.env.ref("door_to_door_crm.crm_team_d2d", raise_if_not_found=False)
        if not d2d_team or self.env.context.get("default_team_id") != d2d_team.id:
            return super()._read_group_stage_ids(stages, domain)
        return stages.sudo().search(["|", ("id", "in", stages.ids), ("d2d_code", "!=", False)], order=stages._order)

    def _d2d_bulk_move_action(self, after_move):
        """What a bulk move from a list shows: how many leads moved, then
        the list again (`after_move`: the move's own action, see
        _d2d_action_after_move)."""
        if isinstance(after_move, dict):
            return after_move
        return notification(
            self.env._("%(count)s leads went on to the step “%(step)s”.", count=len(self), step=self[:1].stage_id.name),
            kind="success",
            next_action={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def action_d2d_open_reason_wizard(self):
        """Open the small wizard that asks the reason of a return."""
        move = self.env.context.get("d2d_reason_move")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reason"),
            "res_model": "d2d.lead.reason.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids, "default_move": move or False},
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _d2d_check_role(self, group):
        """The user holds the role `group` and may change these leads: checked
        before a move writes anything (a warm cache would let a move read a
        lead out of the user's sight, and Odoo deletes the activities of a
        record it archives before it checks the access)."""
        if not (self.env.su or self.env.user.has_group(group)):
            role = self.env.ref(group).name
            raise UserError(self.env._("Only a user with the role “%(role)s” can do this.", role=role))
        self.check_access("write")

    def _d2d_check_phone(self):
        missing = self.filtered(lambda lead: not (lead.phone or "").strip())
        if missing:
            raise UserError(
                self.env._("“%(lead)s” has no phone number: add the client's phone first.", lead=missing[0].name)
            )

    def _d2d_required_reason(self, reason):
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why: a return needs a reason."))
        return reason

    def _d2d_check_lost_allowed(self):
        closed = self.filtered(lambda lead: lead.d2d_stage_code not in OPEN_STEPS or not lead.active)
        if closed:
            raise UserError(self.env._("“%(lead)s” is already closed: it cannot be lost.", lead=closed[0].name))
        user = self.env.user
        if self.env.su or user.has_group("door_to_door_crm.group_d2d_supervisor"):
            return
        if user.has_group("door_to_door_crm.group_d2d_coordinator"):
            return
        own_new = self.filtered(lambda lead: lead.user_id == user and lead.d2d_stage_code == "new")
        if own_new != self:
            raise UserError(
                self.env._(
                    "A lead can be marked lost by its supervisor or the coordinator; an agent only while it is new."
                )
            )

    def _d2d_archive_apartments(self):
        """The apartments of lost leads go to the archive, with the lost reason."""
        apartments_of_reason = defaultdict(lambda: self.env["d2d.apartment"])
        for lead in self.filtered("d2d_apartment_id"):
            apartments_of_reason[lead.lost_reason_id.name or False] |= lead.d2d_apartment_id
        now = fields.Datetime.now()
        for reason, apartments in apartments_of_reason.items():
            apartments.write({"lead_id": False, "archive_date": now, "archive_reason": reason})

    def _d2d_rework(self, agent, reason):
        """Lost leads handed back to `agent` as new work, their history kept."""
        if not self:
            return
        self._d2d_check_role("door_to_door_crm.group_d2d_supervisor")
        leads = self._d2d_as_move()
        leads.action_unarchive()
        leads.write({"user_id": agent.id})
        self._d2d_move("new", (*OPEN_STEPS, "done"), reason=reason)
        for lead in self.sudo():
            lead.d2d_apartment_id.lead_id = lead

    @api.model
    def _d2d_stage(self, code):
        """The stage of the door-to-door workflow with this `d2d_code`."""
        stage = self.env["crm.stage"].sudo().search([("d2d_code", "=", code)], limit=1)
        if not stage:
            raise UserError(
                self.env._(
                    "No CRM stage stands for the door-to-door step “%(code)s”: ask a manager to set one.", code=code
                )
            )
        return stage

    @api.model
    def _d2d_team(self):
        return self.env.ref("door_to_door_crm.crm_team_d2d", raise_if_not_found=False)

    @api.model
    def _d2d_phone_country(self):
        return self.env.company.country_id or self.env.ref("base.ru")

    @api.model
    def _d2d_format_phone(self, number):
        """E.164 form of a phone typed by an agent or a client, by the rules
        the tablet applies too (models/d2d_phone_rules.py): a Russian form
        (8…, 7…, 9…, +7…) is read as Russian whatever the company's country,
        another country's number must come with its +<country>; phonenumbers
        then checks it. A clear UserError when it cannot be a phone number."""
        phone, error = normalise_phone(number)
        if error:
            raise UserError(self.env._("“%(phone)s” is not a phone number.", phone=number or ""))
        country = self.env.ref("base.ru") if phone.startswith("+7") else self._d2d_phone_country()
        return self._phone_format(number=phone, country=country, force_format="E164", raise_exception=True)

    def _d2d_move(self, target_code, allowed_from, reason=None):
        """Move these leads to the stage of `target_code`, provided each one is
        in a stage whose code is in `allowed_from`; post who moved it, from
        where to where and why. Refuses (UserError, nothing written) when one
        lead is elsewhere. Every workflow action goes through here."""
        target = self._d2d_stage(target_code)
        misplaced = self.filtered(lambda lead: lead.d2d_stage_code not in allowed_from)
        if misplaced:
            raise UserError(
                self.env._(
                    "“%(lead)s” is at the step “%(stage)s”: it cannot go to “%(target)s” from there.",
                    lead=misplaced[0].name,
                    stage=misplaced[0].stage_id.name,
                    target=target.name,
                )
            )
        archived = self.filtered(lambda lead: not lead.active)
        if archived:
            raise UserError(
                self.env._(
                    "“%(lead)s” is lost and in the archive: a supervisor hands it back to an agent to work it again.",
                    lead=archived[0].name,
                )
            )
        origins = {lead.id: lead.stage_id.name for lead in self}
        # the reason rides on the stage log's row of the move (crm_lead_stage_log.py)
        self._d2d_as_move().with_context(d2d_move_reason=reason or False).write(
            {"stage_id": target.id, "date_last_stage_update": fields.Datetime.now(), "d2d_escalation_level": "0"}
        )
        # The mover may lose sight of the lead with its new step: the
        # bookkeeping that follows runs as superuser, in the mover's name.
        leads = self.sudo()
        leads._message_log_batch(
            bodies={lead.id: self._d2d_move_message(origins[lead.id], target.name, reason) for lead in self}
        )
        leads._d2d_close_step_activities()
        if target_code in OPEN_STEPS:
            leads._d2d_plan_step_activities(target_code)
        else:
            leads._d2d_as_move().write({"d2d_responsible_id": False})
        return True

    # ------------------------------------------------------------------
    # NEVER STUCK: responsible users, activities, escalation
    # ------------------------------------------------------------------

    @api.model
    def _d2d_activity_type(self):
        return self.env.ref("door_to_door_crm.mail_activity_type_d2d_step")

    def _d2d_responsible(self, code):
        """{lead id: user} who must act on these leads at the step `code`:
        `_d2d_responsible_<code>` when the step has one, else the d2d team
        leader, else a door-to-door manager."""
        method = getattr(self, f"_d2d_responsible_{code}", None)
        found = method() if method else {}
        fallback = self._d2d_fallback_responsible()
        return {lead.id: found.get(lead.id) or fallback for lead in self}

    @api.model
    def _d2d_fallback_responsible(self):
        team = self._d2d_team()
        if team and team.user_id:
            return team.user_id
        return self._d2d_users_of(MANAGER_GROUP, exclude_superuser=True)[:1]

    @api.model
    def _d2d_users_of(self, group_xmlid, exclude_superuser=False):
        users = self.env.ref(group_xmlid).sudo().users.filtered("active").sorted("id")
        if exclude_superuser:
            users = users.filtered(lambda user: not user._is_superuser())
        return users

    @api.model
    def _d2d_default_user(self, company, company_field, group_xmlid):
        """The user the company's settings name for a role, else the first
        user of the company holding that role without being a manager."""
        user = company.sudo()[company_field]
        if user.active:
            return user
        managers = self.env.ref(MANAGER_GROUP).sudo().users
        candidates = self._d2d_users_of(group_xmlid, exclude_superuser=True)
        candidates = candidates.filtered(lambda candidate: company in candidate.company_ids) or candidates
        return (candidates - managers)[:1] or candidates[:1]

    def _d2d_responsible_new(self):
        return {lead.id: lead.user_id or lead.d2d_territory_id.supervisor_id for lead in self}

    def _d2d_responsible_review(self):
        return {lead.id: lead.d2d_territory_id.supervisor_id for lead in self}

    def _d2d_responsible_by_company(self, company_field, group_xmlid):
        result = {}
        companies = self.company_id | (
            self.env.company if not all(self.mapped("company_id")) else self.env["res.company"]
        )
        for company in companies:
            user = self._d2d_default_user(company, company_field, group_xmlid)
            leads = self.filtered(lambda lead, company=company: (lead.company_id or lead.env.company) == company)
            result.update(dict.fromkeys(leads.ids, user))
        return result

    def _d2d_responsible_coordination(self):
        return self._d2d_responsible_by_company("d2d_coordinator_id", "door_to_door_crm.group_d2d_coordinator")

    def _d2d_responsible_quality(self):
        return self._d2d_responsible_by_company("d2d_callcenter_id", "door_to_door_crm.group_d2d_callcenter")

    def _d2d_close_step_activities(self):
        """Mark done the workflow activities of the step the leads leave."""
        activities = self.activity_ids.filtered(lambda act: act.activity_type_id == self._d2d_activity_type())
        if activities:
            activities.action_feedback(feedback=self.env._("The lead moved on."))

    def _d2d_plan_step_activities(self, code):
        """Give each lead its responsible user for the step `code` and plan
        them an activity due at the step's deadline."""
        responsible = self._d2d_responsible(code)
        by_user = defaultdict(lambda: self.env["crm.lead"])
        for lead in self:
            by_user[responsible[lead.id]] |= lead
        for user, leads in by_user.items():
            leads._d2d_as_move().write({"d2d_responsible_id": user.id})
        self._d2d_schedule_activities(
            {lead: responsible[lead.id] for lead in self},
            summary=lambda lead: lead.env._("Door-to-door: %(step)s", step=lead.stage_id.name),
        )

    def _d2d_schedule_activities(self, user_of_lead, summary, note=None):
        """Plan the step's activity of each lead for its user; `summary` and
        `note` are called with the lead in that user's language (the title a
        Russian user reads is in Russian, whoever moved the lead)."""
        activity_type = self._d2d_activity_type()
        model_id = self.env["ir.model"]._get_id("crm.lead")
        today = fields.Date.context_today(self)
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "summary": summary(lead.with_context(lang=user.lang)),
                    "note": note and note(lead.with_context(lang=user.lang)),
                    "date_deadline": max(today, (lead.d2d_deadline or fields.Datetime.now()).date()),
                }
                for lead, user in user_of_lead.items()
                if user
            ]
        )

    @api.model
    def _cron_d2d_escalate(self, batch_size=CRON_BATCH_SIZE):
        """Escalate leads past their step's deadline: first to the territory's
        supervisor, then, one more time limit later, to a manager. Each level
        is reached once per stay in a step (a move resets it). One batch per
        call, its progress told to the cron runner."""
        overdue = SQL(
            """
            SELECT l.id FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.active AND l.d2d_deadline < %(now)s
               AND (l.d2d_escalation_level = '0'
                    OR l.d2d_escalation_level = '1'
                       AND l.d2d_deadline + make_interval(hours => COALESCE(
                               (SELECT c.time_limit_hours FROM d2d_stage_company_limit c
                                 WHERE c.stage_id = s.id AND c.company_id = l.company_id),
                               s.d2d_time_limit_hours)) < %(now)s)
            """,
            now=fields.Datetime.now(),
        )
        self.env["d2d.stage.company.limit"].flush_model()
        leads = locked_batch(self, overdue, batch_size, ["d2d_deadline", "d2d_escalation_level", "stage_id"])
        to_supervisor = leads.filtered(lambda lead: lead.d2d_escalation_level == "0")
        to_manager = leads - to_supervisor
        manager = self._d2d_fallback_responsible()
        to_supervisor._d2d_escalate(
            "1", {lead: lead.d2d_territory_id.supervisor_id or manager for lead in to_supervisor}
        )
        to_manager._d2d_escalate("2", dict.fromkeys(to_manager, manager))
        return len(leads)

    def _d2d_escalate(self, level, user_of_lead):
        if not self:
            return
        self._d2d_as_move().write({"d2d_escalation_level": level})
        self._d2d_schedule_activities(
            user_of_lead,
            summary=lambda lead: lead.env._("Stuck lead: %(step)s", step=lead.stage_id.name),
            note=lambda lead: lead.env._(
                "The lead is past the time limit of its step. See who must act and help it on."
            ),
        )
        self._message_log_batch(
            bodies={
                lead.id: Markup("%s")
                % self.env._(
                    "The lead has been at the step “%(step)s” past its deadline (%(deadline)s): escalated to %(user)s.",
                    step=lead.stage_id.name,
                    deadline=fields.Datetime.to_string(lead.d2d_deadline),
                    user=user_of_lead[lead].name or "",
                )
                for lead in self
            }
        )

    @api.model
    def _cron_d2d_hide_closed_leads(self, batch_size=CRON_BATCH_SIZE):
        """Hide from agents and installers the leads closed for longer than
        the number of days their company sets (a record rule reads the flag),
        and show again those reopened; one batch per call (all of them with
        `batch_size=None`, as the settings do when saved)."""
        # each company's own number of days (a lead of no company: the main one's)
        hidden = SQL(
            """((NOT l.active OR COALESCE((SELECT s.is_won FROM crm_stage s WHERE s.id = l.stage_id), false))
                AND l.date_closed IS NOT NULL
                AND l.date_closed < %(now)s - make_interval(days => COALESCE(
                        (SELECT c.d2d_hide_closed_after_days FROM res_company c WHERE c.id = l.company_id),
                        %(default_days)s)))""",
            now=fields.Datetime.now(),
            default_days=self.env.company.sudo().d2d_hide_closed_after_days,
        )
        stale = SQL(
            "SELECT l.id FROM crm_lead l WHERE l.d2d_stage_code IS NOT NULL AND l.d2d_hidden IS DISTINCT FROM %s",
            hidden,
        )
        self.env["res.company"].flush_model(["d2d_hide_closed_after_days"])
        leads = locked_batch(self, stale, batch_size, ["date_closed", "active", "stage_id", "company_id", "d2d_hidden"])
        self.env.cr.execute(SQL("UPDATE crm_lead l SET d2d_hidden = %s WHERE l.id = ANY(%s)", hidden, leads.ids))
        self.invalidate_model(["d2d_hidden"])
        return len(leads)

    def _d2d_move_message(self, origin, target, reason):
        body = Markup("%s") % self.env._(
            "%(user)s moved the lead from “%(origin)s” to “%(target)s”.",
            user=self.env.user.name,
            origin=origin,
            target=target,
        )
        if reason:
            body += Markup("<br/>%s") % self.env._("Reason: %(reason)s", reason=reason)
        return body

    def _d2d_lost_message(self, stage, reason):
        body = Markup("%s") % self.env._(
            "%(user)s marked the lead lost at the step “%(stage)s”; it goes to the archive.",
            user=self.env.user.name,
            stage=stage,
        )
        if reason:
            body += Markup("<br/>%s") % self.env._("Reason: %(reason)s", reason=reason)
        return body

    @api.model
    def _d2d_leads_from_visits(self, visits):
        """Open a lead for each apartment that a visit marked "lead", or reuse
        the apartment's open lead. Links visits and apartments to their lead."""
        apartments = visits.apartment_id
        open_leads = self.search(
            [("d2d_apartment_id", "in", apartments.ids), ("d2d_stage_code", "!=", "done")], order="id desc"
        )
        lead_of_apartment = {}
        for lead in open_leads:
            lead_of_apartment.setdefault(lead.d2d_apartment_id, lead)
        first_visit = {}
        for visit in visits.sorted(lambda v: (v.visit_date, v.id)):
            if visit.apartment_id not in lead_of_apartment:
                first_visit.setdefault(visit.apartment_id, visit)
        stage, team = self._d2d_stage("new"), self._d2d_team()
        new_leads = self.create([visit._d2d_lead_values(stage, team) for visit in first_visit.values()])
        lead_of_apartment.update(zip(first_visit, new_leads, strict=False))

        visits_of_lead = defaultdict(lambda: self.env["d2d.visit"])
        for visit in visits:
            visits_of_lead[lead_of_apartment[visit.apartment_id]] |= visit
        for lead, lead_visits in visits_of_lead.items():
            lead_visits.sudo().write({"lead_id": lead.id})
            lead_visits.apartment_id.sudo().write({"lead_id": lead.id})
            reused = lead_visits - first_visit.get(lead.d2d_apartment_id, self.env["d2d.visit"])
            if reused:
                lead._message_log_batch(
                    bodies={lead.id: lead._d2d_visit_summary(reused)},
                )
        return {visit.id: lead_of_apartment[visit.apartment_id] for visit in visits}

    def _d2d_visit_summary(self, visits):
        return Markup("<br/>").join(
            self.env._(
                "Agent %(agent)s marked the apartment as a lead again on %(date)s: %(name)s %(phone)s",
                agent=visit.agent_id.name,
                date=fields.Datetime.to_string(visit.visit_date),
                name=visit.contact_name or "",
                phone=visit.phone or "",
            )
            for visit in visits
        )
