from datetime import date, datetime, timedelta

import polib
import pytz
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .test_i18n import I18N
from .test_lead_moves import MoveCommon

COLORS = {"planned": "success", "today": "warning", "overdue": "danger"}


class LeadViewsCommon(MoveCommon):
    """Territory A's leads as the supervisor sees them on the pipeline: one
    whose activity is planned ahead (green), due today (yellow), overdue and
    past its step's time limit (red, stuck), and a postponed one that waits
    for nobody (grey)."""

    def setUp(self):
        super().setUp()
        self.green = self.walk(self.knock_lead(name="Green Lead"), "review")
        self.yellow = self.walk(self.knock_lead(name="Yellow Lead"), "review")
        self.red = self.walk(self.knock_lead(name="Red Lead"), "review")
        self.grey = self.walk(self.knock_lead(name="Grey Lead"), "coordination")
        today = self.today_of(self.supervisor)
        self.step_activities(self.green).date_deadline = today + timedelta(days=3)
        self.step_activities(self.yellow).date_deadline = today
        self.step_activities(self.red).date_deadline = today - timedelta(days=2)
        # the red lead has waited three days at a step of 24 hours
        self.red.sudo().date_last_stage_update = fields.Datetime.now() - timedelta(days=3)
        self.grey.with_user(self.coordinator).action_d2d_postpone(
            fields.Datetime.now() + timedelta(days=5), "Client abroad"
        )
        self.leads = self.green | self.yellow | self.red | self.grey
        self.assertEqual(
            [lead.activity_state for lead in self.leads], ["planned", "today", "overdue", False]
        )  # as Odoo computes the colour of each card

    @staticmethod
    def today_of(user):
        """Today as mail.activity counts it for the activities of `user`."""
        if not user.tz:
            return date.today()
        return datetime.now(pytz.utc).astimezone(pytz.timezone(user.tz)).date()


@tagged("post_install", "-at_install")
class TestLeadViews(LeadViewsCommon):
    """The pipeline's kanban, its filters and the stuck leads, loaded as the
    web client loads them (get_views, web_search_read, read_progress_bar)."""

    def views(self, action_xmlid, view_types):
        action = self.env.ref(action_xmlid)
        Lead = self.env["crm.lead"].with_user(self.supervisor).with_context(**safe_eval(action.context or "{}"))
        views = Lead.get_views(
            [(view.view_id.id, view.view_mode) for view in action.view_ids] + [(action.search_view_id.id, "search")]
        )
        domain = safe_eval(action.domain or "[]", {"uid": self.supervisor.id})
        arches = {view_type: etree.fromstring(views["views"][view_type]["arch"]) for view_type in view_types}
        return Lead, domain, arches

    def found(self, Lead, domain):
        records = Lead.web_search_read(domain, {"name": {}})["records"]
        return {record["id"] for record in records} & set(self.leads.ids)

    def test_the_pipeline_columns_are_the_door_to_door_steps(self):
        """Grouped by stage as the kanban groups it (with the empty columns
        group_expand adds): the six steps, no stock CRM column, no revenue."""
        Lead, domain, arches = self.views("door_to_door_crm.crm_lead_action_d2d", ("kanban",))
        groups = Lead.web_read_group(domain, ["stage_id"], ["stage_id"])["groups"]
        codes = self.env["crm.stage"].browse(group["stage_id"][0] for group in groups).mapped("d2d_code")
        self.assertEqual(codes, ["new", "review", "coordination", "scheduled", "quality", "done"])
        progressbar = arches["kanban"].find(".//progressbar")
        self.assertFalse(progressbar.get("sum_field"), "no expected-revenue sums")
        # a sales team's pipeline keeps its stock columns, without the door-to-door steps
        sales = self.env.ref("sales_team.team_sales_department")
        stock = (
            self.env["crm.lead"]
            .with_context(default_team_id=sales.id)
            .web_read_group([("team_id", "=", sales.id)], ["stage_id"], ["stage_id"])
        )
        stock_codes = self.env["crm.stage"].browse(g["stage_id"][0] for g in stock["groups"]).mapped("d2d_code")
        self.assertFalse(any(stock_codes))

    def test_the_lead_form_opens_on_the_door_to_door_page(self):
        """The first tab holds the client, apartment and service; revenue,
        probability, stars and meetings are hidden for a door-to-door lead
        (and only for one: a stock lead keeps them)."""
        arch = etree.fromstring(
            self.env["crm.lead"].with_user(self.supervisor).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertEqual(arch.find(".//notebook/page").get("name"), "d2d")
        hidden = [
            arch.xpath("//field[@name='expected_revenue']/ancestor::h2[1]")[0],
            arch.xpath("//button[@name='action_schedule_meeting']")[0],
            arch.xpath("//field[@name='priority'][@nolabel='1']")[0],
        ]
        for node in hidden:
            self.assertIn("d2d_stage_code", node.get("invisible"), node.tag)

    def test_kanban_colours_its_cards_by_their_activities(self):
        Lead, domain, arches = self.views("door_to_door_crm.crm_lead_action_d2d", ("kanban", "search"))
        kanban = arches["kanban"]
        self.assertIn("o_d2d_kanban", kanban.get("class"))
        self.assertEqual(kanban.get("default_group_by"), "stage_id")
        progressbar = kanban.find(".//progressbar")
        self.assertEqual(progressbar.get("field"), "activity_state")
        self.assertEqual(safe_eval(progressbar.get("colors")), COLORS)
        bars = Lead.read_progress_bar(
            [*domain, ("id", "in", self.leads.ids)], "stage_id", {"field": "activity_state", "colors": COLORS}
        )
        review = str(self.env["crm.lead"]._d2d_stage("review").id)
        coordination = str(self.env["crm.lead"]._d2d_stage("coordination").id)
        self.assertEqual(bars[review], {"planned": 1, "today": 1, "overdue": 1})
        self.assertEqual(bars[coordination], {"planned": 0, "today": 0, "overdue": 0}, "grey: nothing planned")

    def test_a_filter_for_each_colour(self):
        Lead, domain, arches = self.views("door_to_door_crm.crm_lead_action_d2d", ("kanban", "search"))
        filters = {node.get("name"): node.get("domain") for node in arches["search"].iter("filter")}
        for name, lead in (
            ("activity_planned", self.green),
            ("activity_today", self.yellow),
            ("activity_overdue", self.red),
            ("activity_none", self.grey),
            ("stuck", self.red),
        ):
            with self.subTest(filter=name):
                self.assertEqual(self.found(Lead, [*domain, *safe_eval(filters[name])]), set(lead.ids))

    def test_stuck_leads_view_lists_every_open_lead_past_its_limit(self):
        Lead, domain, arches = self.views("door_to_door_crm.crm_lead_action_d2d_stuck", ("list", "search"))
        self.assertEqual(arches["list"].get("decoration-danger"), "d2d_is_stuck")
        self.assertEqual(self.found(Lead, domain), set(self.red.ids))
        # past its limit at any step, for any role that sees it: the coordinator's postponed lead is not late
        late = self.walk(self.knock_lead(name="Late Lead"), "coordination")
        late.sudo().date_last_stage_update = fields.Datetime.now() - timedelta(days=5)
        for user, expected in ((self.supervisor, self.red | late), (self.coordinator, late)):
            Stuck = self.env["crm.lead"].with_user(user)
            stuck = {record["id"] for record in Stuck.web_search_read(domain, {"name": {}})["records"]}
            self.assertEqual(stuck & set((self.leads | late).ids), set(expected.ids), user.login)

    def test_the_cards_show_what_a_supervisor_needs(self):
        """Client, apartment once, days at the step, activity and agent; no
        revenue, stars or tags for a door-to-door lead."""
        Lead, domain, arches = self.views("door_to_door_crm.crm_lead_action_d2d", ("kanban",))
        card = arches["kanban"].find(".//t[@t-name='card']")
        hidden_for_d2d = "contains(@invisible, 'd2d_stage_code') and not(contains(@invisible, 'not d2d_stage_code'))"
        shown = [node.get("name") for node in card.xpath(f".//field[not(ancestor-or-self::*[{hidden_for_d2d}])]")]
        for name in ("contact_name", "d2d_apartment_id", "d2d_waiting_days", "activity_ids", "user_id"):
            self.assertIn(name, shown)
        self.assertEqual(shown.count("d2d_apartment_id"), 1, "the apartment once")
        for name in ("expected_revenue", "priority", "tag_ids", "partner_id"):
            self.assertNotIn(name, shown)
        self.assertTrue(card.xpath(".//widget[@name='web_ribbon'][@title='Stuck'][@invisible='not d2d_is_stuck']"))
        self.red.sudo().date_last_stage_update = fields.Datetime.now() - timedelta(days=3, hours=1)
        record = Lead.web_search_read([("id", "=", self.red.id)], {"d2d_waiting_days": {}, "d2d_is_stuck": {}})
        self.assertEqual(record["records"][0]["d2d_waiting_days"], 3)
        self.assertTrue(record["records"][0]["d2d_is_stuck"])

    def test_one_set_of_step_names(self):
        """The stage names (the pipeline's columns and the form's status bar),
        the step labels of the leads and of the reports, and the tablet's
        lead steps (the stage names, read by the snapshot) agree."""
        stages = self.env["crm.stage"].search([("d2d_code", "!=", False)])
        self.assertEqual(len(stages), 6)
        labels = {
            "lead": dict(self.env["crm.lead"]._fields["d2d_stage_code"]._description_selection(self.env)),
            "stage": dict(self.env["crm.stage"]._fields["d2d_code"]._description_selection(self.env)),
            "report": dict(self.env["d2d.stage.time"]._fields["step"]._description_selection(self.env)),
        }
        for stage in stages:
            for where, label_of in labels.items():
                with self.subTest(step=stage.d2d_code, where=where):
                    self.assertEqual(label_of[stage.d2d_code], stage.name)
        # the form's status bar is the stage, restricted to the door-to-door steps
        arch = etree.fromstring(
            self.env["crm.lead"].with_user(self.supervisor).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        bars = arch.xpath("//header/field[@name='stage_id'][@domain=\"[('d2d_code', '!=', False)]\"]")
        self.assertEqual(len(bars), 1)
        self.assertFalse(arch.xpath("//header/field[@name='d2d_stage_code'][@widget]"), "no second set of names")
        # in Russian too: one translation for one step name
        translated = {entry.msgid: entry.msgstr for entry in polib.pofile(str(I18N / "ru.po")) if entry.msgstr}
        for stage in stages:
            for label_of in labels.values():
                self.assertEqual(translated[label_of[stage.d2d_code]], translated[stage.name])


@tagged("post_install", "-at_install")
class TestLeadKanbanTour(HttpCase, LeadViewsCommon):
    def test_stuck_is_red_and_red_is_stuck_in_the_browser(self):
        """One source for the red card: the step's deadline the escalation
        acts on. A lead past it is red even with an activity due today; an
        overdue activity on a lead within its time limit is not red."""
        today = self.today_of(self.supervisor)
        late_today = self.walk(self.knock_lead(name="Late Today"), "review")
        self.step_activities(late_today).date_deadline = today
        late_today.sudo().date_last_stage_update = fields.Datetime.now() - timedelta(days=3)
        in_time = self.walk(self.knock_lead(name="Overdue In Time"), "review")
        self.step_activities(in_time).date_deadline = today - timedelta(days=1)
        self.assertEqual((late_today.d2d_is_stuck, late_today.activity_state), (True, "today"))
        self.assertEqual((in_time.d2d_is_stuck, in_time.activity_state), (False, "overdue"))
        self.start_tour(
            "/odoo/action-door_to_door_crm.crm_lead_action_d2d", "d2d_lead_stuck_colour_tour", login="test_supervisor"
        )

    def test_kanban_colours_filters_and_stuck_leads_in_the_browser(self):
        self.start_tour(
            "/odoo/action-door_to_door_crm.crm_lead_action_d2d", "d2d_lead_kanban_tour", login="test_supervisor"
        )
        self.start_tour(
            "/odoo/action-door_to_door_crm.crm_lead_action_d2d_stuck", "d2d_lead_stuck_tour", login="test_supervisor"
        )


@tagged("post_install", "-at_install")
class TestAgentFollowsLeads(MoveCommon):
    def test_my_leads_show_the_agent_the_connection_status(self):
        """The agent's list of their leads, loaded as the web client does:
        the step, the planned installation and, for a lost one, why."""
        booked = self.walk(self.knock_lead(name="Booked Lead"), "scheduled")
        lost = self.knock_lead(name="Lost Lead")
        self.move_lost(lost, self.agent)
        other = self.knock_lead(self.house_b, name="Not Mine")
        action = self.env.ref("door_to_door_crm.crm_lead_action_d2d_mine")
        Lead = self.env["crm.lead"].with_user(self.agent).with_context(**safe_eval(action.context or "{}"))
        arch = etree.fromstring(Lead.get_views([(action.view_ids[0].view_id.id, "list")])["views"]["list"]["arch"])
        names = [node.get("name") for node in arch.iter("field")]
        self.assertLess(names.index("stage_id"), names.index("d2d_installation_date"))
        self.assertIn("lost_reason_id", names)
        spec = {name: ({"fields": {"display_name": {}}} if Lead._fields[name].relational else {}) for name in names}
        domain = safe_eval(action.domain, {"uid": self.agent.id})
        rows = {row["id"]: row for row in Lead.web_search_read(domain, spec)["records"]}
        self.assertIn(booked.id, rows)
        self.assertNotIn(other.id, rows)
        self.assertEqual(rows[booked.id]["stage_id"]["display_name"], "Installation")
        self.assertEqual(rows[booked.id]["d2d_installation_date"], booked.sudo().d2d_installation_ids.start)
        lost_rows = Lead.web_search_read([*domain, ("active", "=", False)], spec)["records"]  # the "Lost" filter
        self.assertEqual([row["lost_reason_id"]["display_name"] for row in lost_rows], [self.lost_reason.name])


@tagged("post_install", "-at_install")
class TestBulkMoves(MoveCommon):
    """The supervisor selects reviewed leads in a list and moves them at once
    from the Actions menu; a selection with one lead at another step moves
    none of them."""

    def run_bulk(self, xmlid, leads, user):
        action = self.env.ref(f"door_to_door_crm.{xmlid}").with_user(user)
        return action.with_context(active_model="crm.lead", active_ids=leads.ids, active_id=leads[:1].id).run()

    def test_send_several_to_coordination(self):
        leads = self.walk(self.knock_lead(), "review") | self.walk(self.knock_lead(), "review")
        result = self.run_bulk("crm_lead_action_server_d2d_send_to_coordination", leads, self.supervisor)
        self.assertEqual(leads.mapped("d2d_stage_code"), ["coordination", "coordination"])
        self.assertIn("2", result["params"]["message"])

    def test_a_mixed_selection_moves_nothing(self):
        review = self.walk(self.knock_lead(), "review")
        new = self.knock_lead()
        with self.assertRefused(UserError):
            self.run_bulk("crm_lead_action_server_d2d_send_to_coordination", review | new, self.supervisor)
        self.assertEqual((review.d2d_stage_code, new.d2d_stage_code), ("review", "new"))

    def test_return_several_with_one_reason(self):
        leads = self.walk(self.knock_lead(), "review") | self.walk(self.knock_lead(), "review")
        action = self.run_bulk("crm_lead_action_server_d2d_return_to_agent", leads, self.supervisor)
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.supervisor)
            .with_context(action["context"])
            .create({"reason": "Add the floor"})
        )
        wizard.action_confirm()
        self.assertEqual(leads.mapped("d2d_stage_code"), ["new", "new"])
        for lead in leads:
            self.assertIn("Add the floor", " ".join(self.messages(lead)))

    def test_only_for_supervisors(self):
        leads = self.walk(self.knock_lead(), "review")
        with self.assertRefused(AccessError):
            self.run_bulk("crm_lead_action_server_d2d_send_to_coordination", leads, self.agent)
        self.assertEqual(leads.d2d_stage_code, "review")
