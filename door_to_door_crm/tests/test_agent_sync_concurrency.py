import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import side_by_side
from .test_agent_sync import ms


@tagged("post_install", "-at_install")
class TestAgentSyncConcurrency(TransactionCase):
    """The same event sent in two requests at the same moment (a tablet that
    retries while its first request is still running, or two workers): two
    real transactions on the registry, on committed data that the test
    deletes afterwards. The second request waits for the first, fails to
    serialize and is run again, as Odoo runs a request: one visit is
    recorded and both requests answer the uuid accepted."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            agent = new_test_user(
                env, f"d2d_concurrent_{tag}", groups="door_to_door_crm.group_d2d_agent", name=f"Agent {tag}"
            )
            territory = env["d2d.territory"].create(
                {"name": f"Concurrency {tag}", "code": f"C{tag}", "agent_ids": [(6, 0, agent.ids)]}
            )
            house = env["d2d.house"].create(
                {
                    "street": f"Concurrency St {tag}",
                    "house_number": "1",
                    "territory_id": territory.id,
                    "entrance_count": 1,
                    "floor_count": 2,
                    "apartments_per_floor": 2,
                }
            )
            self.agent_id, self.territory_id, self.house_id = agent.id, territory.id, house.id
            self.apartment_ids = house.apartment_ids.sorted("number").ids
        self.addCleanup(self.delete_committed_data)

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            env["d2d.visit"].search([("apartment_id", "in", self.apartment_ids)]).unlink()
            env["d2d.house"].browse(self.house_id).unlink()
            env["d2d.territory"].browse(self.territory_id).unlink()
            user = env["res.users"].browse(self.agent_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_house WHERE street = %s", [f"Concurrency St {self.tag}"])
            self.assertEqual(cr.fetchone()[0], 0, "the test leaves the database as it found it")

    def event(self, apartment_id, event_uuid, result="closed"):
        return {
            "type": "visit",
            "uuid": event_uuid,
            "apartment_id": apartment_id,
            "result": result,
            "time": ms(fields.Datetime.now() - timedelta(minutes=5)),
        }

    def test_same_uuid_in_two_concurrent_requests(self):
        shared = f"concurrent-{self.tag}"
        other = f"concurrent-other-{self.tag}"
        first_batch = [self.event(self.apartment_ids[0], shared)]
        second_batch = [self.event(self.apartment_ids[0], shared), self.event(self.apartment_ids[1], other, "refusal")]
        batches = {"first": first_batch, "second": second_batch}

        def sync(env, name):
            # the first inserts its visit and keeps its transaction open
            payload = {"uid": self.agent_id, "device_id": f"tablet-{name}", "events": batches[name]}
            return env["d2d.agent.sync"]._sync(payload)

        answers, blocked = side_by_side(self, self.agent_id, sync)
        self.assertTrue(blocked, "the second request waits on the uuid index while the first is not committed")
        self.assertEqual(answers["first"]["accepted"], [shared])
        self.assertEqual(sorted(answers["second"]["accepted"]), sorted([shared, other]))
        self.assertEqual(answers["second"]["rejected"], [])
        with self.registry.cursor() as cr:
            cr.execute("SELECT uuid, device_id FROM d2d_visit WHERE uuid IN %s ORDER BY uuid", [(shared, other)])
            rows = cr.fetchall()
            self.assertEqual(
                rows,
                sorted([(shared, "tablet-first"), (other, "tablet-second")]),
                "one visit per uuid: the first request's, and the second request's other event",
            )
            cr.execute(
                "SELECT status FROM d2d_apartment WHERE id IN %s ORDER BY number", [tuple(self.apartment_ids[:2])]
            )
            self.assertEqual([row[0] for row in cr.fetchall()], ["closed", "refusal"])
