from odoo import fields, models
from odoo.exceptions import UserError


class D2dWorkMixin(models.AbstractModel):
    """`d2d_in_my_work`: whether a record belongs to the current user's
    door-to-door work (see d2d.house._d2d_my_work). The record rules of
    agents and supervisors on apartments and visits read it; each model says
    which of its columns hold the house and the apartment."""

    _name = "d2d.work.mixin"
    _description = "In the current user's door-to-door work"

    d2d_in_my_work = fields.Boolean(
        string="In my work",
        compute="_compute_d2d_in_my_work",
        search="_search_d2d_in_my_work",
        help="In a house the current user works (theirs, of their territories or of the territories they "
        "supervise), or handed back to them.",
    )

    def _d2d_my_work_domain(self, house_ids, apartment_ids):
        """The domain of the records of these houses and these apartments."""
        raise NotImplementedError

    def _compute_d2d_in_my_work(self):
        mine = self.search([("id", "in", self.ids), ("d2d_in_my_work", "=", True)])
        for record in self:
            record.d2d_in_my_work = record in mine

    def _search_d2d_in_my_work(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search “In my work” with “is set” or “is not set” only."))
        domain = self._d2d_my_work_domain(*self.env["d2d.house"]._d2d_my_work())
        return domain if (operator == "=") == value else ["!", *domain]
