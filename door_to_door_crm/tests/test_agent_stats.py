import json
import time
import uuid
from concurrent.futures import Future
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from ..report.d2d_agent_stats import TIMEZONE_PARAM
from .common import D2dLeadCommon, side_by_side
from .test_agent_app_browser import READY, warm_up_statics
from .test_agent_sync import ms

# The visit figures of d2d.agent.stats, and how a plain SQL count over d2d_visit finds them.
PLAIN_COUNTS = {
    "doors": "count(*)",
    "apartments": "count(DISTINCT apartment_id)",
    "result_closed": "count(*) FILTER (WHERE result = 'closed')",
    "result_competitor": "count(*) FILTER (WHERE result = 'competitor')",
    "result_pensioner": "count(*) FILTER (WHERE result = 'pensioner')",
    "result_refusal": "count(*) FILTER (WHERE result = 'refusal')",
    "result_client": "count(*) FILTER (WHERE result = 'client')",
    "leads": "count(*) FILTER (WHERE result = 'lead')",
    "flag_far": "count(*) FILTER (WHERE presence_flag = 'far')",
    "flag_no_fix": "count(*) FILTER (WHERE presence_flag = 'no_fix')",
    "flagged": "count(*) FILTER (WHERE presence_flag IS NOT NULL AND presence_flag <> 'ok')",
    "first_visit": "min(visit_date)",
    "last_visit": "max(visit_date)",
}


def plain_counts(cr, agent_ids):
    """{(agent, territory, day): (figures...)} counted from d2d_visit, as anyone
    would: the day is the visit's date in the statistics' time zone."""
    cr.execute(
        f"""
        SELECT agent_id, territory_id,
               (visit_date AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(
                   (SELECT value FROM ir_config_parameter WHERE key = %s), 'UTC'))::date,
               {", ".join(PLAIN_COUNTS.values())}
          FROM d2d_visit WHERE agent_id = ANY(%s)
         GROUP BY 1, 2, 3
        """,
        [TIMEZONE_PARAM, list(agent_ids)],
    )
    return {tuple(row[:3]): tuple(row[3:]) for row in cr.fetchall()}


def aggregated(cr, agent_ids):
    """The same figures as d2d_agent_stats holds them (rows of no visit left out)."""
    cr.execute(
        f"""
        SELECT agent_id, territory_id, day, {", ".join(PLAIN_COUNTS)}
          FROM d2d_agent_stats WHERE agent_id = ANY(%s) AND doors > 0
        """,
        [list(agent_ids)],
    )
    return {tuple(row[:3]): tuple(row[3:]) for row in cr.fetchall()}


@tagged("post_install", "-at_install")
class TestAgentStats(D2dLeadCommon):
    """The supervisor's figures: exact beside a plain count of the log,
    whatever way and order the visits arrive in; lead moves; who sees what;
    the leaderboard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The tests knock "three hours ago" and "yesterday": count the days in a
        # time zone where it is about noon now, so that a run at 01:00 does
        # not see "three hours ago" fall on the day before.
        offset = 12 - fields.Datetime.now().hour
        cls.env["ir.config_parameter"].sudo().set_param(TIMEZONE_PARAM, "Etc/GMT%+d" % -offset if offset else "UTC")
        cls.today = cls.env["d2d.agent.stats"]._d2d_today()

    def sync(self, events, user=None):
        user = user or self.agent
        return (
            self.env["d2d.agent.sync"]
            .with_user(user)
            ._sync({"uid": user.id, "device_id": "tablet-stats", "events": events})
        )

    def event(self, apartment, result="closed", at=None, **values):
        self._counter = getattr(self, "_counter", 0) + 1
        return {
            "type": "visit",
            "uuid": f"stats-{self._counter}-{apartment.id}",
            "apartment_id": apartment.id,
            "result": result,
            "time": ms(at or fields.Datetime.now() - timedelta(minutes=5)),
            **values,
        }

    def row(self, agent, territory, day=None):
        """The statistics' row as the table holds it now."""
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["d2d.agent.stats"].search(
            [("agent_id", "=", agent.id), ("territory_id", "=", territory.id), ("day", "=", day or self.today)]
        )

    def assertExact(self, agents):
        self.env.flush_all()
        expected = plain_counts(self.env.cr, agents.ids)
        self.assertTrue(expected, "the test knocked")
        self.assertEqual(aggregated(self.env.cr, agents.ids), expected)

    def test_exact_after_out_of_order_replays_and_a_house_moved(self):
        now = fields.Datetime.now()
        apartments = self.house_a.apartment_ids.sorted("id")
        house_c = self.create_house(self.territory_a, "Gagarina St", "3", floors=2, per_floor=2)
        # one tablet's batch, knocks out of order: later first, a day before in between
        batch = [
            self.event(apartments[0], "refusal", at=now - timedelta(minutes=10)),
            self.event(apartments[1], "closed", at=now - timedelta(days=1, hours=2)),
            self.event(apartments[0], "closed", at=now - timedelta(hours=3)),
            self.event(apartments[2], "lead", at=now - timedelta(hours=1), phone="+79161230001", contact_name="Ivan"),
            self.event(house_c.apartment_ids[0], "competitor", competitor_id=self.competitor.id),
        ]
        self.assertEqual(len(self.sync(batch)["accepted"]), 5)
        self.assertEqual(len(self.sync(batch)["accepted"]), 5, "the replay is accepted")
        earlier = self.event(apartments[1], "pensioner", at=now - timedelta(days=1, hours=5))
        self.sync([batch[1], earlier])  # a replay with an earlier knock of the day before
        # the ORM's way, with presence flags, and a replay of the ORM
        visit = self.visit(apartments[3], "closed", user=self.agent, presence_flag="far")
        self.visit(apartments[0], "closed", user=self.agent, presence_flag="no_fix")
        self.visit(house_c.apartment_ids[1], "refusal", user=self.agent, presence_flag="ok")
        self.env["d2d.visit"].with_user(self.agent).create(
            {"uuid": visit.uuid, "apartment_id": apartments[3].id, "result": "closed"}
        )
        self.visit(self.house_b.apartment_ids[0], "closed", user=self.agent_b)
        self.assertExact(self.agent | self.agent_b)
        today = self.row(self.agent, self.territory_a)
        self.assertEqual(
            (today.doors, today.apartments, today.result_closed, today.leads),
            (7, 5, 3, 1),
            "seven knocks today on five apartments (one of them three times)",
        )
        self.assertEqual(self.row(self.agent, self.territory_a, self.today - timedelta(days=1)).apartments, 1)

        house_c.territory_id = self.territory_b
        self.assertExact(self.agent | self.agent_b)
        moved = self.row(self.agent, self.territory_b)
        self.assertEqual((moved.doors, moved.apartments, moved.result_competitor), (2, 2, 1))
        today = self.row(self.agent, self.territory_a)
        self.assertEqual((today.doors, today.apartments), (5, 3), "the house's figures left territory A")

        self.visit(house_c.apartment_ids[0], "closed", agent_id=self.agent.id)  # a knock handed over to territory B
        moved = self.row(self.agent, self.territory_b)
        self.assertEqual((moved.doors, moved.apartments), (3, 2), "a knock again on an apartment covered that day")
        self.assertExact(self.agent | self.agent_b)

    def test_a_visit_deleted_by_the_manager_leaves_the_figures(self):
        apartment = self.house_a.apartment_ids[0]
        first = self.visit(apartment, "closed", user=self.agent)
        self.visit(apartment, "refusal", user=self.agent)
        row = self.row(self.agent, self.territory_a)
        self.assertEqual((row.doors, row.apartments), (2, 1))
        first.with_user(self.manager).unlink()
        row = self.row(self.agent, self.territory_a)
        self.assertEqual((row.doors, row.apartments, row.result_closed, row.result_refusal), (1, 1, 0, 1))
        self.assertExact(self.agent)

    def test_lead_moves_count_on_the_day_of_the_move(self):
        connected = self.knock_lead()
        returned = self.knock_lead()
        lost = self.knock_lead()
        self.walk(returned, "review")
        returned.with_user(self.supervisor).action_d2d_return_to_agent("Wrong phone")
        lost.with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
        self.walk(connected, "done")
        row = self.row(self.agent, self.territory_a)
        self.assertEqual(
            (row.leads, row.submitted, row.returned, row.lost, row.connections),
            (3, 2, 1, 1, 1),
            "three leads found; two submitted, one of them sent back; one lost; one connected",
        )
        self.assertEqual(row.connection_rate, round(100 / 3, 1))
        self.assertEqual(row.lead_rate, 100.0, "every door opened gave a lead")

    def test_each_role_reads_its_own_figures(self):
        self.visit(self.house_a.apartment_ids[0], "closed", user=self.agent)
        self.visit(self.house_b.apartment_ids[0], "closed", user=self.agent_b)
        self.env.flush_all()
        Stats = self.env["d2d.agent.stats"]

        def seen(user):
            return set(Stats.with_user(user).search([]).mapped(lambda row: (row.agent_id.id, row.territory_id.id)))

        mine, theirs = (self.agent.id, self.territory_a.id), (self.agent_b.id, self.territory_b.id)
        self.assertEqual(seen(self.supervisor), {mine})
        self.assertEqual(seen(self.supervisor_b), {theirs})
        # The manager sees every territory, those of a database that already
        # holds a city too: only the figures of this test's territories count.
        ours = (self.territory_a | self.territory_b).ids
        self.assertEqual({row for row in seen(self.manager) if row[1] in ours}, {mine, theirs})
        self.assertEqual(seen(self.agent), {mine})
        self.assertEqual(seen(self.agent_b), {theirs})
        groups = Stats.with_user(self.supervisor)._read_group([], ["territory_id"], ["doors:sum"])
        self.assertEqual([(territory.id, doors) for territory, doors in groups], [(self.territory_a.id, 1)])
        for user in (self.coordinator, self.installer, self.callcenter, self.internal):
            with self.assertRaises(AccessError):
                Stats.with_user(user).search([])
            with self.assertRaises(AccessError):
                Stats.with_user(user).get_leaderboard()

    def test_leaderboard_ranks_today_week_and_month_with_the_period_before(self):
        agent_c = new_test_user(self.env, "test_agent_c", groups="door_to_door_crm.group_d2d_agent", name="Agent C")
        self.territory_a.agent_ids = self.agent | agent_c
        apartments = self.house_a.apartment_ids.sorted("id")
        now = fields.Datetime.now()
        self.sync([self.event(apartments[0], "lead", phone="+79161230002", contact_name="Anna")])
        self.sync([self.event(apartment, "closed") for apartment in apartments[1:6]], user=agent_c)
        self.sync([self.event(apartments[7], "closed", at=now - timedelta(days=1))], user=agent_c)
        self.sync([self.event(self.house_b.apartment_ids[0], "lead", phone="+79161230003")], user=self.agent_b)
        board = self.env["d2d.agent.stats"].with_user(self.supervisor).get_leaderboard()
        self.assertFalse(board["own_only"])
        self.assertNotIn("Agent B", json.dumps(board), "another supervisor's agent is not on the board")
        today = board["periods"]["today"]
        self.assertEqual(
            [
                (line["name"], line["rank"], line["connections"], line["leads"], line["doors"])
                for line in today["agents"]
            ],
            [("Agent A", 1, 0, 1, 1), ("Agent C", 2, 0, 0, 5)],
            "a lead ranks before five closed doors",
        )
        self.assertEqual(today["agents"][1]["previous"], {"rank": 1, "connections": 0, "leads": 0, "doors": 1})
        self.assertEqual(today["agents"][0]["previous"]["rank"], None, "no knock yesterday")
        self.assertEqual(today["previous_from"], fields.Date.to_string(self.today - timedelta(days=1)))
        month = board["periods"]["month"]
        self.assertEqual(month["from"], fields.Date.to_string(self.today.replace(day=1)))
        own = self.env["d2d.agent.stats"].with_user(agent_c).get_leaderboard()
        self.assertTrue(own["own_only"])
        self.assertEqual([(line["name"], line["rank"]) for line in own["periods"]["today"]["agents"]], [("Agent C", 2)])
        self.assertEqual(own["periods"]["today"]["count"], 2, "ranked among the agents of the territory")
        other = self.env["d2d.agent.stats"].with_user(self.agent_b).get_leaderboard()
        week = other["periods"]["week"]
        self.assertEqual([(line["name"], line["rank"], week["count"]) for line in week["agents"]], [("Agent B", 1, 1)])
        self.assertNotIn("Agent A", json.dumps(other), "an agent sees no other territory's agents")

    def test_leaderboard_of_a_given_day_and_a_bad_one(self):
        self.visit(self.house_a.apartment_ids[0], "closed", user=self.agent)
        Stats = self.env["d2d.agent.stats"].with_user(self.supervisor)
        today = fields.Date.to_string(self.today)
        self.assertEqual(Stats.get_leaderboard(today)["periods"]["today"]["agents"][0]["doors"], 1)
        with self.assertRaisesRegex(UserError, "is not a date"):
            Stats.get_leaderboard("yesterday")

    def test_leaderboard_periods(self):
        periods = self.env["d2d.agent.stats"]._d2d_periods(fields.Date.to_date("2026-03-04"))  # a Wednesday
        self.assertEqual(
            {name: tuple(map(str, (*current, *previous))) for name, (current, previous) in periods.items()},
            {
                "today": ("2026-03-04", "2026-03-04", "2026-03-03", "2026-03-03"),
                "week": ("2026-03-02", "2026-03-08", "2026-02-23", "2026-03-01"),
                "month": ("2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"),
            },
        )


@tagged("post_install", "-at_install")
class TestAgentStatsRoutes(HttpCase, D2dLeadCommon):
    """The figures follow a real tablet's sync over HTTP, and the tablet reads its rank."""

    def rpc(self, url, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        return self.url_open(url, data=body, headers={"Content-Type": "application/json"}).json()

    def test_sync_over_http_then_the_tablet_reads_its_rank(self):
        self.authenticate("test_agent", "test_agent")
        apartments = self.house_a.apartment_ids.sorted("id")
        moment = int(time.time() * 1000) - 60000
        events = [
            {
                "type": "visit",
                "uuid": f"http-stats-{i}",
                "apartment_id": apartment.id,
                "result": "closed",
                "time": moment + i,
            }
            for i, apartment in enumerate(apartments[:3])
        ]
        for _attempt in range(2):  # sent twice: the replay adds nothing
            answer = self.rpc("/d2d/agent/sync", {"uid": self.agent.id, "events": events})
            self.assertEqual(len(answer["result"]["accepted"]), 3)
        board = self.rpc("/d2d/agent/leaderboard", {})["result"]
        today = board["periods"]["today"]
        self.assertEqual([(line["name"], line["rank"], line["doors"]) for line in today["agents"]], [("Agent A", 1, 3)])
        self.env.invalidate_all()
        self.assertEqual(aggregated(self.env.cr, self.agent.ids), plain_counts(self.env.cr, self.agent.ids))
        self.authenticate("test_installer", "test_installer")
        refused = self.rpc("/d2d/agent/leaderboard", {})
        self.assertNotIn("result", refused)
        self.assertNotIn("Agent A", json.dumps(refused))


@tagged("post_install", "-at_install")
class TestAgentStatsConcurrency(TransactionCase):
    """Two tablets of one agent knock the same apartment at the same moment:
    two real transactions on committed data that the test deletes
    afterwards. The second waits on the first's row of the day, fails to
    serialize and runs again (as Odoo runs a request): two doors, one
    apartment covered."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            agent = new_test_user(
                env, f"d2d_stats_race_{tag}", groups="door_to_door_crm.group_d2d_agent", name=f"Agent {tag}"
            )
            territory = env["d2d.territory"].create(
                {"name": f"Stats race {tag}", "code": f"S{tag}", "agent_ids": [(6, 0, agent.ids)]}
            )
            house = env["d2d.house"].create(
                {
                    "street": f"Stats race St {tag}",
                    "house_number": "1",
                    "territory_id": territory.id,
                    "entrance_count": 1,
                    "floor_count": 1,
                    "apartments_per_floor": 2,
                }
            )
            self.agent_id, self.territory_id, self.house_id = agent.id, territory.id, house.id
            self.apartment_id = house.apartment_ids.sorted("number")[0].id
            # a later knock by someone else: the racing knocks do not change the apartment's
            # status, so the only row both transactions write is the agent's day
            env["d2d.visit"].create({"apartment_id": self.apartment_id, "result": "closed"})
        self.addCleanup(self.delete_committed_data)

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            env["d2d.visit"].search([("house_id", "=", self.house_id)]).unlink()
            env["d2d.house"].browse(self.house_id).unlink()
            env["d2d.territory"].browse(self.territory_id).unlink()
            user = env["res.users"].browse(self.agent_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_agent_stats WHERE agent_id = %s", [self.agent_id])
            self.assertEqual(cr.fetchone()[0], 0, "the test leaves the database as it found it")

    def test_two_tablets_knock_one_apartment_at_once(self):
        moment = ms(fields.Datetime.now() - timedelta(minutes=5))

        def knock(env, name):
            event = {
                "type": "visit",
                "uuid": f"race-{name}-{self.tag}",
                "apartment_id": self.apartment_id,
                "result": "closed",
                "time": moment,
            }
            payload = {"uid": self.agent_id, "device_id": f"tablet-{name}", "events": [event]}
            return env["d2d.agent.sync"]._sync(payload)

        answers, blocked = side_by_side(self, self.agent_id, knock)
        self.assertTrue(blocked, "the second waits on the first's row of the day")
        self.assertEqual([len(answers[name]["accepted"]) for name in ("first", "second")], [1, 1])
        with self.registry.cursor() as cr:
            cr.execute("SELECT doors, apartments FROM d2d_agent_stats WHERE agent_id = %s", [self.agent_id])
            self.assertEqual(cr.fetchall(), [(2, 1)], "two doors knocked, one apartment covered")
            self.assertEqual(aggregated(cr, [self.agent_id]), plain_counts(cr, [self.agent_id]))


@tagged("post_install", "-at_install")
class TestLeaderboardTour(HttpCase, D2dLeadCommon):
    """The supervisor reads the leaderboard and the statistics in the web client."""

    def test_supervisor_reads_the_leaderboard(self):
        agent_c = new_test_user(self.env, "test_agent_c", groups="door_to_door_crm.group_d2d_agent", name="Agent C")
        self.territory_a.agent_ids = self.agent | agent_c
        apartments = self.house_a.apartment_ids.sorted("id")
        self.visit(apartments[0], "lead", user=self.agent, phone="+79161230004", contact_name="Nina")
        for apartment in apartments[1:4]:
            self.visit(apartment, "closed", user=agent_c)
        self.start_tour(
            "/odoo/action-door_to_door_crm.d2d_leaderboard_action", "d2d_leaderboard_tour", login="test_supervisor"
        )

    def test_supervisor_reads_the_statistics_in_pivot_list_and_graph(self):
        self.visit(self.house_a.apartment_ids[0], "closed", user=self.agent)
        self.visit(self.house_b.apartment_ids[0], "closed", user=self.agent_b)
        self.start_tour(
            "/odoo/action-door_to_door_crm.d2d_agent_stats_action", "d2d_agent_stats_tour", login="test_supervisor"
        )


SEE_MY_RANK = """(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (check, what) => {
        for (let i = 0; i < 200; i++) { if (check()) return; await sleep(50); }
        throw new Error("timed out waiting for " + what);
    };
    await window.d2dAgent.ready;
    const tab = [...document.querySelectorAll(".o_d2d_tabs button")].find((b) => b.textContent === "My rank");
    if (!tab) throw new Error("no tab My rank");
    tab.click();
    const place = () => document.querySelector(".o_d2d_rank_today .o_d2d_rank_place");
    await until(() => place() && place().textContent.trim() === "1 / 2", "rank 1 of 2 today");
    const doors = document.querySelector(".o_d2d_rank_today td:last-child").textContent.trim();
    if (doors !== "2") throw new Error("today's doors: " + doors);
    console.log("test successful");
})()"""


@tagged("post_install", "-at_install")
class TestMyRankOnTheTablet(HttpCase, D2dLeadCommon):
    """The agent reads their own rank and figures in the tablet app."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warm_up_statics()

    def test_the_agent_sees_their_rank(self):
        agent_c = new_test_user(self.env, "test_agent_c", groups="door_to_door_crm.group_d2d_agent", name="Agent C")
        self.territory_a.agent_ids = self.agent | agent_c
        apartments = self.house_a.apartment_ids.sorted("id")
        self.visit(apartments[0], "refusal", user=self.agent)
        self.visit(apartments[1], "lead", user=self.agent, phone="+79161230005", contact_name="Pyotr")
        self.visit(apartments[2], "closed", user=agent_c)
        self.env.flush_all()
        browser = ChromeBrowser(self, headless=True)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate("test_agent", "test_agent", browser=browser)
            browser.navigate_to(f"{self.base_url()}/d2d/agent", wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "the app loaded online")
            browser._result = Future()
            browser._wait_code_ok(SEE_MY_RANK, 60)
        finally:
            browser.stop()
            self._wait_remaining_requests()
