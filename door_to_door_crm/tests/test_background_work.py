import threading
import uuid
from datetime import timedelta
from urllib.parse import urlparse

from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, new_test_user, tagged

from .test_agent_sync import ms
from .test_geocoding import NOMINATIM, nominatim_answer

# Generous bounds for one thread to reach a point: a stuck test fails instead of hanging.
WAIT = 60
# Longer than any statement of these tests takes, far shorter than WAIT: a
# statement that waits on the other transaction's locks fails with
# LockNotAvailable instead of going through once the other one ends.
LOCK_TIMEOUT = "3s"
CRONS = (
    "door_to_door_crm.ir_cron_d2d_escalate",
    "door_to_door_crm.ir_cron_d2d_hide_closed_leads",
    "door_to_door_crm.ir_cron_d2d_wake_postponed",
    "door_to_door_crm.ir_cron_d2d_market_share_month",
)


@tagged("post_install", "-at_install")
class TestBackgroundWork(TransactionCase):
    """The crons (escalation, hiding closed leads, waking postponed ones,
    the market share's refresh) and the tablets' syncs run side by side in
    real, committed transactions without one waiting on the other: each
    side runs under a lock timeout while the other keeps its transaction
    open. A cron takes its leads in batches, skips the ones a request holds
    and tells Odoo's cron runner what remains."""

    @classmethod
    def _request_handler(cls, session, request, /, **kw):
        """The map service the geocoding asks, answered here (no network)."""
        if urlparse(request.url).hostname != NOMINATIM:
            return super()._request_handler(session, request, **kw)
        return nominatim_answer(request, {"Background St": (55.75, 37.61)})

    def setUp(self):
        super().setUp()
        tag = self.tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            groups = "door_to_door_crm.group_d2d_%s"
            agent = new_test_user(env, f"d2d_bg_agent_{tag}", groups=groups % "agent", name=f"Agent {tag}")
            supervisor = new_test_user(env, f"d2d_bg_sup_{tag}", groups=groups % "supervisor", name=f"Supervisor {tag}")
            territory = env["d2d.territory"].create(
                {
                    "name": f"Background {tag}",
                    "code": f"B{tag}",
                    "supervisor_id": supervisor.id,
                    "agent_ids": [(6, 0, agent.ids)],
                }
            )
            house = env["d2d.house"].create(
                {
                    "street": f"Background St {tag}",
                    "house_number": "1",
                    "territory_id": territory.id,
                    "entrance_count": 1,
                    "floor_count": 3,
                    "apartments_per_floor": 4,
                }
            )
            apartments = house.apartment_ids.sorted("number")
            visits = (
                env["d2d.visit"]
                .with_user(agent)
                .create(
                    [
                        {"apartment_id": apartment.id, "result": "lead", "phone": f"+7916123{index:04d}"}
                        for index, apartment in enumerate(apartments[:6])
                    ]
                )
            )
            leads = visits.lead_id.sorted("id")
            self.assertEqual(len(leads), 6)
            leads[3].with_user(supervisor).action_set_lost(lost_reason_id=env.ref("crm.lost_reason_1").id)
            env.flush_all()
            # time has passed: three leads are past their step's deadline, one was
            # lost two months ago, one was postponed until an hour ago
            cr.execute(
                "UPDATE crm_lead SET d2d_deadline = now() at time zone 'UTC' - interval '1 hour' WHERE id = ANY(%s)",
                [leads[:3].ids],
            )
            cr.execute(
                "UPDATE crm_lead SET date_closed = now() at time zone 'UTC' - interval '60 days' WHERE id = %s",
                [leads[3].id],
            )
            cr.execute(
                "UPDATE crm_lead SET d2d_postponed_until = now() at time zone 'UTC' - interval '1 hour' WHERE id = %s",
                [leads[4].id],
            )
            env.invalidate_all()
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_progress")
            self.last_progress_id = cr.fetchone()[0]
            self.user_ids = (agent | supervisor).ids
            self.agent_id, self.supervisor_id = agent.id, supervisor.id
            self.territory_id, self.house_id = territory.id, house.id
            self.apartment_ids, self.lead_ids = apartments.ids, leads.ids
        self.addCleanup(self.delete_committed_data)

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            leads = env["crm.lead"].search([("d2d_house_id", "=", self.house_id)])
            env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids)]).unlink()
            env["mail.message"].search([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)]).unlink()
            env["d2d.visit"].search([("house_id", "=", self.house_id)]).unlink()
            leads.unlink()
            env["d2d.house"].browse(self.house_id).unlink()
            env["d2d.territory"].browse(self.territory_id).unlink()
            cr.execute("DELETE FROM d2d_agent_stats WHERE agent_id = %s", [self.agent_id])
            users = env["res.users"].browse(self.user_ids)
            partners = users.partner_id
            env["mail.activity"].search([("user_id", "in", users.ids)]).unlink()
            users.unlink()
            partners.unlink()
            env["d2d.market.share.month"]._cron_refresh()
            cr.execute("DELETE FROM ir_cron_progress WHERE id > %s", [self.last_progress_id])
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM crm_lead WHERE id = ANY(%s)", [self.lead_ids])
            self.assertEqual(cr.fetchone()[0], 0, "the test leaves the database as it found it")

    # ------------------------------------------------------------------
    # the two sides
    # ------------------------------------------------------------------

    def sync_payload(self, name):
        """Knocks on the apartments without a lead, and a new lead."""
        moment = ms(fields.Datetime.now() - timedelta(minutes=5))
        events = [
            {
                "type": "visit",
                "uuid": f"bg-{name}-{apartment_id}-{self.tag}",
                "apartment_id": apartment_id,
                "result": "closed",
                "time": moment,
            }
            for apartment_id in self.apartment_ids[6:11]
        ]
        events[-1].update(result="lead", phone="+79169990011", contact_name="Irina")
        return {"uid": self.agent_id, "device_id": f"tablet-{name}", "events": events}

    def run_crons(self, env):
        """Each cron's code as Odoo's cron runner runs it: as its user, with
        a progress record. {cron xml id: (done, remaining)}."""
        progress = {}
        for xmlid in CRONS:
            cron = env.ref(xmlid)
            cron, record = cron.with_user(cron.user_id)._add_progress()
            cron.ir_actions_server_id.run()
            env.flush_all()
            progress[xmlid] = (record.done, record.remaining)
        # the geocoding cron's work on the test's own house (the cron itself
        # would take the database's first houses, which are not the test's)
        Houses = env["d2d.house"]
        progress["geocoded"] = Houses._d2d_write_locations(Houses._d2d_geocode(Houses.browse(self.house_id)))
        return progress

    def in_transaction(self, user_id, work, hold=None, release=None):
        """Run `work(env)` in a new committed transaction under the lock
        timeout; with `hold`, set it once done and keep the transaction
        open until `release`. Returns a dict with the result or the error."""
        outcome = {}

        def run():
            try:
                with self.registry.cursor() as cr:
                    cr.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
                    outcome["result"] = work(api.Environment(cr, user_id, {}))
                    if hold:
                        hold.set()
                        release.wait(WAIT)
            except Exception as error:  # noqa: BLE001 -- reported by the main thread
                outcome["error"] = error
            finally:
                if hold:
                    hold.set()

        return outcome, threading.Thread(target=run)

    def hold_while(self, holder_work, holder_user, other_work, other_user):
        """`holder_work` runs and keeps its transaction open while
        `other_work` runs in another one. Both outcomes, once both committed."""
        held, release = threading.Event(), threading.Event()
        holder, holder_thread = self.in_transaction(holder_user, holder_work, held, release)
        other, other_thread = self.in_transaction(other_user, other_work)
        holder_thread.start()
        try:
            self.assertTrue(held.wait(WAIT), "the first transaction did its work")
            self.assertNotIn("error", holder, holder.get("error"))
            other_thread.start()
            other_thread.join(WAIT)
            self.assertFalse(other_thread.is_alive(), "the second transaction ends while the first is open")
        finally:
            release.set()
            holder_thread.join(WAIT)
        return holder, other

    def assertNoWait(self, outcome, who):
        error = outcome.get("error")
        if isinstance(error, errors.LockNotAvailable):
            self.fail(f"{who} waited on the other transaction's locks")
        self.assertNotIn("error", outcome, f"{who} failed: {error!r}")

    def committed_leads(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT id, d2d_escalation_level, d2d_hidden, d2d_postponed_until IS NOT NULL
                     FROM crm_lead WHERE id = ANY(%s) ORDER BY id""",
                [self.lead_ids],
            )
            return {row[0]: row[1:] for row in cr.fetchall()}

    def committed_visits(self, name):
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_visit WHERE uuid LIKE %s", [f"bg-{name}-%"])
            return cr.fetchone()[0]

    def assertCronsDone(self, skipped=()):
        leads = self.committed_leads()
        for lead_id in self.lead_ids[:3]:
            expected = "0" if lead_id in skipped else "1"
            self.assertEqual(leads[lead_id][0], expected, "an overdue lead is escalated to the supervisor")
        self.assertEqual(leads[self.lead_ids[3]][1], True, "the lead lost two months ago is hidden")
        self.assertEqual(leads[self.lead_ids[4]][2], False, "the postponement is over")

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------

    def test_the_crons_do_not_wait_on_syncs_nor_on_a_lead_being_edited(self):
        """A tablet's sync and a supervisor's edit of an overdue lead keep
        their transactions open: every cron runs through, the lead being
        edited is left for the next run and counted as remaining."""
        payload = self.sync_payload("first")
        edited = self.lead_ids[0]

        def sync_and_edit(env):
            answer = env["d2d.agent.sync"]._sync(payload)
            supervisor = env(user=self.supervisor_id)
            supervisor["crm.lead"].browse(edited).write({"description": "Calling the client back"})
            env.flush_all()
            return answer

        sync, crons = self.hold_while(sync_and_edit, self.agent_id, self.run_crons, SUPERUSER_ID)
        self.assertNoWait(crons, "a cron")
        self.assertNoWait(sync, "the sync")
        self.assertEqual(len(sync["result"]["accepted"]), 5)
        progress = crons["result"]
        self.assertEqual(progress["door_to_door_crm.ir_cron_d2d_escalate"], (2, 1), "the edited lead remains")
        self.assertEqual(progress["door_to_door_crm.ir_cron_d2d_wake_postponed"], (1, 0))
        self.assertEqual(progress["geocoded"], 1, "the house the sync knocks in is located meanwhile")
        self.assertEqual(self.committed_visits("first"), 5)
        self.assertCronsDone(skipped={edited})

        # the next run takes the lead left over, and nothing else
        with self.registry.cursor() as cr:
            progress = self.run_crons(api.Environment(cr, SUPERUSER_ID, {}))
        self.assertEqual(progress["door_to_door_crm.ir_cron_d2d_escalate"], (1, 0))
        self.assertEqual(progress["door_to_door_crm.ir_cron_d2d_hide_closed_leads"], (0, 0))
        self.assertCronsDone()

    def test_a_sync_does_not_wait_on_the_crons(self):
        """The crons keep their transaction open after their work; a
        tablet's sync meanwhile records its knocks and its lead."""
        payload = self.sync_payload("second")
        crons, sync = self.hold_while(
            self.run_crons, SUPERUSER_ID, lambda env: env["d2d.agent.sync"]._sync(payload), self.agent_id
        )
        self.assertNoWait(sync, "the sync")
        self.assertNoWait(crons, "a cron")
        self.assertEqual(len(sync["result"]["accepted"]), 5)
        self.assertEqual(self.committed_visits("second"), 5)
        self.assertEqual(crons["result"]["door_to_door_crm.ir_cron_d2d_escalate"], (3, 0))
        self.assertEqual(crons["result"]["geocoded"], 1)
        self.assertCronsDone()

    def test_a_cron_works_in_batches_as_odoo_runs_it(self):
        """Odoo's cron runner calls the escalation again while leads
        remain, committing each batch."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref("door_to_door_crm.ir_cron_d2d_escalate")
            cron.code = "model._cron_d2d_escalate(batch_size=1)"
            self.addCleanup(self.restore_cron_code, cron.id)
            job = dict(
                id=cron.id,
                cron_name=cron.name,
                user_id=cron.user_id.id,
                ir_actions_server_id=cron.ir_actions_server_id.id,
                lastcall=cron.lastcall,
                timed_out_counter=0,
            )
        status = type(env["ir.cron"])._run_job(job)
        self.assertEqual(status, "fully done")
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT done, remaining FROM ir_cron_progress WHERE cron_id = %s ORDER BY id DESC LIMIT 3",
                [job["id"]],
            )
            self.assertEqual(cr.fetchall(), [(1, 0), (1, 1), (1, 2)], "three runs of one lead each")
        leads = self.committed_leads()
        self.assertEqual([leads[lead_id][0] for lead_id in self.lead_ids[:3]], ["1", "1", "1"])

    def restore_cron_code(self, cron_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.cron"].browse(cron_id).code = "model._cron_d2d_escalate()"
