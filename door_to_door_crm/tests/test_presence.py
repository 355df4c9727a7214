import json
import time
import uuid
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..models.d2d_visit_presence import EARTH_RADIUS_M, haversine_m
from .common import D2dCommon, side_by_side


def ms(moment):
    """A naive UTC datetime in milliseconds since the epoch, as the tablet counts."""
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


# One metre north, in degrees of latitude.
METRE = 180 / (EARTH_RADIUS_M * 3.141592653589793)
HOUSE_A = (55.7558, 37.6173)
HOUSE_B = (55.7600, 37.6200)


class PresenceCommon(D2dCommon):
    """House A and a second house of territory A, 5 km north, with
    coordinates; house B (territory B) without. Knocks of agent A an hour
    ago, at offsets in seconds, and positions at metres north of house A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.house_a.write({"latitude": HOUSE_A[0], "longitude": HOUSE_A[1]})
        cls.house_far = cls.create_house(
            cls.territory_a, "Tverskaya St", "5", latitude=HOUSE_A[0] + 5000 * METRE, longitude=HOUSE_A[1]
        )
        cls.start = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        parameters = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "door_to_door_crm.presence_radius_m": 50,
            "door_to_door_crm.presence_max_accuracy_m": 100,
            "door_to_door_crm.presence_max_fix_age_s": 120,
            "door_to_door_crm.presence_max_doors_per_minute": 5,
            "door_to_door_crm.presence_max_speed_kmh": 20,
        }.items():
            parameters.set_param(key, value)

    def at(self, seconds):
        return self.start + timedelta(seconds=seconds)

    def position(self, north_m=0.0, accuracy=10.0, fix_at=None, base=HOUSE_A):
        return {
            "gps_latitude": base[0] + north_m * METRE,
            "gps_longitude": base[1],
            "gps_accuracy": accuracy,
            "gps_time": fix_at,
        }

    def knock(self, seconds, north_m=0.0, number=1, house=None, fix_age=0, accuracy=10.0, fix=True, **vals):
        """A knock of agent A through the ORM, `seconds` after the start."""
        house = house or self.house_a
        moment = self.at(seconds)
        values = self.position(north_m, accuracy, moment - timedelta(seconds=fix_age)) if fix else {}
        return self.visit(self.apartment(house, number), user=self.agent, visit_date=moment, **values, **vals).sudo()


@tagged("post_install", "-at_install")
class TestPresence(PresenceCommon):
    def test_distance_is_the_great_circle_distance(self):
        # a degree of latitude is the Earth's circumference over 360
        self.assertAlmostEqual(haversine_m(0, 0, 1, 0), 111_195.08, delta=0.01)
        # Moscow to Saint Petersburg, about 633 km
        self.assertAlmostEqual(haversine_m(55.7558, 37.6173, 59.9343, 30.3351) / 1000, 633.0, delta=0.5)
        visit = self.knock(0, north_m=30)
        self.assertAlmostEqual(visit.gps_distance, 30, delta=0.05)
        self.assertAlmostEqual(
            visit.gps_distance, haversine_m(*HOUSE_A, visit.gps_latitude, visit.gps_longitude), delta=0.001
        )

    def test_near_the_house_is_ok(self):
        visit = self.knock(0, north_m=20)
        self.assertEqual(visit.presence_flag, "ok")
        self.assertEqual(visit.gps_accuracy, 10)
        self.assertEqual(visit.gps_time, self.at(0))

    def test_far_beyond_the_radius_widened_by_the_accuracy(self):
        self.assertEqual(self.knock(0, north_m=500).presence_flag, "far")
        # 80 m: within 50 m + an accuracy of 40 m, beyond 50 m + 20 m
        self.assertEqual(self.knock(100, north_m=80, accuracy=40, number=2).presence_flag, "ok")
        self.assertEqual(self.knock(200, north_m=80, accuracy=20, number=3).presence_flag, "far")

    def test_inaccurate_no_fix_and_stale(self):
        self.assertEqual(self.knock(0, north_m=100, accuracy=300).presence_flag, "inaccurate")
        no_fix = self.knock(100, fix=False, number=2)
        self.assertEqual(no_fix.presence_flag, "no_fix")
        self.assertFalse(no_fix.gps_latitude)
        self.assertEqual(self.knock(200, fix_age=600, number=3).presence_flag, "stale")
        # a cached fix up to a minute old, as the tablet allows, is fine
        self.assertEqual(self.knock(300, north_m=3, fix_age=60, number=4).presence_flag, "ok")

    def test_too_many_doors_in_a_minute(self):
        flags = [
            self.knock(seconds, north_m=seconds / 10, number=n).presence_flag
            for n, seconds in enumerate((0, 10, 20, 30, 40, 50), start=1)
        ]
        self.assertEqual(flags, ["ok"] * 5 + ["too_fast"])
        # a minute after the first, the pace is back to five doors a minute
        self.assertEqual(self.knock(71, north_m=7, number=7).presence_flag, "ok")

    def test_a_walk_no_walker_makes(self):
        self.knock(0)
        # 5 km in 2 minutes is 150 km/h; the fix is at the far house
        far_house = (self.house_far.latitude, self.house_far.longitude)
        moment = self.at(120)
        visit = self.visit(
            self.apartment(self.house_far, 1),
            user=self.agent,
            visit_date=moment,
            **self.position(0, 10, moment, base=far_house),
        ).sudo()
        self.assertEqual(visit.presence_flag, "too_fast")
        # the same walk in 20 minutes (15 km/h) is a walk
        moment = self.at(120 + 1200)
        visit = self.visit(
            self.apartment(self.house_a, 2), user=self.agent, visit_date=moment, **self.position(0, 10, moment)
        ).sudo()
        self.assertEqual(visit.presence_flag, "ok")

    def test_the_same_coordinates_of_a_new_fix(self):
        first = self.knock(0, north_m=5)
        # a cached fix used again (same fix time) in the same house is fine
        again = self.visit(
            self.apartment(self.house_a, 2),
            user=self.agent,
            visit_date=self.at(20),
            **self.position(5, 10, self.at(0)),
        ).sudo()
        self.assertEqual((first.presence_flag, again.presence_flag), ("ok", "ok"))
        # a new fix on the very same point, to the tenth of a micro-degree, is not
        self.assertEqual(self.knock(200, north_m=5, number=3).presence_flag, "repeated")

    def test_a_house_without_coordinates_says_so(self):
        house = self.create_house(self.territory_a, "Arbat St", "3")
        visit = self.knock(0, house=house)
        self.assertFalse(visit.presence_flag, "no distance, no flag")
        self.assertFalse(visit.gps_distance)
        self.assertTrue(visit.gps_latitude)
        self.assertEqual(self.knock(100, house=house, number=2, fix=False).presence_flag, "no_fix")
        arch = self.env["d2d.house"].with_user(self.supervisor).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("This house has no coordinates", arch)

    def test_a_bad_position_is_dropped_and_the_knock_recorded(self):
        for number, bad in enumerate(
            (
                {"gps_latitude": 91.0, "gps_longitude": 37.6},
                {"gps_latitude": "55.7", "gps_longitude": 37.6},
                {"gps_latitude": float("nan"), "gps_longitude": 37.6},
                {"gps_latitude": 55.7},
            ),
            start=1,
        ):
            visit = self.visit(
                self.apartment(self.house_a, number), user=self.agent, visit_date=self.at(number * 100), **bad
            ).sudo()
            self.assertEqual((visit.presence_flag, visit.gps_latitude), ("no_fix", 0))
        # a negative accuracy or a fix time that is no time is dropped, the position kept
        visit = self.visit(
            self.apartment(self.house_a, 9),
            user=self.agent,
            visit_date=self.at(900),
            gps_latitude=HOUSE_A[0],
            gps_longitude=HOUSE_A[1],
            gps_accuracy=-5,
            gps_time="yesterday",
        ).sudo()
        self.assertEqual((visit.presence_flag, visit.gps_accuracy, visit.gps_time), ("ok", 0, False))

    def test_thresholds_come_from_the_settings(self):
        settings = self.env["d2d.settings"].with_user(self.manager).create({"d2d_presence_radius_m": 1000})
        self.assertEqual(settings.d2d_presence_max_doors_per_minute, 5)
        settings.execute()
        self.assertEqual(self.knock(0, north_m=500).presence_flag, "ok")
        with self.assertRaises(ValidationError):
            self.env["d2d.settings"].with_user(self.manager).create({"d2d_presence_max_speed_kmh": -1})
        with self.assertRaises(AccessError):
            self.env["d2d.settings"].with_user(self.supervisor).create({"d2d_presence_radius_m": 1})

    def test_only_supervisors_read_the_positions(self):
        visit = self.knock(0, north_m=500)
        with self.assertRaises(AccessError):
            visit.with_user(self.agent).read(["gps_latitude"])
        with self.assertRaises(AccessError):
            self.env["d2d.visit"].with_user(self.agent).search([("presence_flag", "=", "far")])
        flagged = self.env["d2d.visit"].with_user(self.supervisor).search([("presence_flag", "=", "far")])
        self.assertEqual(flagged, visit)
        self.assertFalse(self.env["d2d.visit"].with_user(self.supervisor_b).search([("presence_flag", "=", "far")]))

    def test_the_flags_of_a_sync(self):
        """The tablet's sync records the position of each event and flags
        the batch as d2d.visit.create does; a bad position is dropped."""
        apartments = self.house_a.apartment_ids.sorted("id")

        def event(n, seconds, north_m=0.0, **position):
            moment = self.at(seconds)
            return {
                "type": "visit",
                "uuid": f"presence-{n}",
                "apartment_id": apartments[n].id,
                "result": "closed",
                "time": ms(moment),
                "gps_latitude": HOUSE_A[0] + north_m * METRE,
                "gps_longitude": HOUSE_A[1],
                "gps_accuracy": 12,
                "gps_time": ms(moment),
                **position,
            }

        events = [
            event(0, 0, 10),
            event(1, 100, 900),
            event(2, 200, 10, gps_accuracy=500),
            event(3, 300, gps_latitude=None, gps_longitude=None),
            event(4, 400, 10, gps_time=ms(self.at(400 - 3600))),
            event(5, 500, 10, gps_latitude="north"),
            event(6, 600, 10, gps_accuracy=-1),
        ]
        answer = self.env["d2d.agent.sync"].with_user(self.agent)._sync({"uid": self.agent.id, "events": events})
        self.assertEqual(answer["accepted"], [e["uuid"] for e in events])
        visits = self.env["d2d.visit"].search([("uuid", "like", "presence-")]).sorted("visit_date")
        self.assertEqual(visits.mapped("presence_flag"), ["ok", "far", "inaccurate", "no_fix", "stale", "no_fix", "ok"])
        self.assertAlmostEqual(visits[1].gps_distance, 900, delta=0.1)
        self.assertEqual(visits[0].gps_time, self.at(0))
        self.assertEqual(visits[6].gps_accuracy, 0)

    def test_the_statistics_count_the_flags(self):
        self.knock(0, north_m=500)
        self.knock(100, fix=False, number=2)
        self.knock(200, number=3)
        stats = self.env["d2d.agent.stats"].search([("agent_id", "=", self.agent.id)])
        self.assertEqual(
            (sum(stats.mapped("flag_far")), sum(stats.mapped("flag_no_fix")), sum(stats.mapped("flagged"))), (1, 1, 2)
        )

    def test_the_supervisors_list_of_flags(self):
        self.knock(0, north_m=500)
        self.knock(100, number=2)
        action = self.env.ref("door_to_door_crm.d2d_visit_action_presence")
        self.assertIn("search_default_flagged", action.context)
        Visit = self.env["d2d.visit"].with_user(self.supervisor)
        groups = Visit.read_group(
            [("presence_flag", "not in", ("ok", False))], ["presence_flag"], ["agent_id", "visit_date:day"], lazy=False
        )
        self.assertEqual([(g["agent_id"][0], g["__count"]) for g in groups], [(self.agent.id, 1)])


@tagged("post_install", "-at_install")
class TestPresenceHttp(HttpCase, PresenceCommon):
    """The position of a knock sent by the tablet over the real sync route."""

    def test_positions_through_the_sync_route(self):
        self.authenticate("test_agent", "test_agent")
        now = int(time.time() * 1000)
        apartments = self.house_a.apartment_ids.sorted("id")
        events = [
            {
                "type": "visit",
                "uuid": f"http-presence-{n}",
                "apartment_id": apartments[n].id,
                "result": "closed",
                "time": now - 60_000 + n * 1000,
                "gps_latitude": HOUSE_A[0] + north * METRE,
                "gps_longitude": HOUSE_A[1],
                "gps_accuracy": 8,
                "gps_time": now - 60_000 + n * 1000,
            }
            for n, north in enumerate((10, 3000, 12, 14, 16, 18))
        ]
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {"uid": self.agent.id, "events": events}})
        answer = self.url_open("/d2d/agent/sync", data=body, headers={"Content-Type": "application/json"}).json()
        self.assertEqual(len(answer["result"]["accepted"]), 6)
        visits = self.env["d2d.visit"].search([("uuid", "like", "http-presence-")]).sorted("visit_date")
        # six doors in five seconds: the sixth is too fast
        self.assertEqual(visits.mapped("presence_flag"), ["ok", "far", "ok", "ok", "ok", "too_fast"])
        self.assertAlmostEqual(visits[1].gps_distance, 3000, delta=0.5)


@tagged("post_install", "-at_install")
class TestPresenceConcurrency(TransactionCase):
    """One agent's knocks checked by two transactions at the same moment
    (two tablets, or a tablet and the office): the second does not judge
    its knock without the first's. Two houses of two territories at one
    address point, so that nothing else than the presence check ties the
    two transactions; the same position at both: the second is "repeated"
    once it sees the first. Committed data, deleted afterwards."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            agent = new_test_user(env, f"d2d_presence_{tag}", groups="door_to_door_crm.group_d2d_agent")
            territories = env["d2d.territory"].create(
                [{"name": f"Race {tag} {n}", "code": f"R{tag}{n}", "agent_ids": [(6, 0, agent.ids)]} for n in (1, 2)]
            )
            houses = env["d2d.house"].create(
                [
                    {
                        "street": f"Race {tag}",
                        "house_number": str(n),
                        "territory_id": territory.id,
                        "entrance_count": 1,
                        "floor_count": 1,
                        "apartments_per_floor": 1,
                        "latitude": HOUSE_A[0],
                        "longitude": HOUSE_A[1],
                    }
                    for n, territory in enumerate(territories, start=1)
                ]
            )
            self.agent_id, self.territory_ids, self.house_ids = agent.id, territories.ids, houses.ids
            self.apartment_ids = houses.apartment_ids.sorted("house_id").ids
        self.addCleanup(self.delete_committed_data)

    def delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
            env["d2d.visit"].search([("agent_id", "=", self.agent_id)]).unlink()
            env["d2d.house"].browse(self.house_ids).unlink()
            env["d2d.territory"].browse(self.territory_ids).unlink()
            cr.execute("DELETE FROM d2d_agent_stats WHERE agent_id = %s", [self.agent_id])
            user = env["res.users"].browse(self.agent_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM d2d_house WHERE id = ANY(%s)", [self.house_ids])
            self.assertEqual(cr.fetchone()[0], 0, "the test leaves the database as it found it")

    def test_two_transactions_knock_for_one_agent(self):
        start = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        knocks = {
            "first": (self.apartment_ids[0], start),
            "second": (self.apartment_ids[1], start + timedelta(seconds=90)),
        }

        def knock(env, name):
            apartment_id, moment = knocks[name]
            values = {
                "apartment_id": apartment_id,
                "result": "closed",
                "visit_date": moment,
                "gps_latitude": HOUSE_A[0],
                "gps_longitude": HOUSE_A[1],
                "gps_accuracy": 5,
                "gps_time": moment,
            }
            # a first read takes the transaction's snapshot, as a request reads before it writes
            env["d2d.apartment"].browse(apartment_id).read(["number"])
            return env["d2d.visit"].create(values).id

        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            visit_ids, blocked = side_by_side(self, self.agent_id, knock)
        self.assertTrue(blocked, "the second waits for the first")
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id, presence_flag FROM d2d_visit WHERE agent_id = %s ORDER BY visit_date", [self.agent_id]
            )
            flags = cr.fetchall()
        self.assertEqual(flags, [(visit_ids["first"], "ok"), (visit_ids["second"], "repeated")])
