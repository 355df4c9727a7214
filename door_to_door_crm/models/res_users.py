from odoo import api, models
from odoo.osv import expression

from .crm_lead import MANAGER_GROUP


def d2d_agent_lead_domain(uid):
    """The leads an agent sees: their own, until closed for longer than the
    configured days. The one definition read by the agents' record rule, the
    fence and the tablet's snapshot (whose SQL a test holds to it)."""
    return [("user_id", "=", uid), ("d2d_hidden", "=", False)]


# What each door-to-door role shows of the door-to-door leads: the same
# domains as the roles' record rules on crm.lead (security/d2d_rules.xml).
D2D_LEAD_ROLE_DOMAINS = {
    "door_to_door_crm.group_d2d_agent": d2d_agent_lead_domain,
    "door_to_door_crm.group_d2d_supervisor": lambda uid: [("d2d_territory_id.supervisor_id", "=", uid)],
    "door_to_door_crm.group_d2d_coordinator": lambda uid: [
        ("d2d_stage_code", "in", ["coordination", "scheduled", "quality", "done"])
    ],
    "door_to_door_crm.group_d2d_installer": lambda uid: [
        ("d2d_installation_ids.crew_id.member_ids", "in", uid),
        ("d2d_hidden", "=", False),
    ],
    "door_to_door_crm.group_d2d_callcenter": lambda uid: [("d2d_stage_code", "=", "quality")],
}
# Roles that only read leads (ir.model.access.csv gives them no more).
D2D_READ_ONLY_GROUPS = ("door_to_door_crm.group_d2d_installer",)


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _d2d_agents_domain(self):
        """The users who knock on doors, for the fields that pick an agent:
        agents, not the office roles whose groups imply the agent's
        (supervisors and the manager)."""
        return [
            ("share", "=", False),
            ("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_agent").id),
            ("groups_id", "not in", self.env.ref("door_to_door_crm.group_d2d_supervisor").id),
        ]

    def _d2d_agent_lead_domain(self):
        """The leads this user sees as an agent (the rule `crm_lead_rule_d2d_agent`)."""
        self.ensure_one()
        return d2d_agent_lead_domain(self.id)

    def _d2d_lead_fence_domain(self, mode="read"):
        """The leads this user may reach at all for `mode` ("read", or
        "write" for write, create and unlink): every lead outside the
        door-to-door workflow (left to Odoo's own rules), and the door-to-door
        leads that one of the user's door-to-door roles shows, or lets change
        (installers only read leads).

        Read by the global rules `crm_lead_rule_d2d_fence_*`. Record rules of
        different groups are OR-ed, so a Sales group given to an agent would
        add Odoo's "personal leads" (own or unassigned) to the agent's rule,
        and its access rights would let an installer write; global rules are
        AND-ed with all of them and keep the door-to-door leads to what the
        door-to-door roles allow."""
        self.ensure_one()
        if self.has_group(MANAGER_GROUP):
            return [(1, "=", 1)]
        not_d2d = [("d2d_stage_code", "=", False), ("d2d_apartment_id", "=", False)]
        roles = [
            domain(self.id)
            for group, domain in D2D_LEAD_ROLE_DOMAINS.items()
            if self.has_group(group) and (mode == "read" or group not in D2D_READ_ONLY_GROUPS)
        ]
        return expression.OR([not_d2d, *roles])
