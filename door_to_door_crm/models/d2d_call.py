from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

CALL_DIRECTIONS = [("in", "Incoming"), ("out", "Outgoing")]
CALL_RESULTS = [
    ("answered", "Answered"),
    ("no_answer", "No answer"),
    ("busy", "Busy"),
    ("failed", "Failed"),
]
# Columns that `_d2d_record` writes, besides the ORM's log columns.
RECORDED_COLUMNS = (
    "pbx_call_id",
    "direction",
    "phone",
    "phone_sanitized",
    "lead_id",
    "partner_id",
    "operator_id",
    "start",
    "duration",
    "result",
    "note",
    "recording_url",
    "company_id",
)


class D2dCall(models.Model):
    """The call log of the call-centre: one row per call, written by the
    telephony (d2d.callcenter.log_call, the PBX journal) or by an operator."""

    _name = "d2d.call"
    _description = "Call"
    _order = "start desc, id desc"
    _rec_name = "phone"

    pbx_call_id = fields.Char(
        string="PBX call id", readonly=True, copy=False, help="The call's id in the PBX: a call is logged once."
    )
    direction = fields.Selection(CALL_DIRECTIONS, required=True, default="in")
    phone = fields.Char(required=True)
    phone_sanitized = fields.Char(string="Phone (E.164)", readonly=True, index="btree_not_null")
    phone_search = fields.Char(
        string="Phone (any format)", compute="_compute_phone_search", search="_search_phone_search"
    )
    lead_id = fields.Many2one("crm.lead", string="Lead", index="btree_not_null", ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Client", index="btree_not_null", ondelete="set null")
    operator_id = fields.Many2one("res.users", string="Operator", index="btree_not_null", ondelete="set null")
    start = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration = fields.Integer(string="Talk time (s)", help="Seconds of conversation.")
    result = fields.Selection(CALL_RESULTS, required=True, default="answered")
    note = fields.Text()
    recording_url = fields.Char(string="Recording")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)

    _sql_constraints = [
        # each company's PBX numbers its own calls
        ("pbx_call_id_uniq", "unique(company_id, pbx_call_id)", "This PBX call is already in the log."),
        ("duration_positive", "CHECK(duration >= 0)", "A call cannot last less than zero seconds."),
    ]

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("phone_sanitized")
    def _compute_phone_search(self):
        for call in self:
            call.phone_search = call.phone_sanitized

    def _search_phone_search(self, operator, value):
        return self.env["d2d.callcenter"]._d2d_phone_domain(operator, value, "phone")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("phone") and not vals.get("phone_sanitized"):
                vals["phone_sanitized"] = self.env["d2d.callcenter"]._d2d_e164(vals["phone"])
        return super().create(vals_list)

    def write(self, vals):
        if "pbx_call_id" in vals and not self.env.su:
            raise UserError(self.env._("The PBX call id of a logged call cannot be changed."))
        if vals.get("phone"):
            vals["phone_sanitized"] = self.env["d2d.callcenter"]._d2d_e164(vals["phone"])
        return super().write(vals)

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _d2d_record(self, vals):
        """Log one call once: (call, True) when this request wrote it, (the
        call logged before, False) when its PBX call id is already known.

        One INSERT ... ON CONFLICT DO NOTHING: a call id sent in two requests
        at the same moment makes the second INSERT wait on the unique index
        until the first commits; it then meets a row its snapshot cannot see
        and PostgreSQL stops it with a serialization failure, which Odoo
        retries in a new transaction that finds the call logged (as the
        agent sync records visits). The ORM's create would die on a unique
        violation instead."""
        self.check_access("create")
        call_id = vals.get("pbx_call_id")
        if call_id and (known := self._d2d_find_by_call_id(call_id, vals["company_id"])):
            return known, False
        self.env.flush_all()
        columns = [SQL.identifier(name) for name in RECORDED_COLUMNS]
        values = [vals.get(name) for name in RECORDED_COLUMNS]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO d2d_call (%(columns)s, create_uid, write_uid, create_date, write_date)
                     VALUES (%(values)s, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
                ON CONFLICT (company_id, pbx_call_id) DO NOTHING
                  RETURNING id
                """,
                columns=SQL(", ").join(columns),
                values=SQL(", ").join(values),
                uid=self.env.uid,
            ),
            # a serialization failure is expected and retried: not a "bad query"
            log_exceptions=False,
        )
        row = self.env.cr.fetchone()
        if not row:  # logged by a transaction this one can see: only in tests' shared cursors
            return self._d2d_find_by_call_id(call_id, vals["company_id"]), False
        return self.browse(row[0]), True

    @api.model
    def _d2d_find_by_call_id(self, call_id, company_id):
        """The call that `company_id`'s PBX logged with this id: another
        company's PBX numbers its calls on its own."""
        self.env.cr.execute(
            SQL("SELECT id FROM d2d_call WHERE pbx_call_id = %s AND company_id = %s", call_id, company_id)
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _d2d_summary(self):
        """A line for the lead's chatter: direction, result, talk time, operator."""
        self.ensure_one()
        minutes, seconds = divmod(self.duration or 0, 60)
        return self.env._(
            "%(direction)s call, %(result)s, %(minutes)s min %(seconds)s s, operator %(operator)s",
            direction=dict(self._fields["direction"]._description_selection(self.env))[self.direction],
            result=dict(self._fields["result"]._description_selection(self.env))[self.result],
            minutes=minutes,
            seconds=seconds,
            operator=self.operator_id.name or "—",
        )
