import xmlrpc.client

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import D2dLeadCommon

STEPS = ("new", "review", "coordination", "scheduled", "quality", "done")


@tagged("post_install", "-at_install")
class TestLeadAccess(D2dLeadCommon):
    """Who sees and writes which lead, role by role (the design's table)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        # one lead of territory A at each step, and one of territory B in review
        self.leads = {step: self.walk(self.knock_lead(), step) for step in STEPS}
        self.lead_b = self.walk(self.knock_lead(self.house_b), "review")
        self.plain_lead = self.env["crm.lead"].create({"name": "Ordinary CRM lead, nobody's"})

    def visible(self, user):
        Lead = self.env["crm.lead"].with_user(user)
        candidates = [*self.leads.values(), self.lead_b, self.plain_lead]
        return {lead for lead in candidates if Lead.search([("id", "=", lead.id)])}

    def steps_seen(self, user):
        return {step for step, lead in self.leads.items() if lead in self.visible(user)}

    def can_write(self, user, lead):
        try:
            with self.env.cr.savepoint():
                lead.with_user(user).write({"description": "checked"})
            return True
        except AccessError:
            return False

    def test_agent_sees_only_own_leads(self):
        self.assertEqual(self.steps_seen(self.agent), set(STEPS))
        self.assertNotIn(self.lead_b, self.visible(self.agent))
        self.assertNotIn(self.plain_lead, self.visible(self.agent), "Odoo's 'personal leads' rule does not apply")
        self.assertEqual(self.visible(self.agent_b), {self.lead_b})
        self.assertTrue(self.can_write(self.agent, self.leads["new"]))
        self.assertFalse(self.can_write(self.agent, self.lead_b))

    def test_supervisor_sees_their_territories(self):
        self.assertEqual(self.steps_seen(self.supervisor), set(STEPS))
        self.assertNotIn(self.lead_b, self.visible(self.supervisor))
        self.assertEqual(self.visible(self.supervisor_b), {self.lead_b})
        self.assertTrue(self.can_write(self.supervisor, self.leads["review"]))

    def test_coordinator_sees_leads_from_coordination_on(self):
        self.assertEqual(self.steps_seen(self.coordinator), {"coordination", "scheduled", "quality", "done"})
        self.assertNotIn(self.lead_b, self.visible(self.coordinator))
        self.assertTrue(self.can_write(self.coordinator, self.leads["coordination"]))
        self.assertFalse(self.can_write(self.coordinator, self.leads["review"]))

    def test_callcenter_sees_only_quality_calls(self):
        self.assertEqual(self.visible(self.callcenter), {self.leads["quality"]})
        quality = self.leads["quality"].with_user(self.callcenter)
        self.assertTrue(quality.d2d_apartment_id.read(["display_name"]), "the address of the call")
        with self.assertRaises(AccessError):
            self.leads["new"].d2d_apartment_id.with_user(self.callcenter).read(["display_name"])

    def test_installer_and_plain_users_see_no_lead_yet(self):
        for user in (self.installer, self.internal):
            with self.assertRaises(AccessError):
                self.leads["scheduled"].with_user(user).read(["name"])

    def test_manager_sees_all(self):
        self.assertEqual(self.visible(self.manager), {*self.leads.values(), self.lead_b, self.plain_lead})

    def test_nobody_but_a_manager_creates_or_deletes_leads(self):
        for user in (self.agent, self.supervisor, self.coordinator, self.callcenter):
            with self.assertRaises(AccessError):
                self.env["crm.lead"].with_user(user).create({"name": "Direct"})
            with self.assertRaises(AccessError):
                self.leads["quality"].with_user(user).unlink()
        self.leads["new"].with_user(self.manager).unlink()

    def test_no_d2d_role_implies_a_sales_group(self):
        sales_groups = self.env.ref("sales_team.group_sale_salesman") | self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        for role in ("agent", "supervisor", "coordinator", "installer", "callcenter"):
            group = self.env.ref(f"door_to_door_crm.group_d2d_{role}")
            self.assertFalse(group.trans_implied_ids & sales_groups, role)

    def test_visits_and_apartments_follow_the_leads_roles(self):
        visit_b = self.lead_b.d2d_visit_ids
        with self.assertRaises(AccessError):
            visit_b.with_user(self.agent).read(["result"])
        self.assertTrue(visit_b.with_user(self.supervisor_b).read(["result"]))
        self.assertTrue(visit_b.with_user(self.coordinator).read(["result"]))
        with self.assertRaises(AccessError):
            visit_b.with_user(self.callcenter).read(["result"])
        with self.assertRaises(UserError):
            visit_b.with_user(self.supervisor_b).write({"note": "edited"})

    def test_lead_form_opens_for_every_role(self):
        """The fields of the lead form load for each role that sees leads
        (no model behind the form is out of reach)."""
        for user, lead in (
            (self.agent, self.leads["new"]),
            (self.supervisor, self.leads["review"]),
            (self.coordinator, self.leads["coordination"]),
            (self.callcenter, self.leads["quality"]),
        ):
            Lead = self.env["crm.lead"].with_user(user)
            views = Lead.get_views([(False, "form")])
            fields_spec = {
                name: ({"fields": {"display_name": {}}} if Lead._fields[name].relational else {})
                for name in views["models"]["crm.lead"]["fields"]
                if name in Lead._fields
            }
            self.assertTrue(lead.with_user(user).web_read(fields_spec), user.login)


@tagged("post_install", "-at_install")
class TestLeadRpc(HttpCase, D2dLeadCommon):
    """The same rules through real XML-RPC calls over HTTP."""

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def call(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def test_agent_over_xmlrpc(self):
        own = self.knock_lead()
        other = self.knock_lead(self.house_b)
        found = self.call(self.agent, "crm.lead", "search", [("d2d_stage_code", "!=", False)])
        self.assertIn(own.id, found)
        self.assertNotIn(other.id, found)
        review = self.env["crm.lead"]._d2d_stage("review")
        with self.assertRefused(xmlrpc.client.Fault, "only through its buttons"):
            self.call(self.agent, "crm.lead", "write", [own.id], {"stage_id": review.id})
        self.call(self.agent, "crm.lead", "action_d2d_submit", [own.id])
        self.assertEqual(own.d2d_stage_code, "review")
        with self.assertRefused(xmlrpc.client.Fault, "cannot go"):
            self.call(self.agent, "crm.lead", "action_d2d_submit", [own.id])

    def test_callcenter_over_xmlrpc(self):
        quality = self.walk(self.knock_lead(), "quality")
        review = self.walk(self.knock_lead(), "review")
        found = self.call(self.callcenter, "crm.lead", "search", [("d2d_stage_code", "!=", False)])
        self.assertEqual(found, [quality.id])
        with self.assertRefused(xmlrpc.client.Fault):
            self.call(self.callcenter, "crm.lead", "read", [review.id], ["name"])
        with self.assertRefused(xmlrpc.client.Fault, "reason"):
            self.call(self.callcenter, "crm.lead", "action_d2d_quality_call", [quality.id], ok=False, note="")
        self.call(self.callcenter, "crm.lead", "action_d2d_quality_call", [quality.id], ok=True, note="All good")
        self.assertEqual(quality.d2d_stage_code, "done")
