from odoo import fields, models


class ResourceResource(models.Model):
    _inherit = "resource.resource"

    # The time off of a resource, so that crews edit theirs on their form.
    leave_ids = fields.One2many("resource.calendar.leaves", "resource_id", string="Time off")
