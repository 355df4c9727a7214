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
            if lead.d2d_territory_id:
                lead.company_id = lead.d2d_territory_id.company_id

    @api.constrains("company_id", "d2d_territory_id")
    def _check_d2d_company(self):
        for lead in self:
            if lead.d2d_territory_id and lead.company_id != lead.d2d_territory_id.company_id:
                raise ValidationError(self.env._("A door-to-door lead belongs to the company of its territory."))
