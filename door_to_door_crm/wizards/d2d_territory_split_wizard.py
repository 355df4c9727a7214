from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.d2d_notification import notification


class D2dTerritorySplitWizard(models.TransientModel):
    _name = "d2d.territory.split.wizard"
    _description = "Split a territory's houses between agents"

    territory_id = fields.Many2one("d2d.territory", required=True)
    scope = fields.Selection(
        [("unassigned", "Houses without an agent"), ("all", "All houses")],
        default="unassigned",
        required=True,
    )
    agent_ids = fields.Many2many(
        "res.users",
        string="Agents",
        required=True,
        domain=lambda self: self.env["res.users"]._d2d_agents_domain(),
    )
    preview = fields.Text(compute="_compute_preview")

    @api.depends("territory_id", "scope", "agent_ids")
    def _compute_preview(self):
        for wizard in self:
            if not (wizard.territory_id and wizard.agent_ids):
                wizard.preview = False
                continue
            wizard.preview = wizard._describe(wizard._plan())

    def _describe(self, plan):
        """One line per agent of `plan` ({agent: houses}): what they are given."""
        return "\n".join(
            self.env._(
                "%(agent)s: %(houses)s houses, %(apartments)s apartments",
                agent=agent.name,
                houses=len(houses),
                apartments=sum(houses.mapped("apartment_count")),
            )
            for agent, houses in plan.items()
        )

    def _houses_to_split(self):
        domain = [("territory_id", "=", self.territory_id.id)]
        if self.scope == "unassigned":
            domain.append(("agent_id", "=", False))
        return self.env["d2d.house"].search(domain)

    def _plan(self):
        """{agent: houses}: whole streets given, largest first, to the agent
        with the fewest apartments so far (counting, when only unassigned
        houses are split, what each agent already has in the territory)."""
        houses = self._houses_to_split()
        streets = defaultdict(lambda: self.env["d2d.house"])
        for house in houses:
            streets[house.street] |= house
        load = dict.fromkeys(self.agent_ids, 0)
        if self.scope == "unassigned":
            kept = self.env["d2d.house"]._read_group(
                [("territory_id", "=", self.territory_id.id), ("agent_id", "in", self.agent_ids.ids)],
                ["agent_id"],
                ["apartment_count:sum"],
            )
            for agent, apartments in kept:
                load[agent] = apartments
        plan = {agent: self.env["d2d.house"] for agent in self.agent_ids}
        for _street, street_houses in sorted(
            streets.items(), key=lambda item: (-sum(item[1].mapped("apartment_count")), item[0])
        ):
            agent = min(self.agent_ids, key=lambda user: (load[user], user.id))
            plan[agent] |= street_houses
            load[agent] += sum(street_houses.mapped("apartment_count"))
        return plan

    def action_split(self):
        self.ensure_one()
        if not self._houses_to_split():
            raise UserError(
                self.env._("There is no house to split in %(territory)s.", territory=self.territory_id.name)
            )
        plan = self._plan()
        # described before the houses are written: the plan of the houses
        # still to split would be empty afterwards
        message = self._describe(plan)
        for agent, houses in plan.items():
            houses.write({"agent_id": agent.id})
        # The agents now work the houses given to them, not the whole territory.
        self.territory_id.write({"agent_ids": [fields.Command.unlink(agent.id) for agent in plan]})
        self.territory_id.message_post(body=self.env._("Houses split between agents:\n%(plan)s", plan=message))
        return notification(message, title=self.env._("Territory split"))
