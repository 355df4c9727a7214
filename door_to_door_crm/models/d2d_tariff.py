from odoo import fields, models


class D2dTariff(models.Model):
    """A tariff of the provider, which the coordinator picks on the client
    card and the crew connects; the manager keeps the list."""

    _name = "d2d.tariff"
    _description = "Tariff"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(help="What the tariff gives: speeds, TV channels, conditions.")
    monthly_fee = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, help="Empty: offered by every company."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE NULLS NOT DISTINCT (name, company_id)",
            "A tariff with this name already exists.",
        ),
    ]
