from odoo import fields, models


class D2dEquipment(models.Model):
    """A kind of equipment the crews install (router, TV box, cable...): the
    coordinator reserves it on the client card, with quantities."""

    _name = "d2d.equipment"
    _description = "Equipment"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, help="Empty: used by every company."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_company_uniq", "UNIQUE NULLS NOT DISTINCT (name, company_id)", "This equipment already exists."),
    ]
