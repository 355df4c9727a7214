from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .d2d_visit import APARTMENT_STATUSES, CLIENT_DETAIL_GROUPS

# What an agent (without supervisor rights) may change on an apartment.
AGENT_WRITABLE_FIELDS = {"note"}
# What an apartment keeps of its latest visit (see _refresh_last_visit).
LAST_VISIT_FIELDS = ["status", "last_visit_date", "last_agent_id", "last_competitor_id", "callback_date"]


class D2dApartment(models.Model):
    _name = "d2d.apartment"
    _inherit = ["d2d.work.mixin"]
    _description = "Apartment"
    _order = "house_id, number"
    _rec_names_search = ["house_id.name"]

    # Indexed by number_uniq (house_id, number) and by (house_id, write_date), see init().
    house_id = fields.Many2one("d2d.house", required=True, ondelete="cascade")
    entrance_id = fields.Many2one(
        "d2d.entrance", required=True, index=True, ondelete="cascade", domain="[('house_id', '=', house_id)]"
    )
    territory_id = fields.Many2one(related="house_id.territory_id")
    company_id = fields.Many2one(related="house_id.company_id", store=True, index=True, precompute=True)
    agent_id = fields.Many2one(related="house_id.agent_id", string="Agent")
    floor = fields.Integer(required=True, default=1, aggregator=None)
    number = fields.Integer(required=True, aggregator=None)
    note = fields.Text()

    visit_ids = fields.One2many("d2d.visit", "apartment_id", string="Visits")
    visit_count = fields.Integer(compute="_compute_visit_count")
    # What the apartment shows of its latest visit by device time: kept by
    # the visit log (see _refresh_last_visit), so that generating thousands
    # of apartments computes nothing. Every knock rewrites these columns, so
    # none of them is indexed: PostgreSQL then rewrites the row within its
    # page without touching any index of the table (a HOT update, see init()),
    # where an index on the status cost five index writes per knock. A
    # search by status reads the apartments of a few houses, by their index,
    # or scans the city's. The visit itself is not linked (the log finds it
    # by its index on apartment and device time).
    status = fields.Selection(APARTMENT_STATUSES, readonly=True, required=True, default="none")
    last_visit_date = fields.Datetime(readonly=True, string="Last visit")
    last_agent_id = fields.Many2one("res.users", readonly=True, string="Last agent")
    last_competitor_id = fields.Many2one("d2d.competitor", readonly=True, string="Competitor")
    callback_date = fields.Datetime(
        string="Come back at",
        readonly=True,
        help="The time the resident asked to come back, "
        "given at the latest knock (a later knock without one clears it).",
    )

    # The link to the lead shows its name (Odoo reads a many2one's name as
    # superuser), and agents see their colleagues' apartments: the office
    # roles read it, agents reach their own leads in the leads' list.
    lead_id = fields.Many2one(
        "crm.lead",
        string="Current lead",
        index="btree_not_null",
        ondelete="set null",
        groups=CLIENT_DETAIL_GROUPS,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Client", index="btree_not_null", ondelete="set null", groups=CLIENT_DETAIL_GROUPS
    )
    lead_ids = fields.One2many("crm.lead", "d2d_apartment_id", string="Leads", groups=CLIENT_DETAIL_GROUPS)
    has_lead = fields.Boolean(
        string="Has a current lead",
        compute="_compute_has_lead",
        search="_search_has_lead",
        help="Whether the apartment has a lead in progress, for everyone who sees the apartment (not which one).",
    )
    # Potential clients: apartments to knock again, in the archive or handed back to an agent.
    archive_date = fields.Datetime(
        readonly=True, index="btree_not_null", help="When the apartment's lead was lost and the apartment archived."
    )
    archive_reason = fields.Char(readonly=True)
    rework_agent_id = fields.Many2one(
        "res.users",
        string="Knock again",
        readonly=True,
        index="btree_not_null",
        help="Agent the supervisor handed this apartment to, as new work.",
    )
    rework_date = fields.Datetime(string="Handed back on", readonly=True)

    _sql_constraints = [
        ("number_uniq", "unique(house_id, number)", "This house already has an apartment with this number."),
    ]

    def init(self):
        self.env.cr.execute(
            """
            -- What changed lately in a few houses (the agent's tablet asks at every sync).
            CREATE INDEX IF NOT EXISTS d2d_apartment_house_write_date_idx ON d2d_apartment (house_id, write_date);
            -- Room in each page for the new version of a row that a knock
            -- rewrites (HOT update), and no index on what a knock rewrites.
            ALTER TABLE d2d_apartment SET (fillfactor = 90);
            DROP INDEX IF EXISTS d2d_apartment__status_index;
            """
        )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("house_id.name", "number")
    def _compute_display_name(self):
        for apartment in self:
            apartment.display_name = self.env._(
                "%(house)s, apt. %(number)s", house=apartment.house_id.name, number=apartment.number
            )

    def _compute_visit_count(self):
        counts = dict(
            self.env["d2d.visit"]._read_group([("apartment_id", "in", self.ids)], ["apartment_id"], ["__count"])
        )
        for apartment in self:
            apartment.visit_count = counts.get(apartment, 0)

    def _d2d_my_work_domain(self, house_ids, apartment_ids):
        return ["|", ("house_id", "in", house_ids), ("id", "in", apartment_ids)]

    def _compute_has_lead(self):
        for apartment in self:
            apartment.has_lead = bool(apartment.sudo().lead_id)

    def _search_has_lead(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search “Has a current lead” with “is set” or “is not set” only."))
        # read as superuser: the field tells whether there is a lead, lead_id which one
        with_lead = self.sudo()._search([("lead_id", "!=", False)])
        return [("id", "in" if (operator == "=") == value else "not in", with_lead)]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._check_new_numbers(vals_list)
        # A layout creates thousands of apartments with the same keys: let
        # _add_missing_default_values ask default_get once per set of keys
        # instead of once per apartment (its costliest step here).
        memo_env = self.with_context(d2d_defaults_memo={})
        return super(D2dApartment, memo_env).create(vals_list).with_env(self.env)

    @api.model
    def _add_missing_default_values(self, values):
        memo = self.env.context.get("d2d_defaults_memo")
        if memo is None:
            return super()._add_missing_default_values(values)
        key = frozenset(values)
        if key not in memo:
            filled = super()._add_missing_default_values(dict.fromkeys(values))
            memo[key] = {name: value for name, value in filled.items() if name not in values}
        return {**memo[key], **values}

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group("door_to_door_crm.group_d2d_supervisor"):
            forbidden = set(vals) - AGENT_WRITABLE_FIELDS
            if forbidden:
                raise UserError(self.env._("As an agent you can only change the note of an apartment."))
        if {"house_id", "number"} & set(vals):
            for apartment in self:
                self._check_new_numbers(
                    [
                        {
                            "house_id": vals.get("house_id", apartment.house_id.id),
                            "number": vals.get("number", apartment.number),
                        }
                    ],
                    ignore=apartment,
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_visited(self):
        self._check_removable()

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _check_new_numbers(self, vals_list, ignore=None):
        """Refuse apartment numbers used twice in a house, before the insert,
        with a message a person understands."""
        wanted = defaultdict(list)
        for vals in vals_list:
            if not vals.get("number") or vals["number"] < 1:
                raise ValidationError(self.env._("An apartment number must be 1 or more."))
            wanted[vals.get("house_id")].append(vals["number"])
        duplicates = defaultdict(set)
        for house_id, numbers in wanted.items():
            seen = set()
            for number in numbers:
                if number in seen:
                    duplicates[house_id].add(number)
                seen.add(number)
        domain = [("house_id", "in", list(wanted)), ("number", "in", [n for ns in wanted.values() for n in ns])]
        if ignore:
            domain.append(("id", "not in", ignore.ids))
        for apartment in self.sudo().search_fetch(domain, ["house_id", "number"]):
            if apartment.number in wanted[apartment.house_id.id]:
                duplicates[apartment.house_id.id].add(apartment.number)
        if duplicates:
            houses = self.env["d2d.house"].sudo().browse(list(duplicates))
            raise ValidationError(
                self.env._(
                    "These apartment numbers are already used in their house: %(list)s.",
                    list="; ".join(
                        f"{house.name}: {', '.join(map(str, sorted(duplicates[house.id])))}" for house in houses
                    ),
                )
            )

    def _check_removable(self):
        """An apartment with visits or a lead is history: it cannot be removed."""
        if not self:
            return
        visited = {
            apartment
            for (apartment,) in self.env["d2d.visit"]
            .sudo()
            ._read_group([("apartment_id", "in", self.ids)], ["apartment_id"])
        }
        kept = self.sudo().filtered(lambda a: a in visited or a.lead_id)
        if kept:
            by_house = defaultdict(list)
            for apartment in kept:
                by_house[apartment.house_id.name].append(apartment.number)
            raise ValidationError(
                self.env._(
                    "These apartments have visits or a lead and cannot be removed: %(list)s. "
                    "Keep them in the layout of the house.",
                    list="; ".join(f"{house}: {', '.join(map(str, sorted(nums)))}" for house, nums in by_house.items()),
                )
            )

    def _refresh_last_visit(self):
        """Set the result, time, agent and competitor of the latest visit by
        device time (ties: the one recorded last) on these apartments,
        whatever order their visits arrived in. One UPDATE for the batch."""
        if not self:
            return
        self.env["d2d.visit"].flush_model(
            ["apartment_id", "visit_date", "result", "agent_id", "competitor_id", "callback_date"]
        )
        self.flush_recordset(LAST_VISIT_FIELDS)
        self.env.cr.execute(
            """
            UPDATE d2d_apartment a
               SET status = COALESCE(v.result, 'none'),
                   last_visit_date = v.visit_date,
                   last_agent_id = v.agent_id,
                   last_competitor_id = v.competitor_id,
                   callback_date = v.callback_date
              FROM unnest(%s::int[]) AS todo(id)
              LEFT JOIN LATERAL (
                    SELECT result, visit_date, agent_id, competitor_id, callback_date
                      FROM d2d_visit
                     WHERE apartment_id = todo.id
                  ORDER BY visit_date DESC, id DESC
                     LIMIT 1
                   ) v ON true
             WHERE a.id = todo.id
               AND (a.status, a.last_visit_date, a.last_agent_id, a.last_competitor_id, a.callback_date)
                   IS DISTINCT FROM (COALESCE(v.result, 'none'), v.visit_date, v.agent_id, v.competitor_id,
                                     v.callback_date)
            RETURNING a.id
            """,
            [self.ids],
        )
        changed = self.browse(row[0] for row in self.env.cr.fetchall())
        changed.invalidate_recordset(LAST_VISIT_FIELDS)
        changed.modified(LAST_VISIT_FIELDS)

    def action_open_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_visit_action")
        action["domain"] = [("apartment_id", "=", self.id)]
        action["context"] = {"default_apartment_id": self.id}
        return action
