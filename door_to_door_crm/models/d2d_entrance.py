import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

RANGE_FIELDS = {"floor_count", "first_floor", "first_number", "last_number"}


class D2dEntrance(models.Model):
    _name = "d2d.entrance"
    _description = "Entrance of a house"
    _order = "house_id, number"
    _rec_names_search = ["house_id", "number"]

    house_id = fields.Many2one("d2d.house", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="house_id.company_id", store=True, index=True, precompute=True)
    number = fields.Integer(required=True, default=1, aggregator=None)
    floor_count = fields.Integer(string="Floors", required=True, default=5, aggregator=None)
    first_floor = fields.Integer(string="First residential floor", required=True, default=1, aggregator=None)
    first_number = fields.Integer(string="First apartment", required=True, default=1, aggregator=None)
    last_number = fields.Integer(string="Last apartment", required=True, default=20, aggregator=None)
    apartments_per_floor = fields.Integer(compute="_compute_apartments_per_floor", store=True)
    apartment_ids = fields.One2many("d2d.apartment", "entrance_id", string="Apartments")
    apartment_count = fields.Integer(compute="_compute_apartment_count", store=True)
    intercom_code = fields.Char()
    note = fields.Char()

    _sql_constraints = [
        ("number_uniq", "unique(house_id, number)", "This house already has an entrance with this number."),
    ]

    @api.depends("house_id.name", "number")
    def _compute_display_name(self):
        for entrance in self:
            entrance.display_name = self.env._(
                "%(house)s, entrance %(number)s", house=entrance.house_id.name, number=entrance.number
            )

    @api.depends("first_number", "last_number", "floor_count", "first_floor")
    def _compute_apartments_per_floor(self):
        for entrance in self:
            floors = entrance.floor_count - entrance.first_floor + 1
            count = entrance.last_number - entrance.first_number + 1
            entrance.apartments_per_floor = math.ceil(count / floors) if floors > 0 and count > 0 else 0

    @api.depends("apartment_ids")
    def _compute_apartment_count(self):
        counts = dict(
            self.env["d2d.apartment"]._read_group([("entrance_id", "in", self.ids)], ["entrance_id"], ["__count"])
        )
        for entrance in self:
            entrance.apartment_count = counts.get(entrance, 0)

    @api.constrains(*RANGE_FIELDS, "number")
    def _check_values(self):
        for entrance in self:
            name = entrance.house_id.name
            if entrance.number < 1:
                raise ValidationError(self.env._("House %(house)s: entrance numbers start at 1.", house=name))
            if entrance.floor_count < 1:
                raise ValidationError(
                    self.env._(
                        "House %(house)s, entrance %(n)s: it needs at least one floor.", house=name, n=entrance.number
                    )
                )
            if not 1 <= entrance.first_floor <= entrance.floor_count:
                raise ValidationError(
                    self.env._(
                        "House %(house)s, entrance %(n)s: "
                        "the first residential floor must be between 1 and %(floors)s.",
                        house=name,
                        n=entrance.number,
                        floors=entrance.floor_count,
                    )
                )
            if entrance.first_number < 1:
                raise ValidationError(
                    self.env._(
                        "House %(house)s, entrance %(n)s: apartment numbers start at 1 or more.",
                        house=name,
                        n=entrance.number,
                    )
                )
            if entrance.last_number < entrance.first_number:
                raise ValidationError(
                    self.env._(
                        "House %(house)s, entrance %(n)s: "
                        "the last apartment (%(last)s) comes before the first one (%(first)s).",
                        house=name,
                        n=entrance.number,
                        last=entrance.last_number,
                        first=entrance.first_number,
                    )
                )

    def _check_ranges(self):
        """Values of each entrance, and no two entrances of a house sharing an
        apartment number."""
        self._check_values()
        by_house = defaultdict(list)
        for entrance in self:
            by_house[entrance.house_id].append(entrance)
        for house, entrances in by_house.items():
            entrances.sort(key=lambda e: e.first_number)
            for left, right in zip(entrances, entrances[1:], strict=False):
                if right.first_number <= left.last_number:
                    raise ValidationError(
                        self.env._(
                            "House %(house)s: entrance %(a)s (apartments %(a_first)s–%(a_last)s) and entrance %(b)s "
                            "(apartments %(b_first)s–%(b_last)s) overlap. "
                            "An apartment number belongs to one entrance only.",
                            house=house.name,
                            a=left.number,
                            a_first=left.first_number,
                            a_last=left.last_number,
                            b=right.number,
                            b_first=right.first_number,
                            b_last=right.last_number,
                        )
                    )

    def _apartment_floors(self):
        """(number, floor) of each apartment of this entrance, spread evenly
        over its residential floors from the bottom up."""
        self.ensure_one()
        per_floor = self.apartments_per_floor or 1
        for index, number in enumerate(range(self.first_number, self.last_number + 1)):
            yield number, self.first_floor + index // per_floor

    # ------------------------------------------------------------------
    # CRUD: every change of a range re-syncs the apartments of its house
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        entrances = super().create(vals_list)
        if not self.env.context.get("d2d_skip_apartment_sync"):
            entrances._check_custom_layout()
            entrances.house_id._sync_apartments()
        return entrances

    def write(self, vals):
        syncing = RANGE_FIELDS & set(vals) and not self.env.context.get("d2d_skip_apartment_sync")
        if syncing:
            self._check_custom_layout()
        houses_before = self.house_id
        result = super().write(vals)
        if syncing or "house_id" in vals:
            (houses_before | self.house_id)._sync_apartments()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_uniform_layout(self):
        if not self.env.context.get("d2d_skip_apartment_sync"):
            self._check_custom_layout()

    def unlink(self):
        # The apartments go first (they hang from their entrance); should
        # `_unlink_except_uniform_layout` refuse, the whole transaction rolls
        # back with them.
        if not self.env.context.get("d2d_skip_apartment_sync"):
            self.house_id._sync_apartments(excluded_entrances=self)
        return super().unlink()

    def _check_custom_layout(self):
        uniform = self.house_id.filtered(lambda h: h.layout_type == "uniform")
        if uniform:
            raise UserError(
                self.env._(
                    "The entrances of %(houses)s follow the house's layout. Change the layout of the house, "
                    "or set its layout to “Set per entrance” to edit entrances one by one.",
                    houses=", ".join(uniform.mapped("name")),
                )
            )
