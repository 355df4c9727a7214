import xmlrpc.client
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import D2dCrewCommon

HIDE_AFTER_DAYS = 10

# The leads every test of this file starts from (built by LeadMatrixCommon).
# Territory A: supervisor, agent, crew (installer); territory B: supervisor_b,
# agent_b, crew_b (installer_b). "*_old" leads were closed 20 days ago, past
# the HIDE_AFTER_DAYS of the setting. "plain_*" leads are Odoo's own, outside
# the door-to-door workflow.
A_OPEN = {"new", "review", "coordination", "scheduled", "quality"}
A_RECENT = A_OPEN | {"done", "lost"}
A_ALL = A_RECENT | {"done_old", "lost_old"}
B_OWN = {"b_review", "b_scheduled", "b_quality"}  # agent_b's
B_ALL = B_OWN | {"b_unassigned"}  # b_unassigned: a new lead whose agent left
PLAIN = {"plain_unassigned", "plain_sales"}
D2D = A_ALL | B_ALL
ALL = D2D | PLAIN
FROM_COORDINATION = {"coordination", "scheduled", "quality", "done", "done_old", "b_scheduled", "b_quality"}

# role -> (leads it reads, leads it writes). Creating and deleting leads is
# for the door-to-door manager alone (the visits open them, "lost" closes them).
# XML-RPC answers an AccessError with the fault code 4, a UserError with 2.
ACCESS_FAULT, USER_FAULT = 4, 2
LEAD_MATRIX = {
    "agent": (A_RECENT, A_RECENT),
    "agent_b": (B_OWN, B_OWN),
    "supervisor": (A_ALL, A_ALL),
    "supervisor_b": (B_ALL, B_ALL),
    "coordinator": (FROM_COORDINATION, FROM_COORDINATION),
    "installer": ({"scheduled", "quality", "done"}, set()),  # crew A's jobs; done_old is hidden
    "installer_b": ({"b_scheduled", "b_quality"}, set()),
    "callcenter": ({"quality", "b_quality"}, {"quality", "b_quality"}),
    "manager": (ALL, ALL),
    "internal": (set(), set()),  # a plain employee: no access to leads at all
}

# The same roles given a Sales group too. Odoo's Sales rules are OR-ed with
# the role's rule ("personal leads": own or unassigned; "all leads"), and
# Sales' access rights add write, create (and for a Sales manager, delete):
# role -> (Sales group, Odoo leads that group shows).
SALES_VARIANTS = {
    "agent": ("sales_team.group_sale_salesman", {"plain_unassigned"}),
    "supervisor": ("sales_team.group_sale_salesman_all_leads", PLAIN),
    "coordinator": ("sales_team.group_sale_salesman", {"plain_unassigned"}),
    "installer": ("sales_team.group_sale_salesman_all_leads", PLAIN),
    "callcenter": ("sales_team.group_sale_manager", PLAIN),
}

# Apartments and visits of the leads "new", "quality", "b_review" and
# "b_quality": role -> (apartments/visits it reads, apartments whose note it
# writes). Visits are append-only: only a manager changes one.
ADDRESS_KEYS = ("new", "quality", "b_review", "b_quality")
ADDRESS_MATRIX = {
    "agent": ({"new", "quality"}, {"new", "quality"}),
    "agent_b": ({"b_review", "b_quality"}, {"b_review", "b_quality"}),
    "supervisor": ({"new", "quality"}, {"new", "quality"}),
    "supervisor_b": ({"b_review", "b_quality"}, {"b_review", "b_quality"}),
    "coordinator": (set(ADDRESS_KEYS), set()),
    "installer": (set(), set()),
    "callcenter": ({"quality", "b_quality"}, set()),
    "manager": (set(ADDRESS_KEYS), set(ADDRESS_KEYS)),
    "internal": (set(), set()),
}


class LeadMatrixCommon(D2dCrewCommon):
    """Leads at every step, in two territories, with crews' jobs, hidden old
    ones and Odoo's own leads, named "MX-<key>" (see the sets above)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(cls.env, "lc_seller", groups="sales_team.group_sale_salesman", name="Seller")
        cls.sales_team = cls.env.ref("sales_team.team_sales_department")
        cls.env.company.d2d_hide_closed_after_days = HIDE_AFTER_DAYS

    def setUp(self):
        super().setUp()
        lead = self.lead_at
        self.leads = {step: lead(step, self.house_a) for step in ("new", "review", "coordination")}
        self.leads["scheduled"] = lead("scheduled", self.house_a)
        self.leads["quality"] = lead("quality", self.house_a)
        self.leads["done"] = lead("done", self.house_a)
        self.leads["lost"] = lead("review", self.house_a, key="lost")
        self.leads["lost"].with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
        self.leads["done_old"] = lead("done", self.house_a, key="done_old")
        self.leads["lost_old"] = lead("new", self.house_a, key="lost_old")
        self.leads["lost_old"].with_user(self.agent).action_set_lost(lost_reason_id=self.lost_reason.id)
        long_ago = fields.Datetime.now() - timedelta(days=2 * HIDE_AFTER_DAYS)
        (self.leads["done_old"] | self.leads["lost_old"]).write({"date_closed": long_ago})
        self.leads["b_review"] = lead("review", self.house_b)
        self.leads["b_scheduled"] = lead("scheduled", self.house_b)
        self.leads["b_quality"] = lead("quality", self.house_b)
        self.leads["b_unassigned"] = lead("new", self.house_b, key="b_unassigned")
        self.leads["b_unassigned"].write({"user_id": False})  # its agent left: the supervisor takes it over
        self.leads["b_unassigned"]._d2d_close_step_activities()
        self.leads["b_unassigned"]._d2d_plan_step_activities("new")
        Lead = self.env["crm.lead"]
        self.leads["plain_unassigned"] = Lead.create(
            {"name": "MX-plain_unassigned", "user_id": False, "team_id": self.sales_team.id}
        )
        self.leads["plain_sales"] = Lead.create(
            {"name": "MX-plain_sales", "user_id": self.seller.id, "team_id": self.sales_team.id}
        )
        Lead._cron_d2d_hide_closed_leads()
        self.assertEqual(set(self.leads), ALL)
        self.assertEqual(
            self.key_set(Lead.with_context(active_test=False).search([("d2d_hidden", "=", True)])),
            {"done_old", "lost_old"},
        )

    def lead_at(self, step, house, key=None):
        """A lead knocked in `house` and walked to `step` by its roles (past
        coordination, through a job of the territory's crew)."""
        lead = self.knock_lead(house, name=f"MX-{key or (step if house == self.house_a else 'b_' + step)}")
        return self.walk(lead, step)

    def key_set(self, records):
        """The keys of self.leads among `records` (leads, or ids)."""
        ids = set(records.ids if hasattr(records, "ids") else records)
        return {key for key, lead in self.leads.items() if lead.id in ids}

    def fixture_ids(self):
        return [lead.id for lead in self.leads.values()]

    def user(self, role):
        return getattr(self, role)

    def allow_export(self, user):
        """Odoo lets only the group "Access to export feature" export: check
        the refusal, then give `user` that group."""
        allow_export = self.env.ref("base.group_allow_export")
        if allow_export not in user.groups_id:
            with self.assertRefused(UserError, "rights to export"):
                self.env["crm.lead"].with_user(user).search([], limit=1).export_data(["name"])
            user.groups_id = [(4, allow_export.id)]

    def with_sales(self, role):
        group, _plain = SALES_VARIANTS[role]
        user = self.user(role)
        user.groups_id = [(4, self.env.ref(group).id)]
        return user


@tagged("post_install", "-at_install")
class TestLeadAccess(LeadMatrixCommon):
    """The design's table for crm.lead, the visits and the apartments, role by
    role, with `with_user`: read, write, create and delete."""

    def can_read(self, user, lead):
        Lead = self.env["crm.lead"].with_user(user).with_context(active_test=False)
        try:
            found = bool(Lead.search([("id", "=", lead.id)]))
        except AccessError:
            found = False
        readable = self.attempt(lambda: lead.with_user(user).read(["name", "stage_id", "phone"])) == "allowed"
        self.assertEqual(found, readable, "search and read agree")
        return readable

    def check_leads(self, user, reads, writes, creates=False, deletes=()):
        """Every lead of the fixture against `user`: read, write and delete
        (`deletes`: the Odoo leads a Sales manager may delete); then creating
        a lead by hand, an Odoo one and a door-to-door one."""
        for key, lead in self.leads.items():
            with self.subTest(user=user.login, lead=key):
                self.assertEqual(self.can_read(user, lead), key in reads, "read")
                outcome = self.attempt(lambda lead=lead: lead.with_user(user).write({"description": "checked"}))
                self.assertEqual(outcome, "allowed" if key in writes else AccessError, "write")
                if user != self.manager or key in ("new", "review", "lost", "lost_old", "b_unassigned", *PLAIN):
                    # (a lead with installation jobs is kept by them, even for a manager)
                    outcome = self.attempt(lambda lead=lead: lead.with_user(user).unlink())
                    self.assertEqual(outcome == "allowed", user == self.manager or key in deletes, "unlink")
        Lead = self.env["crm.lead"].with_user(user)
        by_hand = self.attempt(lambda: Lead.create({"name": "By hand", "team_id": self.sales_team.id}))
        self.assertEqual(by_hand, "allowed" if creates or user == self.manager else AccessError, "create")
        apartment = self.house_a.apartment_ids.filtered(lambda apartment: not apartment.lead_id)[:1]
        d2d_by_hand = self.attempt(lambda: Lead.create({"name": "By hand", "d2d_apartment_id": apartment.id}))
        self.assertEqual(d2d_by_hand == "allowed", user == self.manager, "create a door-to-door lead by hand")

    def check_other_ways_in(self, user, reads):
        """search_read, web_search_read, read_group, name_search, export,
        chatter and activities show `user` the same leads as read()."""
        Lead = self.env["crm.lead"].with_user(user).with_context(active_test=False)
        domain = [("id", "in", self.fixture_ids())]
        self.assertEqual(self.key_set(r["id"] for r in Lead.search_read(domain, ["name"])), reads)
        found = Lead.web_search_read(domain, {"name": {}, "stage_id": {"fields": {"display_name": {}}}})
        self.assertEqual(self.key_set(r["id"] for r in found["records"]), reads)
        groups = Lead.read_group(domain, ["stage_id"], ["stage_id"])
        self.assertEqual(sum(group["stage_id_count"] for group in groups), len(reads))
        self.assertEqual(self.key_set(i for i, _name in Lead.name_search("MX-", limit=100)), reads)
        self.allow_export(user)
        self.assertEqual(len(Lead.search(domain).export_data(["name", "phone"])["datas"]), len(reads))
        hidden = [lead.id for key, lead in self.leads.items() if key not in reads]
        if hidden:
            with self.assertRaises(AccessError):
                Lead.browse(hidden).export_data(["name", "phone"])
        # The chatter of a lead out of sight stays out of sight, but for what
        # Odoo's mail rules give anyone: the messages one wrote or received.
        messages = (
            self.env["mail.message"]
            .with_user(user)
            .search([("model", "=", "crm.lead"), ("res_id", "in", domain[0][2])])
        )
        partner = user.partner_id
        foreign = messages.sudo().filtered(
            lambda message: (
                message.res_id in hidden
                and message.author_id != partner
                and partner not in message.partner_ids | message.notified_partner_ids
            )
        )
        self.assertFalse(foreign, "chatter of leads out of sight")
        activities = self.env["mail.activity"].with_user(user).search([("res_model", "=", "crm.lead")])
        self.assertLessEqual(self.key_set(activities.mapped("res_id")), reads, "activities")

    def can_find(self, user, record):
        try:
            return bool(record.with_user(user).search([("id", "=", record.id)]))
        except AccessError:
            return False

    def check_addresses(self, user, reads, writes):
        for key in ADDRESS_KEYS:
            apartment = self.leads[key].d2d_apartment_id
            visit = self.leads[key].d2d_visit_ids[:1]
            with self.subTest(user=user.login, address_of=key):
                for record in (apartment, visit):
                    outcome = self.attempt(lambda record=record: record.with_user(user).read(["display_name"]))
                    self.assertEqual(outcome, "allowed" if key in reads else AccessError, record._name)
                    self.assertEqual(self.can_find(user, record), key in reads, f"{record._name} search")
                outcome = self.attempt(lambda apartment=apartment: apartment.with_user(user).write({"note": "x"}))
                self.assertEqual(outcome, "allowed" if key in writes else AccessError, "apartment note")
                outcome = self.attempt(lambda visit=visit: visit.with_user(user).write({"note": "x"}))
                self.assertEqual(outcome == "allowed", user == self.manager, "visit note")

    def check_role(self, role):
        reads, writes = LEAD_MATRIX[role]
        user = self.user(role)
        self.check_leads(user, reads, writes)
        if role != "internal":
            self.check_other_ways_in(user, reads)
        if role in ADDRESS_MATRIX:
            self.check_addresses(user, *ADDRESS_MATRIX[role])

    def test_agent(self):
        self.check_role("agent")
        self.check_role("agent_b")

    def test_supervisor(self):
        self.check_role("supervisor")
        self.check_role("supervisor_b")

    def test_coordinator(self):
        self.check_role("coordinator")

    def test_installer(self):
        self.check_role("installer")
        self.check_role("installer_b")

    def test_callcenter(self):
        self.check_role("callcenter")

    def test_manager(self):
        self.check_role("manager")

    def test_plain_internal_user(self):
        self.check_role("internal")

    def test_a_sales_group_does_not_widen_a_door_to_door_role(self):
        """Each role given a Sales group as well: it sees and changes the same
        door-to-door leads as before; the Sales group adds Odoo's own leads
        only. Without the fence, "personal leads" would show the agent the
        unassigned lead of territory B and their own hidden ones."""
        for role, (_group, plain) in SALES_VARIANTS.items():
            reads, writes = LEAD_MATRIX[role]
            user = self.with_sales(role)
            deletes = plain if role == "callcenter" else ()  # a Sales manager deletes Odoo's leads
            self.check_leads(user, reads | plain, writes | plain, creates=True, deletes=deletes)
            self.check_other_ways_in(user, reads | plain)
            self.check_addresses(user, *ADDRESS_MATRIX[role])

    def test_a_sales_manager_does_not_delete_door_to_door_leads(self):
        user = self.with_sales("callcenter")
        with self.assertRefused(UserError, "mark it lost instead"):
            self.leads["quality"].with_user(user).unlink()
        self.assertTrue(self.leads["quality"].exists())
        self.leads["plain_sales"].with_user(user).unlink()  # Odoo's own leads stay Sales' business

    def test_sales_activity_report_keeps_the_fence(self):
        """Sales' activity report (the leads' done activities) shows an agent
        who is also a salesman the activities of their own leads only."""
        agent = self.with_sales("agent")
        rows = self.env["crm.activity.report"].with_user(agent).with_context(active_test=False).search([])
        self.assertTrue(rows)
        self.assertLessEqual(self.key_set(rows.mapped("lead_id").ids), A_RECENT | {"plain_unassigned"})
        everything = self.env["crm.activity.report"].with_context(active_test=False).search([])
        self.assertTrue(self.key_set(everything.mapped("lead_id").ids) - LEAD_MATRIX["agent"][0])

    def test_no_d2d_role_implies_a_sales_group(self):
        sales_groups = self.env.ref("sales_team.group_sale_salesman") | self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        for role in ("agent", "supervisor", "coordinator", "installer", "callcenter"):
            group = self.env.ref(f"door_to_door_crm.group_d2d_{role}")
            self.assertFalse(group.trans_implied_ids & sales_groups, role)

    def test_the_fence_and_the_roles_rules_agree(self):
        """The fence (res.users) repeats the domains of the roles' rules: for
        each role alone, the fence lets through exactly what its rule does."""
        rules = {
            "agent": "crm_lead_rule_d2d_agent",
            "supervisor": "crm_lead_rule_d2d_supervisor",
            "coordinator": "crm_lead_rule_d2d_coordinator",
            "installer": "crm_lead_rule_installer",
            "callcenter": "crm_lead_rule_d2d_callcenter",
        }
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for role, rule_xmlid in rules.items():
            user = self.user(role)
            rule = self.env.ref(f"door_to_door_crm.{rule_xmlid}")
            rule_domain = safe_eval(rule.domain_force, rule.with_user(user)._eval_context())
            by_rule = Lead.search([("id", "in", self.fixture_ids()), *rule_domain])
            by_fence = Lead.search([("id", "in", self.fixture_ids()), *user._d2d_lead_fence_domain()])
            self.assertEqual(self.key_set(by_fence) & D2D, self.key_set(by_rule) & D2D, role)

    def test_old_leads_come_back_into_sight_when_the_setting_grows(self):
        self.env["d2d.settings"].create({"d2d_hide_closed_after_days": 3 * HIDE_AFTER_DAYS}).execute()
        Lead = self.env["crm.lead"].with_user(self.agent).with_context(active_test=False)
        self.assertEqual(self.key_set(Lead.search([("id", "in", self.fixture_ids())])), A_ALL)
        self.env["d2d.settings"].create({"d2d_hide_closed_after_days": HIDE_AFTER_DAYS}).execute()
        self.assertEqual(self.key_set(Lead.search([("id", "in", self.fixture_ids())])), A_RECENT)

    def test_lead_form_opens_for_every_role(self):
        """The fields of the lead form load for each role that sees leads
        (no model behind the form is out of reach)."""
        for role, key in (
            ("agent", "new"),
            ("supervisor", "review"),
            ("coordinator", "coordination"),
            ("installer", "scheduled"),
            ("callcenter", "quality"),
        ):
            user, lead = self.user(role), self.leads[key]
            Lead = self.env["crm.lead"].with_user(user)
            arch = etree.fromstring(Lead.get_views([(False, "form")])["views"]["form"]["arch"])
            # the fields the web client reads: those of the form, not of its sub-views
            names = {node.get("name") for node in arch.iter("field") if next(node.iterancestors("field"), None) is None}
            fields_spec = {
                name: ({"fields": {"display_name": {}}} if Lead._fields[name].relational else {}) for name in names
            }
            self.assertTrue(lead.with_user(user).web_read(fields_spec), user.login)


@tagged("post_install", "-at_install")
class TestLeadRpc(HttpCase, LeadMatrixCommon):
    """The same table through real XML-RPC calls over HTTP, with the users'
    passwords: the agent, the installer and the call-centre, and an agent who
    is a salesman too."""

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def call(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def assertFault(self, code, user, model, method, *args, **kwargs):
        with self.assertRefused(xmlrpc.client.Fault) as cm:
            self.call(user, model, method, *args, **kwargs)
        self.assertEqual(cm.exception.faultCode, code, cm.exception.faultString)
        return cm.exception.faultString

    def check_over_rpc(self, user, reads, writes):
        everything = {"context": {"active_test": False}}
        domain = [("id", "in", self.fixture_ids())]
        rows = self.call(user, "crm.lead", "search_read", domain, ["name", "phone"], **everything)
        self.assertEqual(self.key_set(row["id"] for row in rows), reads, "search_read")
        groups = self.call(user, "crm.lead", "read_group", domain, ["stage_id"], ["stage_id"], **everything)
        self.assertEqual(sum(group["stage_id_count"] for group in groups), len(reads), "read_group")
        names = self.call(user, "crm.lead", "name_search", "MX-", limit=100, **everything)
        self.assertEqual(self.key_set(i for i, _name in names), reads, "name_search")
        ids = self.call(user, "crm.lead", "search", domain, **everything)
        if ids:
            self.assertFault(USER_FAULT, user, "crm.lead", "export_data", ids, ["name", "phone"])
        self.allow_export(user)
        exported = self.call(user, "crm.lead", "export_data", ids, ["name", "phone"])
        self.assertEqual(len(exported["datas"]), len(reads), "export")
        for key, lead in self.leads.items():
            with self.subTest(user=user.login, lead=key):
                if key not in reads:
                    self.assertFault(ACCESS_FAULT, user, "crm.lead", "read", [lead.id], ["name", "phone"])
                    self.assertFault(ACCESS_FAULT, user, "crm.lead", "export_data", [lead.id], ["name", "phone"])
                if key not in writes:
                    self.assertFault(ACCESS_FAULT, user, "crm.lead", "write", [lead.id], {"description": "over rpc"})
        self.assertFault(ACCESS_FAULT, user, "crm.lead", "unlink", [self.leads["new"].id])
        self.assertTrue(self.leads["new"].exists())
        self.assertFalse(self.env["crm.lead"].search([("description", "ilike", "over rpc")]))

    def test_agent_over_xmlrpc(self):
        self.check_over_rpc(self.agent, *LEAD_MATRIX["agent"])
        self.assertFault(ACCESS_FAULT, self.agent, "crm.lead", "create", [{"name": "By hand"}])
        own = self.leads["new"]
        self.call(self.agent, "crm.lead", "write", [own.id], {"description": "Door code 12"})
        self.assertIn("Door code 12", own.description)

    def test_agent_cannot_move_a_lead_by_writing_over_xmlrpc(self):
        """Neither the stage, nor the stored step code, nor the clock of the
        step, nor a context that claims to be a move, nor an import."""
        own = self.leads["new"]
        before = (own.stage_id, own.d2d_stage_code, own.date_last_stage_update, own.d2d_deadline)
        review = self.env["crm.lead"]._d2d_stage("review")
        for vals, context in (
            ({"stage_id": review.id}, {}),
            ({"stage_id": review.id}, {"d2d_move": True}),
            ({"d2d_stage_code": "quality"}, {}),
            ({"date_last_stage_update": "2030-01-01 00:00:00"}, {}),
            ({"d2d_deadline": "2030-01-01 00:00:00"}, {}),
            ({"active": False}, {"d2d_move": 1}),
        ):
            with self.subTest(vals=vals, context=context):
                message = self.assertFault(USER_FAULT, self.agent, "crm.lead", "write", [own.id], vals, context=context)
                self.assertIn("only through its buttons", message)
        result = self.call(self.agent, "crm.lead", "load", [".id", "stage_id/.id"], [[str(own.id), str(review.id)]])
        self.assertTrue(any(message["type"] == "error" for message in result["messages"]), result)
        own.invalidate_recordset()
        self.assertEqual((own.stage_id, own.d2d_stage_code, own.date_last_stage_update, own.d2d_deadline), before)
        self.call(self.agent, "crm.lead", "action_d2d_submit", [own.id])
        own.invalidate_recordset()
        self.assertEqual(own.d2d_stage_code, "review")
        with self.assertRefused(xmlrpc.client.Fault, "cannot go"):
            self.call(self.agent, "crm.lead", "action_d2d_submit", [own.id])

    def test_agent_who_is_a_salesman_over_xmlrpc(self):
        user = self.with_sales("agent")
        reads, writes = LEAD_MATRIX["agent"]
        self.check_over_rpc(user, reads | {"plain_unassigned"}, writes | {"plain_unassigned"})
        apartment = self.house_a.apartment_ids.filtered(lambda apartment: not apartment.lead_id)[:1]
        message = self.assertFault(
            USER_FAULT, user, "crm.lead", "create", [{"name": "By hand", "d2d_apartment_id": apartment.id}]
        )
        self.assertIn("opened by a visit", message)

    def test_installer_over_xmlrpc(self):
        self.check_over_rpc(self.installer, *LEAD_MATRIX["installer"])
        self.check_over_rpc(self.installer_b, *LEAD_MATRIX["installer_b"])

    def test_callcenter_over_xmlrpc(self):
        self.check_over_rpc(self.callcenter, *LEAD_MATRIX["callcenter"])
        quality = self.leads["quality"]
        message = self.assertFault(
            USER_FAULT, self.callcenter, "crm.lead", "action_d2d_quality_call", [quality.id], ok=False, note=""
        )
        self.assertIn("reason", message)
        self.assertFault(
            ACCESS_FAULT, self.callcenter, "crm.lead", "action_d2d_quality_call", [self.leads["review"].id], ok=True
        )
        self.call(self.callcenter, "crm.lead", "action_d2d_quality_call", [quality.id], ok=True, note="All good")
        self.assertEqual(quality.d2d_stage_code, "done")
