from odoo import api, fields, models


class D2dTerritory(models.Model):
    _name = "d2d.territory"
    _description = "Door-to-door territory"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(help="Short code used on reports and on the agents' tablets.")
    active = fields.Boolean(default=True)
    color = fields.Integer()
    city = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    supervisor_id = fields.Many2one(
        "res.users",
        string="Supervisor",
        index=True,
        tracking=True,
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_supervisor").id)],
    )
    agent_ids = fields.Many2many(
        "res.users",
        "d2d_territory_agent_rel",
        "territory_id",
        "user_id",
        string="Agents",
        domain=lambda self: self.env["res.users"]._d2d_agents_domain(),
        help="Agents who work the whole territory. Single houses can also be given to an agent on the house.",
    )
    house_ids = fields.One2many("d2d.house", "territory_id", string="Houses")
    house_count = fields.Integer(compute="_compute_counts")
    apartment_count = fields.Integer(compute="_compute_counts")
    note = fields.Html()

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Another territory already uses this code."),
    ]

    @api.depends("house_ids.apartment_count")
    def _compute_counts(self):
        groups = self.env["d2d.house"]._read_group(
            [("territory_id", "in", self.ids)],
            ["territory_id"],
            ["__count", "apartment_count:sum"],
        )
        counts = {territory.id: (count, apartments) for territory, count, apartments in groups}
        for territory in self:
            territory.house_count, territory.apartment_count = counts.get(territory.id, (0, 0))

    def action_open_houses(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_house_action")
        action["domain"] = [("territory_id", "=", self.id)]
        action["context"] = {"default_territory_id": self.id}
        return action
