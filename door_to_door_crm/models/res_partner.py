from odoo import fields, models


class ResPartner(models.Model):
    """Clients' phones stored in E.164 form (phone_validation's
    mail.thread.phone, as the `sms` addon does), so that the call-centre
    finds a lead by the phone of its client through an index, never by
    scanning the partners."""

    _name = "res.partner"
    _inherit = ["mail.thread.phone", "res.partner"]

    phone_sanitized = fields.Char(index="btree_not_null")
