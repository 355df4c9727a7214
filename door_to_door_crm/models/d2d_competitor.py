from odoo import fields, models


class D2dCompetitor(models.Model):
    _name = "d2d.competitor"
    _description = "Competing provider"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=False)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    website = fields.Char()
    note = fields.Text()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A competitor with this name already exists."),
    ]
