import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, new_test_user, tagged

from . import test_agent_sync
from .common import D2dLeadCommon, side_by_side
from .test_agent_sync import ms


@tagged("post_install", "-at_install")
class TestAgentSyncLeads(D2dLeadCommon):
    """The agent's leads worked from the tablet (lead_update, lead_submit),
    the supervisor's reason on the tablet, and "come back at" on a knock."""

    # (the class is not imported here: the runner would run its tests twice)
    sync = test_agent_sync.TestAgentSync.sync
    event = test_agent_sync.TestAgentSync.event

    def lead_event(self, lead, kind="lead_submit", uuid=None, **fixes):
        self._counter = getattr(self, "_counter", 0) + 1
        return {
            "type": kind,
            "uuid": uuid or f"lead-ev-{self._counter}-{lead.id}",
            "lead_id": lead.id,
            "time": ms(fields.Datetime.now()),
            **fixes,
        }

    def lead_row(self, answer_or_snapshot, lead):
        return next(row for row in answer_or_snapshot["leads"] if row[0] == lead.id)

    def returned_lead(self):
        lead = self.knock_lead(phone="+79161234567", name="Olga")
        lead.with_user(self.agent).action_d2d_submit()
        lead.with_user(self.supervisor).action_d2d_return_to_agent(reason="Wrong flat number")
        return lead

    def test_a_returned_lead_is_fixed_and_submitted_once(self):
        lead = self.returned_lead()
        row = self.lead_row(self.env["d2d.agent.sync"].with_user(self.agent)._snapshot(), lead)
        self.assertEqual(row[2], "new")
        self.assertEqual(row[8:11], ["Olga", lead.d2d_service or None, "Wrong flat number"], "client, service, reason")
        event = self.lead_event(lead, contact_name="Olga Petrova", phone="8 916 765-43-21", service="internet_tv")
        answer = self.sync([event])
        self.assertEqual((answer["accepted"], answer["rejected"]), ([event["uuid"]], []))
        self.assertEqual(lead.d2d_stage_code, "review")
        self.assertEqual(
            (lead.contact_name, lead.phone, lead.d2d_service), ("Olga Petrova", "+79167654321", "internet_tv")
        )
        row = self.lead_row(answer["changes"], lead)
        self.assertEqual((row[2], row[5], row[10]), ("review", "+79167654321", None), "the answer carries the lead")
        again = self.sync([event])
        self.assertEqual((again["accepted"], again["rejected"]), ([event["uuid"]], []), "a replay is accepted")
        self.assertEqual(self.env["d2d.agent.lead.event"].search_count([("uuid", "=", event["uuid"])]), 1)
        reviews = self.env["d2d.lead.stage.log"].search_count(
            [("lead_id", "=", lead.id), ("stage_id.d2d_code", "=", "review")]
        )
        self.assertEqual(reviews, 2, "submitted twice: by hand, then once from the tablet")

    def test_a_refused_fix_leaves_the_lead_as_it_was(self):
        lead = self.returned_lead()
        bad_phone = self.lead_event(lead, contact_name="Changed", phone="12")
        fix_only = self.lead_event(lead, "lead_update", service="tv")
        answer = self.sync([bad_phone, fix_only])
        self.assertEqual(answer["accepted"], [fix_only["uuid"]])
        self.assertEqual([r["uuid"] for r in answer["rejected"]], [bad_phone["uuid"]])
        self.assertIn("phone", answer["rejected"][0]["reason"])
        self.assertEqual((lead.contact_name, lead.d2d_stage_code, lead.d2d_service), ("Olga", "new", "tv"))
        self.assertFalse(self.env["d2d.agent.lead.event"].search([("uuid", "=", bad_phone["uuid"])]))

    def test_a_lead_of_another_agent_or_at_review_is_refused_without_naming_it(self):
        theirs = self.knock_lead(house=self.house_b, name="Secret client")
        mine = self.knock_lead()
        mine.with_user(self.agent).action_d2d_submit()
        answer = self.sync([self.lead_event(theirs, phone="+79161112233"), self.lead_event(mine)])
        reasons = [r["reason"] for r in answer["rejected"]]
        self.assertEqual(len(reasons), 2)
        self.assertNotIn("Secret", reasons[0])
        self.assertNotIn(theirs.name, reasons[0])
        self.assertIn(mine.stage_id.name, reasons[1], "a submit of a lead at review says its step")
        self.assertEqual(theirs.phone, "+79161234567", "the other agent's lead is untouched")

    def test_a_callback_rides_on_the_knock_and_a_later_knock_clears_it(self):
        apartment = self.apartment(self.house_a, 3)
        knock_time = fields.Datetime.now() - timedelta(minutes=10)
        callback = (knock_time + timedelta(days=1)).replace(microsecond=0)
        event = self.event(apartment, "closed", at=knock_time, callback_at=ms(callback))
        past = self.event(self.apartment(self.house_a, 4), "closed", callback_at=ms(knock_time - timedelta(days=1)))
        answer = self.sync([event, past])
        self.assertEqual(answer["accepted"], [event["uuid"]])
        self.assertIn("before the knock", answer["rejected"][0]["reason"])
        self.assertEqual((apartment.visit_ids.callback_date, apartment.callback_date), (callback, callback))
        snapshot = self.env["d2d.agent.sync"].with_user(self.agent)._snapshot()
        self.assertEqual(snapshot["apartments"]["callback"], {str(apartment.id): ms(callback) // 1000})
        self.visit(apartment, "refusal", user=self.agent)  # the ORM path: the latest visit has none
        self.assertFalse(apartment.callback_date, "a later knock without a callback clears it")


@tagged("post_install", "-at_install")
class TestAgentSyncLeadsConcurrency(TransactionCase):
    """The same lead_submit sent in two requests at the same moment: two
    committed transactions; the second waits for the first, cannot
    serialize, is run again and finds the event applied: one move."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            agent = new_test_user(env, f"d2d_lead_{tag}", groups="door_to_door_crm.group_d2d_agent", name=f"A {tag}")
            territory = env["d2d.territory"].create(
                {"name": f"Leads {tag}", "code": f"L{tag}", "agent_ids": [(6, 0, agent.ids)]}
            )
            house = env["d2d.house"].create(
                {
                    "street": f"Leads St {tag}",
                    "house_number": "1",
                    "territory_id": territory.id,
                    "entrance_count": 1,
                    "floor_count": 1,
                    "apartments_per_floor": 1,
                }
            )
            visit = (
                env["d2d.visit"]
                .with_user(agent)
                .create({"apartment_id": house.apartment_ids.id, "result": "lead", "phone": "+79161234567"})
            )
            self.agent_id, self.territory_id, self.house_id = agent.id, territory.id, house.id
            self.lead_id = visit.sudo().lead_id.id
        self.addCleanup(self.delete_committed_data)

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            env["crm.lead"].browse(self.lead_id).unlink()
            env["d2d.visit"].search([("house_id", "=", self.house_id)]).unlink()
            env["d2d.house"].browse(self.house_id).unlink()
            env["d2d.territory"].browse(self.territory_id).unlink()
            user = env["res.users"].browse(self.agent_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def test_the_same_submit_in_two_concurrent_requests_moves_the_lead_once(self):
        event = {"type": "lead_submit", "uuid": f"submit-{self.lead_id}", "lead_id": self.lead_id, "time": 0}
        event["time"] = ms(fields.Datetime.now())

        def submit(env, name):
            return env["d2d.agent.sync"]._sync({"uid": self.agent_id, "device_id": name, "events": [event]})

        answers, _blocked = side_by_side(self, self.agent_id, submit)
        self.assertEqual(answers["first"]["accepted"], [event["uuid"]])
        self.assertEqual(answers["second"]["accepted"], [event["uuid"]], "the second is answered as a replay")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_agent_lead_event WHERE uuid = %s", [event["uuid"]])
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                """SELECT count(*) FROM d2d_lead_stage_log log JOIN crm_stage s ON s.id = log.stage_id
                    WHERE log.lead_id = %s AND s.d2d_code = 'review'""",
                [self.lead_id],
            )
            self.assertEqual(cr.fetchone()[0], 1, "the lead moved to review once")
