from odoo import api, models
from odoo.exceptions import ValidationError


class CrmLead(models.Model):
    """A door-to-door lead belongs to the company of its territory (a legal
    entity per city): set when the lead is created from a knock and whenever
    its apartment, hence its territory, changes; a check keeps them equal."""

    _inherit = "crm.lead"

    @api.depends("d2d_territory_id.company_id")
    def _compute_company_id(self):
        super()._compute_company_id()
        for lead in self:
            # the territory read through the apartment, not the lead's own
            # d2d_territory_id: on a new lead that field is still to compute,
            # and computing it here would run _check_d2d_company against the
            # company just proposed above (the user's current one), refusing
            # the lead of a user working in several companies
            territory = lead.d2d_apartment_id.house_id.territory_id
            if territory:
                lead.company_id = territory.company_id

    @api.constrains("company_id", "d2d_territory_id")
    def _check_d2d_company(self):
        for lead in self:
            if lead.d2d_territory_id and lead.company_id != lead.d2d_territory_id.company_id:
                raise ValidationError(self.env._("A door-to-door lead belongs to the company of its territory."))
