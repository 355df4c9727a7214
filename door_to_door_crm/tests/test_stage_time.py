import xmlrpc.client
from ast import literal_eval
from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, tagged

from .common import D2dLeadCommon


class StageTimeCommon(D2dLeadCommon):
    """Leads moved at known (frozen) times, and the rows they leave in d2d.stage.time."""

    def move_at(self, when, action, *args, **kwargs):
        with freeze_time(when):
            result = action(*args, **kwargs)
            self.env.flush_all()
        return result

    def knock_at(self, when, **kwargs):
        with freeze_time(when):
            lead = self.knock_lead(**kwargs)
            self.env.flush_all()
        return lead

    def rows(self, lead, user=None):
        StageTime = self.env["d2d.stage.time"]
        if user:
            StageTime = StageTime.with_user(user)
        return StageTime.search([("lead_id", "=", lead.id)], order="date_entered, id")

    def ours(self):
        """The rows of this test's territories: a manager sees every territory,
        those of a database upgraded with a city too."""
        return [("territory_id", "in", (self.territory_a | self.territory_b).ids)]

    def build_history(self):
        """Two leads of territory A in March, one of territory B in April:

        lead_1: new 3h, review 24h (returned), new 2h, review 24h, coordination (waiting)
        lead_2: new 10h, review 6h, coordination (waiting)
        lead_b: new 5h, review (waiting)
        """
        lead_1 = self.knock_at("2026-03-02 09:00:00")
        self.move_at("2026-03-02 12:00:00", lead_1.with_user(self.agent).action_d2d_submit)
        self.move_at(
            "2026-03-03 12:00:00", lead_1.with_user(self.supervisor).action_d2d_return_to_agent, "No flat number"
        )
        self.move_at("2026-03-03 14:00:00", lead_1.with_user(self.agent).action_d2d_submit)
        self.move_at("2026-03-04 14:00:00", lead_1.with_user(self.supervisor).action_d2d_send_to_coordination)

        lead_2 = self.knock_at("2026-03-10 08:00:00", phone="+79161234568", name="Ivan")
        self.move_at("2026-03-10 18:00:00", lead_2.with_user(self.agent).action_d2d_submit)
        self.move_at("2026-03-11 00:00:00", lead_2.with_user(self.supervisor).action_d2d_send_to_coordination)

        lead_b = self.knock_at("2026-04-01 10:00:00", house=self.house_b, phone="+79161234569", name="Pyotr")
        self.move_at("2026-04-01 15:00:00", lead_b.with_user(self.agent_b).action_d2d_submit)
        return lead_1, lead_2, lead_b


@tagged("post_install", "-at_install")
class TestStageTime(StageTimeCommon):
    def test_each_step_entered_left_and_hours(self):
        lead_1, _lead_2, _lead_b = self.build_history()
        with freeze_time("2026-03-05 14:00:00"):
            rows = self.rows(lead_1)
            self.assertEqual(
                [(r.step, r.date_entered, r.date_left, r.hours, r.is_waiting) for r in rows],
                [
                    ("new", datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 12), 3.0, False),
                    ("review", datetime(2026, 3, 2, 12), datetime(2026, 3, 3, 12), 24.0, False),
                    ("new", datetime(2026, 3, 3, 12), datetime(2026, 3, 3, 14), 2.0, False),
                    ("review", datetime(2026, 3, 3, 14), datetime(2026, 3, 4, 14), 24.0, False),
                    ("coordination", datetime(2026, 3, 4, 14), False, 0.0, True),
                ],
            )
            self.assertEqual(rows.territory_id, self.territory_a)
            self.assertEqual(rows.agent_id, self.agent)
            # the step it waits at now: a day so far, at the frozen "now"
            self.assertEqual(rows[-1].waiting_hours, 24.0)
            self.assertEqual(rows[0].waiting_hours, 3.0)

    def test_done_and_lost_close_the_step(self):
        lead = self.knock_at("2026-05-04 09:00:00")
        self.move_at("2026-05-04 10:00:00", lead.with_user(self.agent).action_d2d_submit)
        self.move_at("2026-05-04 12:00:00", lead.with_user(self.supervisor).action_d2d_send_to_coordination)
        self.move_at("2026-05-05 12:00:00", lead.sudo()._d2d_move, "scheduled", ("coordination",))
        self.move_at("2026-05-06 12:00:00", lead.sudo()._d2d_move, "quality", ("scheduled",))
        self.move_at("2026-05-06 13:30:00", lead.with_user(self.callcenter).action_d2d_quality_call, ok=True)
        self.assertEqual(
            [(r.step, r.hours) for r in self.rows(lead)],
            [("new", 1.0), ("review", 2.0), ("coordination", 24.0), ("scheduled", 24.0), ("quality", 1.5)],
            "the last step (done) is no wait and has no row",
        )
        lost = self.knock_at("2026-05-04 09:00:00", phone="+79161234570", name="Anna")
        self.move_at(
            "2026-05-04 17:00:00", lost.with_user(self.agent).action_set_lost, lost_reason_id=self.lost_reason.id
        )
        self.assertEqual([(r.step, r.hours, r.is_waiting) for r in self.rows(lost)], [("new", 8.0, False)])

    def test_pivot_median_and_90th_percentile(self):
        self.build_history()
        StageTime = self.env["d2d.stage.time"].with_user(self.manager)
        measures = ["hours_median:median", "hours_p90:p90", "hours:avg", "__count"]
        by_step = {step: rest for step, *rest in StageTime._read_group(self.ours(), ["step"], measures)}
        # new: 3, 2, 10 (A) and 5 (B) -> median 4, p90 5 + 0.7 * (10 - 5) = 8.5
        self.assertEqual(by_step["new"], [4.0, 8.5, 5.0, 4])
        # review: 24, 24, 6 left; lead_b still waits (no hours) -> median 24, p90 24
        self.assertEqual(by_step["review"], [24.0, 24.0, 18.0, 4])
        self.assertEqual(by_step["coordination"][:2], [False, False], "nobody left coordination yet")

        cells = StageTime._read_group(
            [("step", "=", "new"), *self.ours()],
            ["territory_id", "date_entered:month"],
            ["hours_median:median", "hours_p90:p90"],
        )
        self.assertEqual(
            sorted((t.code, month.strftime("%Y-%m"), med, round(p90, 6)) for t, month, med, p90 in cells),
            [("TA", "2026-03", 3.0, 8.6), ("TB", "2026-04", 5.0, 5.0)],
        )

    def test_leads_waiting_longest_now(self):
        lead_1, lead_2, lead_b = self.build_history()
        action = self.env.ref("door_to_door_crm.d2d_stage_time_waiting_action")
        with freeze_time("2026-04-02 15:00:00"):
            waiting = (
                self.env["d2d.stage.time"].with_user(self.manager).search(literal_eval(action.domain) + self.ours())
            )
            self.assertEqual(
                [(r.lead_id, r.step, r.waiting_hours) for r in waiting],
                [(lead_1, "coordination", 697.0), (lead_2, "coordination", 543.0), (lead_b, "review", 24.0)],
            )

    def test_rules_per_role(self):
        lead_1, lead_2, lead_b = self.build_history()
        StageTime = self.env["d2d.stage.time"]
        seen = {
            user: set(StageTime.with_user(user).search([]).lead_id)
            for user in (self.supervisor, self.supervisor_b, self.manager)
        }
        self.assertEqual(seen[self.supervisor], {lead_1, lead_2})
        self.assertEqual(seen[self.supervisor_b], {lead_b})
        # the manager sees every territory, an upgraded database's city too: this test's leads count
        ours = {lead_1, lead_2, lead_b}
        self.assertEqual(seen[self.manager] & ours, ours)
        totals = StageTime.with_user(self.supervisor_b)._read_group([], ["step"], ["__count"])
        self.assertEqual(dict(totals), {"new": 1, "review": 1}, "grouped figures hold only the supervisor's leads")
        for user in (self.agent, self.coordinator, self.installer, self.callcenter, self.internal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                StageTime.with_user(user).search([])
        with self.assertRaises(AccessError):
            self.env["d2d.lead.stage.log"].with_user(self.supervisor).search([])


@tagged("post_install", "-at_install")
class TestStageTimeRpc(HttpCase, StageTimeCommon):
    """The pivot's figures as the web client and an integration read them: over RPC."""

    def test_pivot_over_xmlrpc(self):
        self.build_history()
        self.env.flush_all()
        models = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

        def read_group(user, groupby, domain=()):
            return models.execute_kw(
                self.env.cr.dbname,
                user.id,
                user.login,
                "d2d.stage.time",
                "read_group",
                [list(domain), ["hours_median", "hours_p90"], groupby],
                {"lazy": False},
            )

        groups = {group["step"]: group for group in read_group(self.manager, ["step"], self.ours())}
        self.assertEqual((groups["new"]["hours_median"], groups["new"]["hours_p90"]), (4.0, 8.5))
        self.assertEqual(groups["new"]["__count"], 4)
        mine = {group["step"]: group["__count"] for group in read_group(self.supervisor_b, ["step"])}
        self.assertEqual(mine, {"new": 1, "review": 1})
        with self.assertRaises(xmlrpc.client.Fault):
            read_group(self.agent, ["step"])
