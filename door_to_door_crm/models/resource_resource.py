from odoo import fields, models


class ResourceResource(models.Model):
    _inherit = "resource.resource"

    # The time off of a resource, so that crews edit theirs on their form.
    leave_ids = fields.One2many("resource.calendar.leaves", "resource_id", string="Time off")
    # The crew this resource is the working time of, archived crews included:
    # coordinators change these resources only (rule resource_resource_rule_d2d_coordinator).
    d2d_crew_ids = fields.One2many("d2d.crew", "resource_id", string="Crew", context={"active_test": False})
