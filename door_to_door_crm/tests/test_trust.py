import inspect
import json
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import D2dLeadCommon

ADDON_MODULE = "odoo.addons.door_to_door_crm."
# XML-RPC answers an AccessError with the fault code 4, a UserError with 2.
ACCESS_FAULT, USER_FAULT = 4, 2


class D2dHttpCommon(HttpCase, D2dLeadCommon):
    """Real HTTP calls as the users themselves: XML-RPC with their password,
    and the web client's /web/dataset/call_kw in their session."""

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def xmlrpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def xmlrpc_fault(self, user, model, method, *args, **kwargs):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            self.xmlrpc(user, model, method, *args, **kwargs)
        return cm.exception

    def call_kw(self, user, model, method, *args, **kwargs):
        """The JSON-RPC answer of the web client's call: {"result": ...} or {"error": ...}."""
        self.authenticate(user.login, user.login)
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def call_kw_ok(self, user, model, method, *args, **kwargs):
        answer = self.call_kw(user, model, method, *args, **kwargs)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def call_kw_refused(self, user, model, method, *args, error="odoo.exceptions.AccessError", **kwargs):
        answer = self.call_kw(user, model, method, *args, **kwargs)
        self.assertIn("error", answer, f"{model}.{method} was allowed: {answer.get('result')}")
        self.assertEqual(answer["error"]["data"]["name"], error, answer["error"]["data"]["message"])
        return answer["error"]["data"]["message"]

    def allow_export(self, user):
        user.groups_id = [(4, self.env.ref("base.group_allow_export").id)]


@tagged("post_install", "-at_install")
class TestWorkflowBypass(D2dHttpCommon):
    """Nobody skips the workflow: not through the lost move's values, not by
    bringing a lead of their own into it."""

    def test_lost_carries_only_its_reason_over_call_kw(self):
        lead = self.knock_lead()
        done = self.env["crm.lead"]._d2d_stage("done")
        values = {"lost_reason_id": self.lost_reason.id, "active": True, "stage_id": done.id}
        message = self.call_kw_refused(
            self.agent, "crm.lead", "action_set_lost", [lead.id], error="odoo.exceptions.UserError", **values
        )
        self.assertIn("only through its buttons", message)
        lead.invalidate_recordset()
        self.assertEqual(
            (lead.d2d_stage_code, lead.active, lead.lost_reason_id), ("new", True, self.lost_reason.browse())
        )
        self.assertIs(
            self.call_kw_ok(self.agent, "crm.lead", "action_set_lost", [lead.id], lost_reason_id=self.lost_reason.id),
            True,
        )
        lead.invalidate_recordset()
        self.assertEqual((lead.d2d_stage_code, lead.active, lead.lost_reason_id), ("new", False, self.lost_reason))

    def test_a_salesman_cannot_bring_a_lead_into_the_workflow_over_xmlrpc(self):
        seller = new_test_user(self.env, "tw_seller", groups="sales_team.group_sale_salesman", name="Seller")
        Lead = self.env["crm.lead"]
        apartment = self.house_b.apartment_ids.filtered(lambda apartment: not apartment.lead_id)[:1]
        stages = {code: Lead._d2d_stage(code) for code in ("new", "review", "done")}
        lead_id = self.xmlrpc(seller, "crm.lead", "create", [{"name": "Plain lead"}])[0]
        for vals in (
            {"stage_id": stages["review"].id, "d2d_apartment_id": apartment.id},
            {"stage_id": stages["done"].id},
            {"d2d_apartment_id": apartment.id},
        ):
            with self.subTest(vals=vals):
                fault = self.xmlrpc_fault(seller, "crm.lead", "write", [lead_id], vals)
                self.assertEqual(fault.faultCode, USER_FAULT, fault.faultString)
                self.assertIn("opened by a visit", fault.faultString)
        fault = self.xmlrpc_fault(seller, "crm.lead", "create", [{"name": "Shortcut", "stage_id": stages["new"].id}])
        self.assertIn("opened by a visit", fault.faultString)
        lead = Lead.browse(lead_id)
        self.assertFalse(lead.d2d_stage_code or lead.d2d_apartment_id)
        self.assertFalse(apartment.lead_ids)
        self.assertFalse(Lead.search_count([("name", "=", "Shortcut")]))
        self.xmlrpc(seller, "crm.lead", "write", [lead_id], {"description": "still a plain lead"})

    def test_a_refusal_does_not_name_a_lead_out_of_sight_over_xmlrpc(self):
        lead = self.knock_lead(name="Olga Secretova")
        review = self.env["crm.lead"]._d2d_stage("review")
        fault = self.xmlrpc_fault(self.agent_b, "crm.lead", "write", [lead.id], {"stage_id": review.id})
        self.assertEqual(fault.faultCode, ACCESS_FAULT, fault.faultString)
        self.assertNotIn("Secretova", fault.faultString)
        self.assertEqual(lead.d2d_stage_code, "new")


@tagged("post_install", "-at_install")
class TestPublicActionsAnswer(D2dHttpCommon):
    """Every public action_* of the addon answers XML-RPC with a value or a
    clear fault, never "cannot marshal None"."""

    def addon_actions(self):
        """(model, method) of each action_* method defined by a class of this addon."""
        found = set()
        for model_name in self.env.registry:
            for cls in type(self.env[model_name]).__mro__:
                if not cls.__module__.startswith(ADDON_MODULE):
                    continue
                for name, member in vars(cls).items():
                    if name.startswith("action_") and callable(member):
                        found.add((model_name, name))
        return sorted(found)

    def arguments(self, model_name, method):
        """Plausible values for the required parameters of the method."""
        start = fields.Datetime.now() + timedelta(days=2)
        values = {
            "crew_id": self.crew.id,
            "start": fields.Datetime.to_string(start),
            "stop": fields.Datetime.to_string(start + timedelta(hours=2)),
            "until": fields.Datetime.to_string(start),
            "reason": "Checked over XML-RPC",
            "result": "done",
        }
        signature = inspect.signature(getattr(type(self.env[model_name]), method))
        required = [
            name
            for name, parameter in signature.parameters.items()
            if name != "self"
            and parameter.default is parameter.empty
            and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
        ]
        return {name: values.get(name, False) for name in required}

    def test_no_action_answers_none(self):
        self.crew = self.env["d2d.crew"].create(
            {"name": "Crew RPC", "leader_id": self.installer.id, "member_ids": [(6, 0, self.installer.ids)]}
        )
        lead = self.knock_lead()
        self.walk(self.knock_lead(), "coordination")
        actions = self.addon_actions()
        self.assertIn(("crm.lead", "action_set_lost"), actions)
        self.assertIn(("d2d.installation", "action_d2d_report"), actions)
        answers = {}
        for model_name, method in actions:
            records = self.env[model_name].with_context(active_test=False).search([], limit=1, order="id desc")
            if model_name == "crm.lead":
                records = lead
            kwargs = self.arguments(model_name, method)
            if method == "action_set_lost":
                kwargs["lost_reason_id"] = self.lost_reason.id
            # (a refused or impossible call is logged by the server: expected here)
            with self.subTest(model=model_name, method=method), mute_logger("odoo.http"):
                try:
                    answers[model_name, method] = self.xmlrpc(self.manager, model_name, method, records.ids, **kwargs)
                except xmlrpc.client.Fault as fault:
                    self.assertNotIn("marshal", fault.faultString)
                    answers[model_name, method] = fault
        self.assertIs(answers["crm.lead", "action_set_lost"], True)


@tagged("post_install", "-at_install")
class TestClientDetailsVisibility(D2dHttpCommon):
    """Agent B works agent A's house too: B sees A's visits and apartments
    (the doors to knock), never A's clients."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.territory_a.agent_ids = [(4, cls.agent_b.id)]

    def setUp(self):
        super().setUp()
        self.lead = self.knock_lead(phone="+79161112233", name="Olga Secretova")
        self.visit_a = self.lead.d2d_visit_ids
        self.env["d2d.visit"].create(
            {
                "apartment_id": self.lead.d2d_apartment_id.id,
                "result": "lead",
                "note": "Hidden key under the mat",
                "phone": "+79161112233",
                "contact_name": "Olga Secretova",
                "agent_id": self.agent.id,
            }
        )
        self.visits = self.lead.d2d_visit_ids
        self.allow_export(self.agent_b)

    def test_agent_b_reads_no_client_of_agent_a_over_call_kw(self):
        b, ids = self.agent_b, self.visits.ids
        self.assertEqual(len(self.call_kw_ok(b, "d2d.visit", "search", [("id", "in", ids)])), len(ids))
        for method, args, kwargs in (
            ("read", [ids, ["contact_name"]], {}),
            ("read", [ids, ["phone"]], {}),
            ("read", [ids, ["note"]], {}),
            ("read", [ids, ["lead_id"]], {}),
            ("search_read", [[("id", "in", ids)], ["phone", "contact_name"]], {}),
            ("web_read", [ids], {"specification": {"note": {}}}),
            (
                "web_search_read",
                [[("id", "in", ids)]],
                {"specification": {"lead_id": {"fields": {"display_name": {}}}}},
            ),
            ("read_group", [[("id", "in", ids)], ["phone"], ["phone"]], {}),
            ("read_group", [[("id", "in", ids)], ["contact_name"], ["contact_name"]], {}),
            ("export_data", [ids, ["phone"]], {}),
            ("export_data", [ids, ["lead_id/name"]], {}),
            ("search", [[("phone", "=", "+79161112233")]], {}),
            ("search_count", [[("contact_name", "ilike", "Secret")]], {}),
            ("search", [[("note", "ilike", "key")]], {}),
        ):
            with self.subTest(method=method, args=args):
                self.call_kw_refused(b, "d2d.visit", method, *args, **kwargs)
        # what B may read of these visits tells nothing of the client
        for answer in (
            self.call_kw_ok(b, "d2d.visit", "search_read", [("id", "in", ids)]),
            self.call_kw_ok(b, "d2d.visit", "name_search", "Baumana"),
            self.call_kw_ok(b, "d2d.visit", "read", ids, ["display_name", "result"]),
        ):
            self.assertNotIn("Secret", json.dumps(answer))
            self.assertNotIn("1112233", json.dumps(answer))

        apartment = self.lead.d2d_apartment_id.id
        self.call_kw_refused(b, "d2d.apartment", "read", [apartment], ["lead_id"])
        self.call_kw_refused(b, "d2d.apartment", "search", [("lead_id.name", "ilike", "Secret")])
        rows = self.call_kw_ok(b, "d2d.apartment", "search_read", [("id", "=", apartment)])
        self.assertNotIn("Secret", json.dumps(rows))
        # B knows there is a lead behind the door, not whose
        self.assertTrue(rows[0]["has_lead"])
        self.assertFalse(
            self.call_kw_ok(b, "d2d.apartment", "search", [("has_lead", "=", False), ("id", "=", apartment)])
        )
        # the agent of the lead reads their client through their lead
        own = self.call_kw_ok(self.agent, "crm.lead", "read", self.lead.ids, ["contact_name", "phone"])
        self.assertEqual(own[0]["phone"], "+79161112233")


@tagged("post_install", "-at_install")
class TestJobsAndPassport(D2dHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crew = cls.create_crew("Crew A", cls.installer)

    def job_for(self, lead, state):
        start = fields.Datetime.now() + timedelta(days=1)
        job = self.env["d2d.installation"].create(
            {"lead_id": lead.id, "crew_id": self.crew.id, "start": start, "stop": start + timedelta(hours=2)}
        )
        job.sudo().write({"state": state})
        return job

    def test_jobs_of_hidden_leads_are_out_of_sight_over_call_kw(self):
        lead = self.walk(self.knock_lead(phone="+79163334455", name="Old Client"), "coordination")
        job = self.job_for(lead, "done")
        lead.sudo()._d2d_move("scheduled", ("coordination",))
        self.walk(lead, "done")
        self.env.company.d2d_hide_closed_after_days = 10
        lead.write({"date_closed": fields.Datetime.now() - timedelta(days=20)})
        self.env["crm.lead"]._cron_d2d_hide_closed_leads()
        self.assertTrue(lead.d2d_hidden)
        for user in (self.installer, self.agent):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.call_kw_ok(user, "d2d.installation", "search_read", [("id", "=", job.id)], ["phone"])
                )
                self.call_kw_refused(user, "d2d.installation", "read", job.ids, ["phone", "contact_name"])
        # the coordinator sees every job, and the client of a job only while they see its lead
        returned = self.walk(self.knock_lead(phone="+79165556677", name="Back Client"), "coordination")
        cancelled = self.job_for(returned, "cancelled")
        returned.with_user(self.coordinator).action_d2d_return_to_supervisor(reason="Wrong address")
        rows = self.call_kw_ok(
            self.coordinator, "d2d.installation", "search_read", [("id", "=", cancelled.id)], ["phone", "contact_name"]
        )
        self.assertEqual((rows[0]["phone"], rows[0]["contact_name"]), (False, False))

    def test_the_call_centre_does_not_see_the_passport_over_call_kw(self):
        lead = self.walk(self.knock_lead(), "quality")
        lead.write({"d2d_passport": "4510 987654", "d2d_passport_issued": "MVD Moscow, 2015-06-01"})
        self.allow_export(self.callcenter)
        operator = self.callcenter
        for method, args in (
            ("read", [lead.ids, ["d2d_passport"]]),
            ("read", [lead.ids, ["d2d_passport_issued"]]),
            ("search_read", [[("id", "=", lead.id)], ["name", "d2d_passport"]]),
            ("export_data", [lead.ids, ["d2d_passport"]]),
            ("search", [[("d2d_passport", "like", "4510")]]),
        ):
            with self.subTest(method=method, args=args):
                self.call_kw_refused(operator, "crm.lead", method, *args)
        rows = self.call_kw_ok(operator, "crm.lead", "search_read", [("id", "=", lead.id)])
        self.assertEqual(len(rows), 1)
        self.assertNotIn("987654", json.dumps(rows))
        passport = self.call_kw_ok(self.manager, "crm.lead", "read", lead.ids, ["d2d_passport"])
        self.assertEqual(passport[0]["d2d_passport"], "4510 987654")


@tagged("post_install", "-at_install")
class TestManagerSettings(D2dHttpCommon):
    """The door-to-door manager, not an administrator, configures the workflow."""

    def test_manager_saves_the_settings_and_time_limits_over_call_kw(self):
        self.assertFalse(self.manager.has_group("base.group_system"))
        self.assertTrue(self.call_kw_ok(self.manager, "d2d.settings", "get_views", [[False, "form"]]))
        self.env.company.d2d_hide_closed_after_days = 17
        defaults = self.call_kw_ok(self.manager, "d2d.settings", "default_get", ["d2d_hide_closed_after_days"])
        self.assertEqual(defaults["d2d_hide_closed_after_days"], 17, "the company's value")
        settings_id = self.call_kw_ok(
            self.manager,
            "d2d.settings",
            "create",
            [{"d2d_hide_closed_after_days": 7, "d2d_default_coordinator_id": self.coordinator.id}],
        )[0]
        self.assertIs(self.call_kw_ok(self.manager, "d2d.settings", "execute", [settings_id]), True)
        company = self.env.company
        self.assertEqual((company.d2d_hide_closed_after_days, company.d2d_coordinator_id), (7, self.coordinator))

        review = self.env["crm.lead"]._d2d_stage("review")
        self.call_kw_ok(self.manager, "crm.stage", "write", review.ids, {"d2d_time_limit_hours": 12})
        self.assertEqual(review.d2d_time_limit_hours, 12)
        self.call_kw_refused(self.manager, "crm.stage", "write", review.ids, {"name": "Renamed"})

        self.call_kw_refused(self.supervisor, "d2d.settings", "create", [{"d2d_hide_closed_after_days": 1}])
        self.call_kw_refused(self.supervisor, "crm.stage", "write", review.ids, {"d2d_time_limit_hours": 1})
        self.assertEqual(company.d2d_hide_closed_after_days, 7)


@tagged("post_install", "-at_install")
class TestAgentLeadDomain(D2dLeadCommon):
    """The agent's leads are defined once (res.users._d2d_agent_lead_domain):
    the record rule reads it, and the tablet's snapshot SQL agrees with it."""

    def test_the_rule_and_the_snapshot_follow_the_one_domain(self):
        Lead = self.env["crm.lead"]
        own = self.knock_lead()
        lost = self.knock_lead()
        lost.with_user(self.agent).action_set_lost(lost_reason_id=self.lost_reason.id)
        hidden = self.walk(self.knock_lead(), "done")
        hidden.write({"date_closed": fields.Datetime.now() - timedelta(days=400)})
        Lead._cron_d2d_hide_closed_leads()
        colleague = self.knock_lead(self.house_b)
        plain = Lead.create({"name": "Plain lead of the agent", "user_id": self.agent.id})
        self.assertTrue(hidden.d2d_hidden)

        domain = self.agent._d2d_agent_lead_domain()
        rule = self.env.ref("door_to_door_crm.crm_lead_rule_d2d_agent")
        self.assertEqual(safe_eval(rule.domain_force, rule.with_user(self.agent)._eval_context()), domain)

        snapshot = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()
        self.assertIsInstance(snapshot["leads"], list)
        by_snapshot = {row[0] for row in snapshot["leads"]}
        agent_leads = Lead.with_user(self.agent)
        # the tablet holds the door-to-door leads among them that are not lost (archived)
        by_domain = set(agent_leads.search([*domain, ("d2d_stage_code", "!=", False)]).ids)
        self.assertEqual(by_snapshot, by_domain)
        self.assertIn(own.id, by_snapshot)
        self.assertIn(lost, agent_leads.with_context(active_test=False).search(domain))
        self.assertFalse(by_snapshot & {colleague.id, hidden.id, plain.id})
        self.assertIn(plain, agent_leads.search(domain))
