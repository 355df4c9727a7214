import re
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Fields of the house that describe a uniform layout: writing any of them
# regenerates the entrances (and through them the apartments).
UNIFORM_LAYOUT_FIELDS = {
    "layout_type",
    "entrance_count",
    "floor_count",
    "first_floor",
    "apartments_per_floor",
    "first_apartment_number",
}


class D2dHouse(models.Model):
    _name = "d2d.house"
    _description = "House"
    _inherit = ["mail.thread"]
    _order = "street, house_number_sort, house_number, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, index="trigram")
    street = fields.Char(required=True, index=True, tracking=True)
    house_number = fields.Char(required=True, tracking=True)
    house_number_sort = fields.Integer(compute="_compute_name", store=True, aggregator=None)
    city = fields.Char()
    zip = fields.Char()
    active = fields.Boolean(default=True)
    territory_id = fields.Many2one("d2d.territory", required=True, index=True, ondelete="restrict", tracking=True)
    company_id = fields.Many2one(related="territory_id.company_id", store=True, index=True, precompute=True)
    supervisor_id = fields.Many2one(related="territory_id.supervisor_id", string="Supervisor")
    agent_id = fields.Many2one(
        "res.users",
        string="Agent",
        index=True,
        tracking=True,
        domain=lambda self: self.env["res.users"]._d2d_agents_domain(),
        help="Agent who works this house. Agents of the whole territory see it too.",
    )
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    note = fields.Text()

    # Layout. A "uniform" house is described by the five numbers below and its
    # entrances follow them; a "custom" house has its entrances edited one by one.
    layout_type = fields.Selection(
        [("uniform", "Same layout in every entrance"), ("custom", "Set per entrance")],
        default="uniform",
        required=True,
    )
    entrance_count = fields.Integer(string="Entrances", default=1)
    floor_count = fields.Integer(string="Floors", default=5, aggregator=None)
    first_floor = fields.Integer(
        string="First residential floor",
        default=1,
        aggregator=None,
        help="Floors below it have no apartments (shops, offices).",
    )
    apartments_per_floor = fields.Integer(default=4, aggregator=None)
    first_apartment_number = fields.Integer(default=1, aggregator=None)

    entrance_ids = fields.One2many("d2d.entrance", "house_id", string="Entrance list")
    apartment_ids = fields.One2many("d2d.apartment", "house_id", string="Apartments")
    apartment_count = fields.Integer(compute="_compute_apartment_count", store=True)
    visited_apartment_count = fields.Integer(compute="_compute_progress", string="Visited")
    lead_apartment_count = fields.Integer(compute="_compute_progress", string="With a lead")
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    layout_map = fields.Json(compute="_compute_layout_map", string="Map of the house")

    _sql_constraints = [
        (
            "address_uniq",
            "unique(territory_id, street, house_number)",
            "This territory already has a house at this address.",
        ),
    ]

    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    @api.model
    def _d2d_my_work(self):
        """(house ids, apartment ids) of the current user's work: the houses
        given to them, of a territory given to them and, for a supervisor, of
        the territories they supervise; and the apartments handed back to
        them. One query.

        The record rules of apartments and visits read it through their
        `d2d_in_my_work` field, as lists of ids: PostgreSQL then reads a
        city's apartments and visits by their indexes on house and apartment
        (an OR of one sub-query per role, which rules of several groups
        give, made it scan them all), and the lists are fetched afresh at
        every search, so a house given to an agent is theirs at once."""
        self.env.cr.execute(SQL("SELECT * FROM (%s) AS work", self._d2d_my_work_sql()))
        return self.env.cr.fetchone()

    def _d2d_my_work_sql(self):
        """The query of _d2d_my_work: one row, (houses int[], apartments int[]),
        for other queries to build on (the agent app's sync asks it with the
        rest of what it checks, in one round trip)."""
        self.flush_model(["agent_id", "territory_id", "company_id"])
        self.env["d2d.territory"].flush_model(["agent_ids", "supervisor_id"])
        self.env["d2d.apartment"].flush_model(["rework_agent_id", "company_id"])
        supervisor = self.env.user.has_group("door_to_door_crm.group_d2d_supervisor")
        return SQL(
            """
            SELECT ARRAY(SELECT h.id FROM d2d_house h WHERE h.agent_id = %(uid)s
                                AND h.company_id = ANY(%(companies)s)
                         UNION
                         SELECT h.id FROM d2d_house h
                           JOIN d2d_territory_agent_rel r ON r.territory_id = h.territory_id
                          WHERE r.user_id = %(uid)s AND h.company_id = ANY(%(companies)s)
                         UNION
                         SELECT h.id FROM d2d_house h JOIN d2d_territory t ON t.id = h.territory_id
                          WHERE %(supervisor)s AND t.supervisor_id = %(uid)s AND h.company_id = ANY(%(companies)s)),
                   ARRAY(SELECT a.id FROM d2d_apartment a WHERE a.rework_agent_id = %(uid)s
                                AND a.company_id = ANY(%(companies)s))
            """,
            uid=self.env.uid,
            supervisor=supervisor,
            # the user's companies, as the global company rules read them
            companies=self.env.companies.ids,
        )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("street", "house_number")
    def _compute_name(self):
        for house in self:
            house.name = f"{house.street or ''}, {house.house_number or ''}".strip(", ")
            digits = re.match(r"\d+", house.house_number or "")
            house.house_number_sort = int(digits.group()) if digits else 0

    @api.depends("apartment_ids")
    def _compute_apartment_count(self):
        counts = dict(self.env["d2d.apartment"]._read_group([("house_id", "in", self.ids)], ["house_id"], ["__count"]))
        for house in self:
            house.apartment_count = counts.get(house, 0)

    def _compute_progress(self):
        groups = self.env["d2d.apartment"]._read_group(
            [("house_id", "in", self.ids)], ["house_id", "status"], ["__count"]
        )
        visited, leads = defaultdict(int), defaultdict(int)
        for house, status, count in groups:
            if status != "none":
                visited[house] += count
            if status == "lead":
                leads[house] += count
        for house in self:
            house.visited_apartment_count = visited[house]
            house.lead_apartment_count = leads[house]
            house.progress = 100.0 * visited[house] / house.apartment_count if house.apartment_count else 0.0

    @api.depends("entrance_ids", "apartment_ids.status", "apartment_ids.lead_id")
    def _compute_layout_map(self):
        """Entrances side by side, floors top to bottom, one cell per apartment."""
        apartments = self.env["d2d.apartment"].search_fetch(
            [("house_id", "in", self.ids)], ["house_id", "entrance_id", "floor", "number", "status"]
        )
        cells = defaultdict(lambda: defaultdict(list))  # entrance -> floor -> cells
        for apartment in apartments:
            cells[apartment.entrance_id.id][apartment.floor].append(
                {
                    "id": apartment.id,
                    "number": apartment.number,
                    "status": apartment.status,
                    "has_lead": apartment.has_lead,
                }
            )
        labels = dict(self.env["d2d.apartment"]._fields["status"]._description_selection(self.env))
        for house in self:
            entrances = []
            for entrance in house.entrance_ids.sorted("number"):
                floors = cells.get(entrance.id, {})
                top = max([entrance.floor_count, *floors.keys()])
                entrances.append(
                    {
                        "id": entrance.id,
                        "number": entrance.number,
                        "intercom_code": entrance.intercom_code or "",
                        "apartment_count": entrance.apartment_count,
                        "floors": [
                            {"floor": floor, "apartments": sorted(floors.get(floor, []), key=lambda c: c["number"])}
                            for floor in range(top, 0, -1)
                        ],
                    }
                )
            house.layout_map = {"entrances": entrances, "statuses": labels}

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains(*UNIFORM_LAYOUT_FIELDS)
    def _check_uniform_layout(self):
        for house in self.filtered(lambda h: h.layout_type == "uniform"):
            if house.entrance_count < 1:
                raise ValidationError(self.env._("House %(house)s must have at least one entrance.", house=house.name))
            if house.floor_count < 1:
                raise ValidationError(self.env._("House %(house)s must have at least one floor.", house=house.name))
            if not 1 <= house.first_floor <= house.floor_count:
                raise ValidationError(
                    self.env._(
                        "House %(house)s: the first residential floor must be between 1 and %(floors)s.",
                        house=house.name,
                        floors=house.floor_count,
                    )
                )
            if house.apartments_per_floor < 1:
                raise ValidationError(
                    self.env._("House %(house)s must have at least one apartment per floor.", house=house.name)
                )
            if house.first_apartment_number < 1:
                raise ValidationError(
                    self.env._("House %(house)s: apartment numbers start at 1 or more.", house=house.name)
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        houses = super().create(vals_list)
        houses.filtered(lambda h: h.layout_type == "uniform")._apply_uniform_layout()
        return houses

    def write(self, vals):
        previous_agents = {house: house.agent_id for house in self} if "agent_id" in vals else {}
        result = super().write(vals)
        if UNIFORM_LAYOUT_FIELDS & set(vals):
            self.filtered(lambda h: h.layout_type == "uniform")._apply_uniform_layout()
        if previous_agents:
            self._hand_over_open_work(previous_agents)
        return result

    # ------------------------------------------------------------------
    # ASSIGNMENT
    # ------------------------------------------------------------------

    def _hand_over_open_work(self, previous_agents):
        """A house given to another agent takes its open work along: the
        apartments handed back to the former agent to knock again, and the
        leads still at the step "new". Says on the house what moved."""
        moved = self.filtered(lambda house: house.agent_id and previous_agents[house] != house.agent_id)
        if not moved:
            return
        old_agents = self.env["res.users"].union(*(previous_agents[house] for house in moved))
        Apartment = self.env["d2d.apartment"].sudo()
        Lead = self.env["crm.lead"].sudo()
        apartments = Apartment.search([("house_id", "in", moved.ids), ("rework_agent_id", "in", old_agents.ids)])
        leads = Lead.search(
            [("d2d_house_id", "in", moved.ids), ("d2d_stage_code", "=", "new"), ("user_id", "in", old_agents.ids)]
        )
        bodies = {}
        for agent, houses in moved.grouped("agent_id").items():
            house_apartments = apartments.filtered(lambda apartment, houses=houses: apartment.house_id in houses)
            house_leads = leads.filtered(lambda lead, houses=houses: lead.d2d_house_id in houses)
            house_apartments.write({"rework_agent_id": agent.id})
            if house_leads:
                house_leads._d2d_as_move().write({"user_id": agent.id})
                house_leads._d2d_close_step_activities()
                house_leads._d2d_plan_step_activities("new")
            for house in houses:
                bodies[house.id] = self.env._(
                    "House handed from %(old)s to %(new)s with %(apartments)s apartments to knock again "
                    "and %(leads)s new leads.",
                    old=previous_agents[house].name or self.env._("nobody"),
                    new=agent.name,
                    apartments=len(house_apartments.filtered(lambda a, house=house: a.house_id == house)),
                    leads=len(house_leads.filtered(lambda lead, house=house: lead.d2d_house_id == house)),
                )
        self.sudo()._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # LAYOUT
    # ------------------------------------------------------------------

    def _uniform_entrance_values(self):
        """Values of every entrance a uniform layout asks for: {(house id, number): vals}."""
        wanted = {}
        for house in self:
            residential_floors = house.floor_count - house.first_floor + 1
            per_entrance = residential_floors * house.apartments_per_floor
            for number in range(1, house.entrance_count + 1):
                first = house.first_apartment_number + (number - 1) * per_entrance
                wanted[(house.id, number)] = {
                    "floor_count": house.floor_count,
                    "first_floor": house.first_floor,
                    "first_number": first,
                    "last_number": first + per_entrance - 1,
                }
        return wanted

    def _apply_uniform_layout(self):
        """Bring the entrances (and through them the apartments) of uniform
        houses in line with their layout, touching only what changed."""
        if not self:
            return
        self._check_uniform_layout()
        wanted = self._uniform_entrance_values()
        to_update = defaultdict(list)  # frozen vals -> entrance ids
        to_remove = self.env["d2d.entrance"]
        for entrance in self.entrance_ids:
            vals = wanted.pop((entrance.house_id.id, entrance.number), None)
            if vals is None:
                to_remove |= entrance
            elif any(entrance[name] != value for name, value in vals.items()):
                to_update[tuple(sorted(vals.items()))].append(entrance.id)
        # Entrances are written without their own apartment sync: ranges may
        # overlap until every entrance of the house has its new values.
        Entrance = self.env["d2d.entrance"].with_context(d2d_skip_apartment_sync=True)
        for vals, entrance_ids in to_update.items():
            Entrance.browse(entrance_ids).write(dict(vals))
        if wanted:
            Entrance.create(
                [{"house_id": house_id, "number": number, **vals} for (house_id, number), vals in wanted.items()]
            )
        self._sync_apartments(excluded_entrances=to_remove)
        to_remove.with_context(d2d_skip_apartment_sync=True).unlink()

    def _sync_apartments(self, excluded_entrances=None):
        """Create, move and remove the apartments of these houses so that they
        match the ranges of their entrances (less `excluded_entrances`, about
        to be removed). Refuses to remove an apartment that has visits or a
        lead; the caller's transaction then rolls back whole."""
        entrances = self.entrance_ids - (excluded_entrances or self.env["d2d.entrance"])
        entrances._check_ranges()
        wanted = {}  # (house id, apartment number) -> (entrance id, floor)
        for entrance in entrances:
            for number, floor in entrance._apartment_floors():
                wanted[(entrance.house_id.id, number)] = (entrance.id, floor)
        Apartment = self.env["d2d.apartment"]
        existing = Apartment.search_fetch(
            [("house_id", "in", self.ids)], ["house_id", "number", "entrance_id", "floor"]
        )
        to_move = defaultdict(list)  # (entrance id, floor) -> apartment ids
        to_remove = []
        for apartment in existing:
            target = wanted.pop((apartment.house_id.id, apartment.number), None)
            if target is None:
                to_remove.append(apartment.id)
            elif target != (apartment.entrance_id.id, apartment.floor):
                to_move[target].append(apartment.id)
        Apartment.browse(to_remove)._check_removable()
        Apartment.browse(to_remove).unlink()
        for (entrance_id, floor), apartment_ids in to_move.items():
            Apartment.browse(apartment_ids).write({"entrance_id": entrance_id, "floor": floor})
        if wanted:
            Apartment.create(
                [
                    {"house_id": house_id, "number": number, "entrance_id": entrance_id, "floor": floor}
                    for (house_id, number), (entrance_id, floor) in wanted.items()
                ]
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_visited(self):
        self.apartment_ids._check_removable()

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_apartments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_apartment_action")
        action["domain"] = [("house_id", "=", self.id)]
        action["context"] = {"default_house_id": self.id}
        return action

    def action_open_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_visit_action")
        action["domain"] = [("house_id", "=", self.id)]
        return action
