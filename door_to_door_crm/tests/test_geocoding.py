import json
from urllib.parse import parse_qs, urlparse

import requests

from odoo.tests import tagged

from ..models.d2d_house_geocode import GEOCODE_PAUSE_PARAM
from .common import D2dCommon

NOMINATIM = "nominatim.openstreetmap.org"
# What the map service knows: the street and number it is asked -> (lat, lon).
KNOWN = {
    "Тверская 7": (55.7602, 37.6085),
    "Арбат 12": (55.7516, 37.5953),
    "Арбат 14": (55.7512, 37.5938),
}


def nominatim_answer(request, points):
    """The JSON Nominatim's /search answers, for what it is asked."""
    query = parse_qs(urlparse(request.url).query)["q"][0]
    hits = [
        {"lat": str(lat), "lon": str(lon), "display_name": query}
        for address, (lat, lon) in points.items()
        if query.startswith(address)
    ]
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(hits).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = request.url
    response.request = request
    return response


@tagged("post_install", "-at_install")
class TestGeocoding(D2dCommon):
    """Houses without coordinates are located from their address by a cron
    in batches, with Odoo's geocoder (OpenStreetMap's Nominatim). The tests
    make no network call: the requests Odoo's test case would block are
    answered here as Nominatim answers them."""

    requests_seen = []
    service_down = False

    @classmethod
    def _request_handler(cls, session, request, /, **kw):
        if urlparse(request.url).hostname != NOMINATIM:
            return super()._request_handler(session, request, **kw)
        cls.requests_seen.append(request)
        if cls.service_down:
            raise requests.exceptions.ConnectionError("Name or service not known")
        return nominatim_answer(request, KNOWN)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(GEOCODE_PAUSE_PARAM, 0)
        cls.env.company.country_id = cls.env.ref("base.ru")
        # the houses already in the database are not this test's: taken as located
        cls.env["d2d.house"].search([]).geo_lookup_date = "2026-01-01 00:00:00"
        cls.houses = cls.env["d2d.house"].create(
            [
                {
                    "street": street,
                    "house_number": number,
                    "city": "Москва",
                    "territory_id": cls.territory_a.id,
                    "entrance_count": 1,
                    "floor_count": 1,
                    "apartments_per_floor": 1,
                }
                for street, number in (("Тверская", "7"), ("Арбат", "12"), ("Нигдеевская", "1"), ("Арбат", "14"))
            ]
        )

    def setUp(self):
        super().setUp()
        type(self).requests_seen = []
        type(self).service_down = False

    def run_cron(self, batch_size):
        """The cron's code as Odoo's runner calls it: (done, remaining)."""
        cron = self.env.ref("door_to_door_crm.ir_cron_d2d_geocode_houses")
        cron, progress = cron._add_progress()
        cron.env["d2d.house"]._cron_d2d_geocode_houses(batch_size=batch_size)
        return progress.done, progress.remaining

    def points(self):
        self.houses.invalidate_recordset()
        return [(house.latitude, house.longitude) for house in self.houses]

    def test_houses_are_located_in_batches_and_an_unknown_address_is_asked_once(self):
        self.assertEqual(self.run_cron(batch_size=2), (2, 2))
        self.assertEqual(self.run_cron(batch_size=2), (2, 0))
        tverskaya, arbat_12, nowhere, arbat_14 = self.points()
        self.assertEqual((tverskaya, arbat_12, arbat_14), (KNOWN["Тверская 7"], KNOWN["Арбат 12"], KNOWN["Арбат 14"]))
        self.assertEqual(nowhere, (0.0, 0.0))
        self.assertTrue(self.houses[2].geo_lookup_date, "the unknown address is marked as looked up")
        self.assertEqual(len(self.requests_seen), 4)
        query = parse_qs(urlparse(self.requests_seen[0].url).query)["q"][0]
        self.assertIn("Тверская 7", query)
        self.assertIn("Москва", query)
        self.assertIn("Odoo", self.requests_seen[0].headers["User-Agent"])
        # nothing is left: no request at all
        self.assertEqual(self.run_cron(batch_size=2), (0, 0))
        self.assertEqual(len(self.requests_seen), 4)

        # a corrected address is looked up again; coordinates typed by hand are kept
        self.houses[2].street = "Тверская"
        self.houses[2].house_number = "7"
        self.houses[0].write({"street": "Тверская ул.", "latitude": 55.7, "longitude": 37.6})
        self.assertEqual(self.run_cron(batch_size=10), (1, 0))
        self.assertEqual(self.points()[2], KNOWN["Тверская 7"])
        self.assertEqual(self.points()[0], (55.7, 37.6))

    def test_a_service_out_of_reach_marks_nothing(self):
        type(self).service_down = True
        self.assertEqual(self.run_cron(batch_size=10), (0, 4), "the next run tries again")
        self.assertEqual(len(self.requests_seen), 1, "the batch stops at the first failure")
        self.assertFalse(any(self.houses.mapped("geo_lookup_date")))

    def test_the_manager_turns_the_cron_on_in_the_settings(self):
        cron = self.env.ref("door_to_door_crm.ir_cron_d2d_geocode_houses")
        self.assertFalse(cron.active, "off on a fresh install: no network call")
        settings = self.env["d2d.settings"].with_user(self.manager).create({"d2d_geocode_houses": True})
        settings.execute()
        self.assertTrue(cron.active)
        self.assertTrue(self.env["d2d.settings"].with_user(self.manager).create({}).d2d_geocode_houses)
