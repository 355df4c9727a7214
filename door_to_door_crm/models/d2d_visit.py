import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

VISIT_RESULTS = [
    ("closed", "Nobody home"),
    ("competitor", "Competitor's client"),
    ("pensioner", "Pensioner"),
    ("refusal", "Refusal"),
    ("client", "Already our client"),
    ("lead", "Lead"),
]
APARTMENT_STATUSES = [("none", "Not visited"), *VISIT_RESULTS]
# Proof of presence: what the position the tablet gave at the knock says
# (computed by the server from the fix and the agent's previous knocks).
PRESENCE_FLAGS = [
    ("ok", "Near the house"),
    ("far", "Far from the house"),
    ("inaccurate", "Inaccurate position"),
    ("no_fix", "No position"),
    ("stale", "Stale position"),
    ("too_fast", "Too fast"),
    ("repeated", "Same position repeated"),
]
# Who reads the proof of presence of the visits (see the gps_* fields).
PRESENCE_GROUPS = "door_to_door_crm.group_d2d_supervisor"
SERVICES = [
    ("internet", "Internet"),
    ("tv", "TV"),
    ("internet_tv", "Internet + TV"),
]
# A device clock may run a little ahead; beyond this a visit time is refused.
FUTURE_TOLERANCE = timedelta(minutes=15)
# A resident's "come back at" is at most this many days after the knock.
CALLBACK_MAX_DAYS = 90
UUID_MAX_LENGTH = 64
# A visit older than this many days is refused, as one in the future is (a
# device whose clock is wrong); the system parameter below sets it, 0: no limit.
MAX_AGE_DAYS_PARAM = "door_to_door_crm.visit_max_age_days"
DEFAULT_MAX_AGE_DAYS = 90
# Who reads a visit's or an apartment's client details: the office roles
# (a supervisor for the territories they supervise, the coordinator, the
# call-centre, the manager who implies them all), within their record rules.
CLIENT_DETAIL_GROUPS = (
    "door_to_door_crm.group_d2d_supervisor,door_to_door_crm.group_d2d_coordinator,"
    "door_to_door_crm.group_d2d_callcenter"
)


class D2dVisit(models.Model):
    """One knock on a door: an append-only log written by the agents."""

    _name = "d2d.visit"
    _inherit = ["d2d.work.mixin"]
    _description = "Door-to-door visit"
    _order = "visit_date desc, id desc"
    _rec_name = "apartment_id"

    uuid = fields.Char(
        string="UUID",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
        help="Made by the device that recorded the visit: a visit sent twice is recorded once.",
    )
    # apartment_id and house_id are indexed by the multi-column indexes of init()
    apartment_id = fields.Many2one("d2d.apartment", required=True, ondelete="restrict")
    house_id = fields.Many2one(related="apartment_id.house_id", store=True)
    territory_id = fields.Many2one(related="apartment_id.house_id.territory_id", store=True, index=True)
    company_id = fields.Many2one(related="apartment_id.house_id.company_id", store=True, index=True)
    agent_id = fields.Many2one(
        "res.users", string="Agent", required=True, index=True, default=lambda self: self.env.user, ondelete="restrict"
    )
    visit_date = fields.Datetime(
        string="Time", required=True, index=True, default=fields.Datetime.now, help="Time of the knock on the device."
    )
    # not indexed: six values over a million rows; the reports read it with the agent, house or date indexes
    result = fields.Selection(VISIT_RESULTS, required=True)
    competitor_id = fields.Many2one("d2d.competitor", index="btree_not_null", ondelete="restrict")
    # The client's details (note, name, phone, lead) are read by the office
    # roles only: the record rule gives agents every visit of their houses,
    # colleagues' included, and Odoo has no per-record field access, so these
    # fields carry `groups=`, which holds for every way in (read, search,
    # read_group, export, domains). Agents still record them (create checks
    # no field groups) and read their own clients through their leads.
    note = fields.Text(groups=CLIENT_DETAIL_GROUPS)
    device_id = fields.Char(string="Device")
    callback_date = fields.Datetime(string="Come back at", help="The time the resident asked to come back.")
    # Lead capture (result "lead")
    contact_name = fields.Char(string="Client name", groups=CLIENT_DETAIL_GROUPS)
    phone = fields.Char(groups=CLIENT_DETAIL_GROUPS)
    service_interest = fields.Selection(SERVICES, string="Service of interest")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Lead",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        groups=CLIENT_DETAIL_GROUPS,
    )

    # Proof of presence: the position the tablet's browser gave at the knock
    # (none: "no fix"), the distance to the house and the resulting flag.
    # Read by the supervisors (and the manager) only: colleagues' positions are
    # not for agents; set by d2d_visit_presence.py (_d2d_check_presence).
    gps_latitude = fields.Float(string="Latitude", digits=(10, 7), readonly=True, groups=PRESENCE_GROUPS)
    gps_longitude = fields.Float(string="Longitude", digits=(10, 7), readonly=True, groups=PRESENCE_GROUPS)
    gps_accuracy = fields.Float(
        string="Accuracy (m)",
        readonly=True,
        groups=PRESENCE_GROUPS,
        help="Radius of the fix's uncertainty, in metres.",
    )
    gps_time = fields.Datetime(
        string="Fix time", readonly=True, groups=PRESENCE_GROUPS, help="When the device took the position."
    )
    gps_distance = fields.Float(string="Distance to the house (m)", readonly=True, groups=PRESENCE_GROUPS)
    presence_flag = fields.Selection(PRESENCE_FLAGS, string="Presence", readonly=True, groups=PRESENCE_GROUPS)

    _sql_constraints = [
        ("uuid_uniq", "unique(uuid)", "A visit with this UUID is already recorded."),
    ]

    def init(self):
        self.env.cr.execute(
            """
            -- The status of an apartment is the result of its latest visit by
            -- device time: one index scan answers it.
            CREATE INDEX IF NOT EXISTS d2d_visit_apartment_latest_idx
                ON d2d_visit (apartment_id, visit_date DESC, id DESC);
            -- The visits of a few houses over some days (an agent's tablet, a
            -- house's history) out of the log of a whole city.
            CREATE INDEX IF NOT EXISTS d2d_visit_house_date_idx ON d2d_visit (house_id, visit_date);
            -- The visits recorded lately in a few houses (a tablet's sync asks
            -- what is new in its houses, not in the whole city).
            DROP INDEX IF EXISTS d2d_visit_create_date_idx;
            CREATE INDEX IF NOT EXISTS d2d_visit_house_created_idx ON d2d_visit (house_id, create_date);
            """
        )

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("visit_date")
    def _check_visit_date(self):
        for visit in self:
            self._check_visit_date_bounds(visit.visit_date)

    # The checks of a new visit, shared with the offline app's sync (d2d.agent.sync).

    @api.model
    def _visit_date_bounds(self):
        """(earliest, latest) time a visit may have now: the horizon of
        MAX_AGE_DAYS_PARAM days back (None: no limit), and now with the
        clock's tolerance."""
        now = fields.Datetime.now()
        days = self.env["ir.config_parameter"].sudo().get_param(MAX_AGE_DAYS_PARAM, DEFAULT_MAX_AGE_DAYS)
        try:
            days = int(days)
        except ValueError:
            days = DEFAULT_MAX_AGE_DAYS
        return (now - timedelta(days=days) if days > 0 else None), now + FUTURE_TOLERANCE

    @api.model
    def _check_visit_date_bounds(self, moment):
        earliest, latest = self._visit_date_bounds()
        if moment > latest:
            raise ValidationError(
                self.env._(
                    "The visit time %(time)s is in the future. Check the date and time of the device.",
                    time=fields.Datetime.to_string(moment),
                )
            )
        if earliest and moment < earliest:
            raise ValidationError(
                self.env._(
                    "The visit time %(time)s is more than %(days)s days ago. Check the date and time of the device.",
                    time=fields.Datetime.to_string(moment),
                    days=(fields.Datetime.now() - earliest).days,
                )
            )

    @api.model
    def _check_result(self, result):
        results = dict(VISIT_RESULTS)
        if not isinstance(result, str) or result not in results:
            raise ValidationError(
                self.env._(
                    "“%(result)s” is not a visit result. Use one of: %(results)s.",
                    result=result if isinstance(result, str) else "",
                    results=", ".join(results),
                )
            )

    @api.model
    def _lead_phone(self, phone):
        """The client's phone of a "lead" visit in E.164 form; refused when missing or not a phone."""
        phone = (phone or "").strip()
        if not phone:
            raise ValidationError(self.env._("A lead needs the client's phone number."))
        try:
            return self.env["crm.lead"]._d2d_format_phone(phone)
        except UserError:  # the phone library's words, in English: ours instead
            raise ValidationError(
                self.env._("The client's phone number is not a valid phone number: check it.")
            ) from None

    @api.constrains("callback_date", "visit_date")
    def _check_callback(self):
        for visit in self.filtered("callback_date"):
            self._check_callback_bounds(visit.callback_date, visit.visit_date)

    @api.model
    def _check_callback_bounds(self, callback, visit_date):
        """A callback comes after its knock, within CALLBACK_MAX_DAYS."""
        if callback <= visit_date:
            raise ValidationError(self.env._("The time to come back is before the knock: choose a later one."))
        if callback > visit_date + timedelta(days=CALLBACK_MAX_DAYS):
            raise ValidationError(
                self.env._("Come back within %(days)s days of the knock at most.", days=CALLBACK_MAX_DAYS)
            )

    @api.constrains("result", "competitor_id")
    def _check_competitor(self):
        for visit in self:
            if visit.result == "competitor" and not visit.competitor_id:
                raise ValidationError(self.env._("Say which competitor serves this apartment."))

    def _d2d_my_work_domain(self, house_ids, apartment_ids):
        return ["|", ("house_id", "in", house_ids), ("apartment_id", "in", apartment_ids)]

    # ------------------------------------------------------------------
    # CRUD: append-only; a replayed uuid returns the visit already recorded
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("uuid", str(uuid.uuid4()))
        existing = self._find_by_uuid([vals["uuid"] for vals in vals_list])
        self._check_replays(existing, vals_list)
        existing = {uuid: visit_id for uuid, (visit_id, _agent_id) in existing.items()}
        new_vals_list, seen = [], set(existing)
        for vals in vals_list:
            if vals["uuid"] not in seen:
                seen.add(vals["uuid"])
                new_vals_list.append(vals)
        self._check_new_visits(new_vals_list)
        visits = super().create(new_vals_list)
        visits.apartment_id._refresh_last_visit()
        visits.filtered(lambda v: v.result == "lead")._attach_leads()
        by_uuid = {**existing, **{visit.uuid: visit.id for visit in visits}}
        return self.browse([by_uuid[vals["uuid"]] for vals in vals_list])

    def write(self, vals):
        if not self._is_log_admin():
            raise UserError(self.env._("Visits are a log: they cannot be changed. Record a new visit instead."))
        apartments = self.apartment_id
        result = super().write(vals)
        if {"apartment_id", "visit_date", "result", "agent_id", "competitor_id"} & set(vals):
            (apartments | self.apartment_id)._refresh_last_visit()
        return result

    def unlink(self):
        apartments = self.apartment_id
        result = super().unlink()
        apartments.exists()._refresh_last_visit()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_manager(self):
        if not self._is_log_admin():
            raise UserError(self.env._("Visits are a log: only a Door-to-Door manager can delete one."))

    def _is_log_admin(self):
        return self.env.su or self.env.user.has_group("door_to_door_crm.group_d2d_manager")

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _find_by_uuid(self, uuids):
        """{uuid: (visit id, agent id)} of the visits already recorded among `uuids`."""
        if not uuids:
            return {}
        self.env.cr.execute("SELECT uuid, id, agent_id FROM d2d_visit WHERE uuid = ANY(%s)", [list(uuids)])
        return {uuid: (visit_id, agent_id) for uuid, visit_id, agent_id in self.env.cr.fetchall()}

    def _check_replays(self, recorded, vals_list):
        """A uuid already recorded is a replay only for the agent who recorded
        it; for anyone else it is refused, as the offline app's sync refuses
        it, without showing the other agent's visit. `recorded`: see
        _find_by_uuid."""
        for vals in vals_list:
            if vals["uuid"] in recorded and recorded[vals["uuid"]][1] != vals.get("agent_id", self.env.uid):
                raise ValidationError(self._uuid_taken_message())

    def _uuid_taken_message(self):
        return self.env._("Another visit already uses this event id.")

    def _check_new_visits(self, vals_list):
        """Refuse, in plain words and before anything is written, a visit that
        the current user may not record."""
        for vals in vals_list:
            if not isinstance(vals["uuid"], str) or not 0 < len(vals["uuid"]) <= UUID_MAX_LENGTH:
                raise ValidationError(
                    self.env._("A visit UUID must be a text of 1 to %(max)s characters.", max=UUID_MAX_LENGTH)
                )
            self._check_result(vals.get("result"))
            if not vals.get("apartment_id"):
                raise ValidationError(self.env._("A visit needs an apartment."))
            if vals["result"] == "lead":
                vals["phone"] = self._lead_phone(vals.get("phone"))
        if self.env.su:
            return
        user = self.env.user
        if not user.has_group("door_to_door_crm.group_d2d_supervisor"):
            if any(vals.get("agent_id", user.id) != user.id for vals in vals_list):
                raise UserError(self.env._("You can record visits only in your own name."))
        apartment_ids = {vals["apartment_id"] for vals in vals_list}
        visible = self.env["d2d.apartment"].search([("id", "in", list(apartment_ids))])
        hidden = apartment_ids - set(visible.ids)
        if hidden:
            raise UserError(
                self.env._(
                    "You cannot record a visit for these apartments: they are not in your houses (ids %(ids)s).",
                    ids=", ".join(map(str, sorted(hidden))),
                )
            )

    def _attach_leads(self):
        """A visit with result "lead" opens a lead for its apartment, or adds
        to the apartment's open lead. Runs as superuser once `create` checked
        that the user may record these visits."""
        self.env["crm.lead"].sudo()._d2d_leads_from_visits(self.sudo())

    def _d2d_lead_values(self, stage, team):
        """Values of the lead that this visit opens in `stage` for `team`."""
        self.ensure_one()
        apartment = self.apartment_id
        house = apartment.house_id
        return {
            "name": " — ".join(filter(None, [self.contact_name, apartment.display_name])),
            "type": "opportunity",
            "team_id": team.id,
            "stage_id": stage.id,
            "user_id": self.agent_id.id,
            "contact_name": self.contact_name,
            "phone": self.phone,
            "street": house.name,
            "street2": self.env._("apt. %(number)s", number=apartment.number),
            "city": house.city,
            "zip": house.zip,
            "d2d_apartment_id": apartment.id,
            "d2d_service": self.service_interest,
            "description": self.note,
        }
