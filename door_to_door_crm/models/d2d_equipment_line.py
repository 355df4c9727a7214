from odoo import api, fields, models
from odoo.exceptions import ValidationError


class D2dEquipmentLine(models.Model):
    """Equipment reserved for a client's installation."""

    _name = "d2d.equipment.line"
    _description = "Equipment to install"
    _order = "lead_id, sequence, id"
    _check_company_auto = True

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True, precompute=True)
    sequence = fields.Integer(default=10)
    equipment_id = fields.Many2one("d2d.equipment", required=True, ondelete="restrict", check_company=True)
    quantity = fields.Integer(default=1, required=True)

    @api.constrains("quantity")
    def _check_quantity(self):
        if any(line.quantity < 1 for line in self):
            raise ValidationError(self.env._("The quantity of equipment must be at least 1."))

    @api.depends("equipment_id", "quantity")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.equipment_id.name} × {line.quantity}"
