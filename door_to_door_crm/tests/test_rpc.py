import xmlrpc.client

from odoo.tests import HttpCase, tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestVisitRpc(HttpCase, D2dCommon):
    """The visit log over real XML-RPC calls, as the telephony and scripts use it."""

    def setUp(self):
        super().setUp()
        self.xmlrpc_object = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)

    def call(self, login, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.user_id(login), login, model, method, list(args), kwargs
        )

    def user_id(self, login):
        return self.env["res.users"].search([("login", "=", login)]).id

    def test_agent_records_a_visit_once_over_xmlrpc(self):
        apartment = self.house_a.apartment_ids[0]
        vals = {"apartment_id": apartment.id, "result": "refusal", "uuid": "rpc-visit-1", "note": "Says no"}
        first = self.call("test_agent", "d2d.visit", "create", [vals])
        again = self.call("test_agent", "d2d.visit", "create", [vals])
        self.assertEqual(first, again)
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "=", "rpc-visit-1")]), 1)
        status = self.call("test_agent", "d2d.apartment", "read", [apartment.id], fields=["status"])
        self.assertEqual(status[0]["status"], "refusal")

    def test_refusals_come_back_in_plain_words(self):
        other = self.house_b.apartment_ids[0]
        with self.assertRefused(xmlrpc.client.Fault, "not in your houses"):
            self.call("test_agent", "d2d.visit", "create", [{"apartment_id": other.id, "result": "closed"}])
        with self.assertRefused(xmlrpc.client.Fault, "not a visit result"):
            self.call(
                "test_agent", "d2d.visit", "create", [{"apartment_id": self.house_a.apartment_ids[0].id, "result": "x"}]
            )
        visit_id = self.call(
            "test_agent",
            "d2d.visit",
            "create",
            [{"apartment_id": self.house_a.apartment_ids[0].id, "result": "closed"}],
        )
        with self.assertRefused(xmlrpc.client.Fault, "cannot be changed|not allowed"):
            self.call("test_agent", "d2d.visit", "write", [visit_id], {"result": "lead"})
        self.assertEqual(self.env["d2d.visit"].search_count([("apartment_id", "=", other.id)]), 0)

    def test_agent_reads_only_its_houses_over_xmlrpc(self):
        houses = self.call("test_agent", "d2d.house", "search_read", [], fields=["name"])
        self.assertEqual([h["id"] for h in houses], self.house_a.ids)
        count = self.call("test_agent", "d2d.apartment", "search_count", [])
        self.assertEqual(count, self.house_a.apartment_count)


@tagged("post_install", "-at_install")
class TestHouseMapTour(HttpCase, D2dCommon):
    def test_house_map_in_the_browser(self):
        """The house form draws the map: entrances, floors, coloured cells."""
        self.env["d2d.visit"].create(
            {"apartment_id": self.house_a.apartment_ids.filtered(lambda a: a.number == 6).id, "result": "refusal"}
        )
        self.start_tour(
            f"/odoo/action-door_to_door_crm.d2d_house_action/{self.house_a.id}",
            "d2d_house_map_tour",
            login="test_supervisor",
        )
