from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import JOB_PHOTOS, D2dCrewCommon, jpeg_photo

STEPS = ("new", "review", "coordination", "scheduled", "quality", "done")
ROLES = (
    "agent",
    "agent_b",
    "supervisor",
    "supervisor_b",
    "coordinator",
    "installer",
    "installer_b",
    "callcenter",
    "manager",
    "internal",
)


# The moves made on the lead's installation job: tried only on leads that have one.
JOB_MOVES = ("cancel_job", "report_connected", "report_failed")

# Every move of the workflow, as its role calls it: (name, the role that makes
# it, the steps it starts from, the step it ends at, the role whose user is
# responsible next (None: the lead is closed), the reason the chatter must
# show, the other roles that may make it too). The call itself is the test's
# `move_<name>` method. Territory A's users act on territory A's leads.
MOVES = [
    ("submit", "agent", ("new",), "review", "supervisor", None, {"supervisor", "manager"}),
    ("return_to_agent", "supervisor", ("review",), "new", "agent", "Add the floor", {"manager"}),
    ("send_to_coordination", "supervisor", ("review",), "coordination", "coordinator", None, {"manager"}),
    ("return_to_supervisor", "coordinator", ("coordination",), "review", "supervisor", "No such entrance", {"manager"}),
    ("schedule", "coordinator", ("coordination",), "scheduled", "installer", "Booked with Crew A", {"manager"}),
    ("cancel_job", "coordinator", ("scheduled",), "coordination", "coordinator", "Client asked to move", {"manager"}),
    ("report_connected", "installer", ("scheduled",), "quality", "callcenter", None, {"manager"}),
    ("report_failed", "installer", ("scheduled",), "coordination", "coordinator", "No cable in the riser", {"manager"}),
    ("quality_ok", "callcenter", ("quality",), "done", None, "Happy client", {"manager"}),
    ("quality_failed", "callcenter", ("quality",), "coordination", "coordinator", "No signal", {"manager"}),
]


class MoveCommon(D2dCrewCommon):
    """Territory A with crew A (installer), territory B with crew B
    (installer_b), and leads walked with the public moves only."""

    @classmethod
    def knock_lead(cls, house=None, **kwargs):
        """A knocked lead whose client card is complete, so that booking it
        depends on its step and on who books only."""
        lead = super().knock_lead(house, **kwargs)
        lead.sudo().write(cls.client_card)
        return lead

    # The moves, as each role makes them in the web client or over RPC.

    def move_submit(self, lead, user):
        lead.with_user(user).action_d2d_submit()

    def move_return_to_agent(self, lead, user):
        lead.with_user(user).action_d2d_return_to_agent("Add the floor")

    def move_send_to_coordination(self, lead, user):
        lead.with_user(user).action_d2d_send_to_coordination()

    def move_return_to_supervisor(self, lead, user):
        lead.with_user(user).action_d2d_return_to_supervisor("No such entrance")

    def move_schedule(self, lead, user):
        self.book_first_slot(lead, user)

    def move_cancel_job(self, lead, user):
        job = self.open_job(lead) or lead.sudo().d2d_installation_ids[:1]
        job.with_user(user).action_cancel("Client asked to move")

    def move_report_connected(self, lead, user):
        self.report_connected(lead, user)

    @classmethod
    def move_report_failed(cls, lead, user):
        job = cls.open_job(lead) or lead.sudo().d2d_installation_ids[:1]
        job.with_user(user).action_d2d_report("not_connected", reason="No cable in the riser")

    def move_quality_ok(self, lead, user):
        lead.with_user(user).action_d2d_quality_call(ok=True, note="Happy client")

    def move_quality_failed(self, lead, user):
        lead.with_user(user).action_d2d_quality_call(ok=False, note="No signal")

    @classmethod
    def move_lost(cls, lead, user):
        """Odoo's own lost wizard, as the "Lost" button opens it."""
        wizard = (
            cls.env["crm.lead.lost"]
            .with_user(user)
            .with_context(active_ids=lead.ids)
            .create(
                {
                    "lead_ids": [(6, 0, lead.ids)],
                    "lost_reason_id": cls.lost_reason.id,
                    "lost_feedback": "<p>Moved to another city</p>",
                }
            )
        )
        wizard.action_lost_reason_apply()

    # What "nothing written" means.

    def snapshot(self, lead):
        """The lead, its apartment, jobs, messages and activities, and the row
        counts of the tables a move touches."""
        self.env.flush_all()
        self.env.invalidate_all()
        lead = lead.sudo().with_context(active_test=False)
        return {
            "lead": lead.read(
                [
                    "stage_id",
                    "active",
                    "user_id",
                    "d2d_responsible_id",
                    "date_last_stage_update",
                    "d2d_escalation_level",
                    "d2d_postponed_until",
                    "lost_reason_id",
                    "probability",
                    "date_closed",
                ]
            ),
            "apartment": lead.d2d_apartment_id.read(["lead_id", "archive_date", "archive_reason", "status"]),
            "jobs": lead.d2d_installation_ids.read(["state", "result_note", "port"]),
            "messages": lead.message_ids.ids,
            "activities": lead.activity_ids.read(["user_id", "date_deadline", "summary"]),
            "counts": {
                model: self.env[model].sudo().with_context(active_test=False).search_count([])
                for model in ("crm.lead", "mail.message", "mail.activity", "d2d.installation", "d2d.visit")
            },
        }

    def assertRefusedUnchanged(self, lead, move, user, exception=UserError):
        """`move` by `user` raises `exception` and leaves the database as it
        was. Run without a savepoint: the guards must refuse before anything
        is written, not rely on a rollback."""
        before = self.snapshot(lead)
        try:
            move(lead, user)
            self.env.flush_all()
        except exception as error:
            refusal = error
        else:
            self.fail(f"{user.login} was not refused")
        after = self.snapshot(lead)
        self.assertEqual(before, after, f"{user.login} was refused but something was written: {refusal}")
        return refusal


@tagged("post_install", "-at_install")
class TestMoveMatrix(MoveCommon):
    """Each move by each role and from each step: the role that owns it
    succeeds, posts who moved the lead from where to where and why, closes
    the old step's activity and plans the next role's; every other role and
    every other step is refused with nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roles = {role: getattr(cls, role) for role in ROLES}
        # One lead of territory A at each step and one lost at each open step,
        # for the moves to be refused from there (they write nothing, so the
        # same leads serve every test).
        cls.at_step = {step: cls.walk(cls.knock_lead(), step) for step in STEPS}
        cls.lost_at = {}
        for step in STEPS[:-1]:
            lead = cls.walk(cls.knock_lead(), step)
            cls.move_lost(lead, cls.manager)
            cls.lost_at[step] = lead
        # back in coordination after a failed installation: a closed job
        cls.after_failed_job = cls.walk(cls.knock_lead(), "scheduled")
        cls.move_report_failed(cls.after_failed_job, cls.installer)

    def wrong_places(self, name, origins):
        """(label, lead) of the leads `name` must refuse for their step: every
        step but `origins`, and lost leads of every step."""
        candidates = [
            *((step, lead) for step, lead in self.at_step.items()),
            *((f"lost at {step}", lead) for step, lead in self.lost_at.items()),
            ("coordination after a failed job", self.after_failed_job),
        ]
        for label, lead in candidates:
            if lead.active and lead.d2d_stage_code in origins:
                continue
            if name in JOB_MOVES and not lead.sudo().d2d_installation_ids:
                continue  # no job to act on
            yield label, lead

    def assertMoved(self, lead, mover, origin, target, next_role, reason, previous_activities):
        lead = lead.sudo()
        self.assertEqual(lead.d2d_stage_code, target)
        origin_name = self.env["crm.lead"]._d2d_stage(origin).name
        target_name = self.env["crm.lead"]._d2d_stage(target).name
        moves = [
            body
            for body in self.messages(lead)
            if mover.name in body and f"“{origin_name}”" in body and f"“{target_name}”" in body
        ]
        self.assertTrue(moves, f"the chatter says {mover.name} moved it from {origin_name} to {target_name}")
        if reason:
            self.assertIn(reason, moves[0])
        self.assertFalse(previous_activities.exists(), "the old step's activity is closed")
        if next_role:
            expected = {
                "agent": lead.user_id,
                "supervisor": self.supervisor_of(lead),
                "coordinator": self.coordinator,
                "installer": self.crew_of(lead).leader_id,
                "callcenter": self.callcenter,
            }[next_role]
            self.assertEqual(lead.d2d_responsible_id, expected)
            self.assertEqual(self.step_activities(lead).user_id, expected, "the next role's activity is planned")
            self.assertEqual(len(self.step_activities(lead)), 1)
        else:
            self.assertFalse(lead.d2d_responsible_id)
            self.assertFalse(self.step_activities(lead), "a closed lead waits for nobody")

    def check_move(self, name, role, origins, target, next_role, reason, also_allowed):
        move = getattr(self, f"move_{name}")
        # wrong steps, tried by the role itself and by a manager (who sees them all)
        wrong = list(self.wrong_places(name, origins))
        self.assertTrue(wrong)
        for label, lead in wrong:
            for user in (self.roles[role], self.manager):
                with self.subTest(move=name, wrong_step=label, user=user.login):
                    self.assertRefusedUnchanged(lead, move, user)
        for origin in origins:
            lead = self.walk(self.knock_lead(), origin)
            lead_b = self.walk(self.knock_lead(self.house_b), origin)
            for other, user in self.roles.items():
                with self.subTest(move=name, origin=origin, user=user.login):
                    if other != role and other not in also_allowed:
                        self.assertRefusedUnchanged(lead, move, user)
                    elif other in ("agent", "supervisor", "installer"):
                        # allowed in territory A only: territory B's lead is out of its reach
                        self.assertRefusedUnchanged(lead_b, move, user)
            mover = self.roles[role]
            previous = self.step_activities(lead.sudo())
            self.assertTrue(previous, "an open lead waits for someone")
            move(lead, mover)
            self.assertMoved(lead, mover, origin, target, next_role, reason, previous)

    def test_submit(self):
        self.check_move(*MOVES[0])

    def test_return_to_agent(self):
        self.check_move(*MOVES[1])

    def test_send_to_coordination(self):
        self.check_move(*MOVES[2])

    def test_return_to_supervisor(self):
        self.check_move(*MOVES[3])

    def test_schedule(self):
        self.check_move(*MOVES[4])

    def test_cancel_job(self):
        self.check_move(*MOVES[5])

    def test_report_connected(self):
        self.check_move(*MOVES[6])

    def test_report_failed(self):
        self.check_move(*MOVES[7])

    def test_quality_ok(self):
        self.check_move(*MOVES[8])

    def test_quality_failed(self):
        self.check_move(*MOVES[9])

    def test_every_move_is_in_the_table(self):
        names = {name for name, *_rest in MOVES}
        self.assertEqual(len(names), len(MOVES))
        self.assertTrue(all(hasattr(self, f"test_{name}") for name in names))

    def test_lost_from_every_open_step_with_odoos_wizard(self):
        """Odoo's lost wizard works from every open step for whom the step
        allows; the lead and its apartment go to the archive, the crew's
        open job is cancelled, the chatter says who, where and why."""
        lost_by = {
            "new": (self.agent, {"agent", "supervisor", "manager"}),
            "review": (self.supervisor, {"supervisor", "manager"}),
            "coordination": (self.coordinator, {"supervisor", "coordinator", "manager"}),
            "scheduled": (self.coordinator, {"supervisor", "coordinator", "manager"}),
            "quality": (self.supervisor, {"supervisor", "coordinator", "manager"}),
        }
        for step, (mover, allowed) in lost_by.items():
            lead = self.walk(self.knock_lead(), step)
            for role, user in self.roles.items():
                if role not in allowed:
                    with self.subTest(step=step, user=user.login):
                        self.assertRefusedUnchanged(lead, self.move_lost, user)
            with self.subTest(step=step, wrong_step=True):
                self.assertRefusedUnchanged(self.at_step["done"], self.move_lost, mover, UserError)
                # (the wizard leaves archived leads out; over RPC the method refuses them)
                self.assertRefusedUnchanged(
                    self.lost_at[step],
                    lambda lead, user: lead.with_user(user).action_set_lost(lost_reason_id=self.lost_reason.id),
                    mover,
                )
            apartment = lead.d2d_apartment_id
            previous = self.step_activities(lead.sudo())
            jobs = lead.sudo().d2d_installation_ids
            self.move_lost(lead, mover)
            with self.subTest(step=step, moved=True):
                self.assertFalse(lead.active)
                self.assertEqual(lead.d2d_stage_code, step, "a lost lead keeps its step, for the archive")
                self.assertEqual(lead.lost_reason_id, self.lost_reason)
                self.assertFalse(previous.exists(), "the step's activity is closed")
                self.assertFalse(self.step_activities(lead.sudo()), "nobody waits on a lost lead")
                self.assertFalse(lead.d2d_responsible_id)
                self.assertFalse(apartment.lead_id)
                self.assertTrue(apartment.archive_date)
                self.assertEqual(apartment.archive_reason, self.lost_reason.name)
                self.assertEqual(set(jobs.mapped("state")) - {"done", "failed", "cancelled"}, set())
                bodies = " ".join(self.messages(lead))
                stage_name = self.env["crm.lead"]._d2d_stage(step).name
                self.assertIn(f"{mover.name} marked the lead lost at the step “{stage_name}”", bodies)
                self.assertIn(self.lost_reason.name, bodies)
                archive = self.env["crm.lead"].with_user(self.supervisor).with_context(active_test=False)
                self.assertIn(lead, archive.search([("active", "=", False)]), "the supervisor's archive")

    def test_lost_needs_a_reason(self):
        lead = self.knock_lead()

        def lost_without_reason(lead, user):
            self.env["crm.lead.lost"].with_user(user).create(
                {"lead_ids": [(6, 0, lead.ids)]}
            ).action_lost_reason_apply()

        error = self.assertRefusedUnchanged(lead, lost_without_reason, self.agent)
        self.assertIn("lost reason", str(error))

    def test_postpone(self):
        """Coordination keeps the lead but hides it until a date: only the
        coordinator, only from coordination, with a reason and a date ahead."""
        until = fields.Datetime.now() + timedelta(days=3)

        def postpone(lead, user, until=until, reason="Client on holiday"):
            lead.with_user(user).action_d2d_postpone(until, reason)

        for step, lead in [*self.at_step.items(), *self.lost_at.items()]:
            if step == "coordination" and lead.active:
                continue
            with self.subTest(step=step, active=lead.active):
                self.assertRefusedUnchanged(lead, postpone, self.manager)
        lead = self.walk(self.knock_lead(), "coordination")
        for role, user in self.roles.items():
            if role not in ("coordinator", "manager"):
                with self.subTest(user=user.login):
                    self.assertRefusedUnchanged(lead, postpone, user)
        self.assertRefusedUnchanged(lead, lambda lead, user: postpone(lead, user, reason=""), self.coordinator)
        past = fields.Datetime.now() - timedelta(hours=1)
        self.assertRefusedUnchanged(lead, lambda lead, user: postpone(lead, user, until=past), self.coordinator)
        previous = self.step_activities(lead.sudo())
        postpone(lead, self.coordinator)
        self.assertEqual(lead.d2d_stage_code, "coordination")
        self.assertEqual(lead.d2d_postponed_until, until)
        self.assertFalse(previous.exists(), "nobody is asked to act before the date")
        self.assertIn("Client on holiday", " ".join(self.messages(lead)))
        self.assertIn(self.coordinator.name, " ".join(self.messages(lead)))

    def test_a_lost_lead_cannot_be_moved_on(self):
        lead = self.lost_at["new"]
        error = self.assertRefusedUnchanged(lead, self.move_submit, self.agent)
        self.assertIn("archive", str(error))

    def test_refusals_for_a_lead_out_of_sight_are_access_errors(self):
        """A role that does not see the lead is told so, and learns nothing
        of its step."""
        lead_b = self.walk(self.knock_lead(self.house_b), "review")
        self.assertRefusedUnchanged(lead_b, self.move_send_to_coordination, self.supervisor, AccessError)
        self.assertRefusedUnchanged(lead_b, self.move_return_to_agent, self.supervisor, AccessError)


@tagged("post_install", "-at_install")
class TestFullRun(MoveCommon):
    def test_from_a_knock_to_done_with_one_return_at_each_back_edge(self):
        """Every step by its own role through the public moves, and each back
        edge once: review → new, coordination → review, scheduled →
        coordination (a failed job, then a cancelled one), quality →
        coordination. The chatter tells the whole story."""
        lead = self.knock_lead()
        path = [lead.d2d_stage_code]
        steps = [
            (self.move_submit, self.agent),
            (self.move_return_to_agent, self.supervisor),
            (self.move_submit, self.agent),
            (self.move_send_to_coordination, self.supervisor),
            (self.move_return_to_supervisor, self.coordinator),
            (self.move_send_to_coordination, self.supervisor),
            (self.move_schedule, self.coordinator),
            (self.move_report_failed, self.installer),
            (self.move_schedule, self.coordinator),
            (self.move_cancel_job, self.coordinator),
            (self.move_schedule, self.coordinator),
            (self.move_report_connected, self.installer),
            (self.move_quality_failed, self.callcenter),
            (self.move_schedule, self.coordinator),
            (self.move_report_connected, self.installer),
            (self.move_quality_ok, self.callcenter),
        ]
        for move, user in steps:
            if move == self.move_report_connected:
                self.open_job(lead).write({name: jpeg_photo() for name in JOB_PHOTOS})
            move(lead, user)
            path.append(lead.d2d_stage_code)
            if lead.d2d_stage_code != "done":
                self.assertEqual(len(self.step_activities(lead.sudo())), 1, f"one activity at {path[-1]}")
        self.assertEqual(
            path,
            ["new", "review", "new", "review", "coordination", "review", "coordination", "scheduled",
             "coordination", "scheduled", "coordination", "scheduled", "quality", "coordination", "scheduled",
             "quality", "done"],
        )  # fmt: skip
        lead = lead.sudo()
        self.assertEqual(lead.probability, 100)
        self.assertEqual(lead.d2d_installation_ids.mapped("state").count("done"), 2)
        self.assertEqual(sorted(lead.d2d_installation_ids.mapped("state")), ["cancelled", "done", "done", "failed"])
        moves = [body for body in self.messages(lead) if "moved the lead" in body]
        self.assertEqual(len(moves), len(steps))
        for reason in (
            "Add the floor",
            "No such entrance",
            "No cable in the riser",
            "Client asked to move",
            "No signal",
        ):
            self.assertIn(reason, " ".join(moves))
        self.assertFalse(self.step_activities(lead))
        self.assertEqual(lead.d2d_apartment_id.lead_id, lead, "the apartment shows its client's lead")
