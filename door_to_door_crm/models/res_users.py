from odoo import api, models
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval

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
# The work each role opens on (its home action and the app icon's), the
# first role the user holds winning: a manager holds every role's group.
D2D_HOME_ACTIONS = (
    ("door_to_door_crm.group_d2d_manager", "door_to_door_crm.crm_lead_action_d2d", {}),
    (
        "door_to_door_crm.group_d2d_supervisor",
        "door_to_door_crm.crm_lead_action_d2d",
        {"search_default_my_responsibility": 1},
    ),
    ("door_to_door_crm.group_d2d_coordinator", "door_to_door_crm.crm_lead_action_d2d_coordination", {}),
    ("door_to_door_crm.group_d2d_callcenter", "door_to_door_crm.d2d_callcenter_queue_action", {}),
    ("door_to_door_crm.group_d2d_installer", "door_to_door_crm.d2d_installation_action_my_jobs", {}),
    ("door_to_door_crm.group_d2d_agent", "door_to_door_crm.d2d_agent_app_action", {}),
)
HOME_SERVER_ACTION = "door_to_door_crm.action_server_d2d_home"

# Roles that only read leads (ir.model.access.csv gives them no more).
D2D_READ_ONLY_GROUPS = ("door_to_door_crm.group_d2d_installer",)


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._d2d_set_home_action()
        return users

    def write(self, vals):
        result = super().write(vals)
        if "groups_id" in vals or any(key.startswith("in_group_") or key.startswith("sel_groups_") for key in vals):
            self._d2d_set_home_action()
        return result

    def _d2d_set_home_action(self):
        """Users who get a door-to-door role and have no home action of
        their own open on their role's work (see _d2d_home_action)."""
        home = self.env.ref(HOME_SERVER_ACTION, raise_if_not_found=False)
        agent_group = self.env.ref("door_to_door_crm.group_d2d_agent", raise_if_not_found=False)
        other_roles = [self.env.ref(group, raise_if_not_found=False) for group, _xmlid, _ctx in D2D_HOME_ACTIONS]
        roles = agent_group.browse({group.id for group in [agent_group, *other_roles] if group})
        if not (home and roles):
            return
        newcomers = self.filtered(lambda user: not user.action_id and user.groups_id & roles)
        if newcomers:
            newcomers.sudo().write({"action_id": home.id})

    @api.model
    def _d2d_home_action(self):
        """The action of the current user's door-to-door work: the pipeline
        for the manager, the leads waiting for them for a supervisor, the
        coordination queue, the quality calls, the installer's jobs, the
        agent's tablet. Called by the server action of the app's icon and of
        the users' home."""
        for group, xmlid, context in D2D_HOME_ACTIONS:
            if self.env.user.has_group(group):
                action = self.env["ir.actions.actions"]._for_xml_id(xmlid)
                if context:
                    action["context"] = {**safe_eval(action.get("context") or "{}", {"uid": self.env.uid}), **context}
                return action
        return self.env["ir.actions.actions"]._for_xml_id("mail.action_discuss")

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
