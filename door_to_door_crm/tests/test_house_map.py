from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import D2dCommon
from .test_agent_app_browser import warm_up_statics

TILE_URL = "door_to_door_crm.map_tile_url"
TILE_ATTRIBUTION = "door_to_door_crm.map_tile_attribution"


class GeoMapCommon(D2dCommon):
    """Territory A: house A (40 apartments) and house C (8); territory B:
    house B (36), all with coordinates. In house A three apartments are
    Rival Telecom's clients, one Other Net's, two nobody home and one a lead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["d2d.competitor"].create({"name": "Other Net", "color": 4})
        cls.house_c = cls.create_house(cls.territory_a, "Arbat St", "3", floors=2, per_floor=4)
        cls.house_a.write({"latitude": 55.7781, "longitude": 37.6312})
        cls.house_c.write({"latitude": 55.7522, "longitude": 37.5927})
        cls.house_b.write({"latitude": 55.7930, "longitude": 37.7010})
        cls.env["ir.config_parameter"].sudo().set_param(TILE_URL, "")
        cls.env["ir.config_parameter"].sudo().set_param(TILE_ATTRIBUTION, "")
        cls.earlier = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2)
        apartments = cls.house_a.apartment_ids.sorted("number")
        Visit = cls.env["d2d.visit"].with_user(cls.agent)
        visits = [
            {"apartment_id": apartment.id, "result": "competitor", "competitor_id": cls.competitor.id}
            for apartment in apartments[0:3]
        ] + [
            {"apartment_id": apartments[3].id, "result": "competitor", "competitor_id": cls.other.id},
            {"apartment_id": apartments[4].id, "result": "closed"},
            {"apartment_id": apartments[5].id, "result": "closed"},
            {"apartment_id": apartments[6].id, "result": "lead", "phone": "+79161230004", "contact_name": "Nina"},
        ]
        Visit.create([{**values, "visit_date": cls.earlier} for values in visits])
        cls.env["d2d.visit"].with_user(cls.agent_b).create(
            {
                "apartment_id": cls.house_b.apartment_ids[0].id,
                "result": "competitor",
                "competitor_id": cls.other.id,
                "visit_date": cls.earlier,
            }
        )
        cls.all_houses = cls.house_a | cls.house_b | cls.house_c

    def map_data(self, user, houses=None):
        data = self.env["d2d.house"].with_user(user).d2d_map_data((houses or self.all_houses).ids)
        return {house["id"]: house for house in data["houses"]}, data["tiles"]


class TestGeoMapData(GeoMapCommon):
    def test_progress_open_leads_and_leading_competitor(self):
        houses, tiles = self.map_data(self.manager)
        self.assertEqual(set(houses), set(self.all_houses.ids))
        house_a = houses[self.house_a.id]
        self.assertEqual((house_a["apartment_count"], house_a["visited_count"]), (40, 7))
        self.assertAlmostEqual(house_a["progress"], 7 / 40)
        self.assertEqual(house_a["open_lead_count"], 1)
        self.assertEqual((house_a["latitude"], house_a["longitude"]), (55.7781, 37.6312))
        self.assertEqual(
            house_a["leading_competitor"],
            {"id": self.competitor.id, "name": "Rival Telecom", "color": 0, "count": 3},
        )
        self.assertEqual(houses[self.house_b.id]["leading_competitor"]["name"], "Other Net")
        house_c = houses[self.house_c.id]
        self.assertEqual(
            (house_c["progress"], house_c["open_lead_count"], house_c["leading_competitor"]), (0.0, 0, False)
        )
        self.assertEqual(tiles, {"url": "", "attribution": ""})

    def test_the_search_panel_lists_the_agents_of_the_houses(self):
        """The map's search panel counts the houses of each agent: agents
        are users, whose partner's parent_id is not a hierarchy of theirs."""
        self.house_a.agent_id = self.agent
        self.house_b.agent_id = self.agent_b
        panel = (
            self.env["d2d.house"]
            .with_user(self.manager)
            .search_panel_select_range(
                "agent_id", enable_counters=True, expand=False, hierarchize=False, limit=200, search_domain=[]
            )
        )
        counts = {value["id"]: value["__count"] for value in panel["values"]}
        self.assertEqual((counts[self.agent.id], counts[self.agent_b.id]), (1, 1))
        view = self.env.ref("door_to_door_crm.d2d_house_view_search_map")
        self.assertIn('hierarchize="0"', view.arch_db, "the web client asks the same, without a hierarchy")

    def test_a_tie_goes_to_the_first_competitor(self):
        self.other.sequence = 1
        apartments = self.house_c.apartment_ids.sorted("number")
        self.env["d2d.visit"].with_user(self.agent).create(
            [
                {"apartment_id": apartments[0].id, "result": "competitor", "competitor_id": self.competitor.id},
                {"apartment_id": apartments[1].id, "result": "competitor", "competitor_id": self.other.id},
            ]
        )
        houses, _tiles = self.map_data(self.supervisor, self.house_c)
        self.assertEqual(houses[self.house_c.id]["leading_competitor"]["name"], "Other Net")

    def test_the_latest_status_counts(self):
        """A Rival Telecom client won back is no longer Rival Telecom's."""
        apartments = self.house_a.apartment_ids.sorted("number")
        self.env["d2d.visit"].with_user(self.agent).create(
            [{"apartment_id": apartment.id, "result": "client"} for apartment in apartments[0:3]]
        )
        houses, _tiles = self.map_data(self.supervisor, self.house_a)
        self.assertEqual(houses[self.house_a.id]["leading_competitor"]["name"], "Other Net")

    def test_each_role_gets_only_its_houses(self):
        cases = [
            (self.agent, self.house_a | self.house_c),
            (self.agent_b, self.house_b),
            (self.supervisor, self.house_a | self.house_c),
            (self.supervisor_b, self.house_b),
            (self.manager, self.all_houses),
        ]
        for user, expected in cases:
            with self.subTest(user=user.login):
                houses, _tiles = self.map_data(user)
                self.assertEqual(set(houses), set(expected.ids))

    def test_another_territory_leaks_no_figure(self):
        """Supervisor B asks for house A by id: nothing of it comes back."""
        houses, _tiles = self.map_data(self.supervisor_b, self.house_a)
        self.assertEqual(houses, {})

    def test_as_many_queries_for_one_house_as_for_all(self):
        many = self.all_houses | self.create_house(self.territory_a, "Tverskaya St", "9", floors=3, per_floor=2)
        Houses = self.env["d2d.house"].with_user(self.manager)
        Houses.d2d_map_data(many.ids)  # warm the caches of the user's groups and rules
        counts = []
        for houses in (self.house_a, many):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = Houses.d2d_map_data(houses.ids)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(data["houses"]), len(houses))
        self.assertEqual(counts[0], counts[1], counts)

    def test_tile_settings_reach_the_map(self):
        settings = (
            self.env["d2d.settings"]
            .with_user(self.manager)
            .create(
                {
                    "d2d_map_tile_url": " https://tiles.example.test/{z}/{x}/{y}.png ",
                    "d2d_map_tile_attribution": "© Example",
                }
            )
        )
        settings.execute()
        parameters = self.env["ir.config_parameter"].sudo()
        self.assertEqual(parameters.get_param(TILE_URL), "https://tiles.example.test/{z}/{x}/{y}.png")
        _houses, tiles = self.map_data(self.supervisor)
        self.assertEqual(tiles, {"url": "https://tiles.example.test/{z}/{x}/{y}.png", "attribution": "© Example"})
        fresh = self.env["d2d.settings"].with_user(self.manager).create({})
        self.assertEqual(fresh.d2d_map_tile_attribution, "© Example")
        with self.assertRaises(ValidationError):
            self.env["d2d.settings"].with_user(self.manager).create({"d2d_map_tile_url": "javascript:alert(1)"})
        with self.assertRaises(AccessError):
            self.env["d2d.settings"].with_user(self.supervisor).create({"d2d_map_tile_url": "/tiles/{z}/{x}/{y}.png"})


@tagged("post_install", "-at_install")
class TestGeoMapTour(HttpCase, GeoMapCommon):
    """The manager opens the map in the web client."""

    MAP_URL = "/odoo/action-door_to_door_crm.action_d2d_house_map"

    def test_map_without_tiles_filters_and_opens_a_house(self):
        self.start_tour(self.MAP_URL, "d2d_geo_map_tour", login="test_manager", timeout=120)

    def test_map_loads_tiles_from_the_configured_url(self):
        parameters = self.env["ir.config_parameter"].sudo()
        # the test's own server: a local image stands for every tile
        parameters.set_param(TILE_URL, "/web/static/img/placeholder.png?tile={z}-{x}-{y}")
        parameters.set_param(TILE_ATTRIBUTION, "Test tiles")
        self.start_tour(self.MAP_URL, "d2d_geo_map_tiles_tour", login="test_manager", timeout=120)


# Mounts the map component on the tablet's page (its standalone bundle: only
# the module loader, Owl, Leaflet and the app), with two houses and the
# agent's position, no tiles; counts the markers, taps one.
MOUNT_ON_THE_TABLET = """(async () => {
    const {mount} = odoo.loader.modules.get("@odoo/owl");
    const {D2dMap} = odoo.loader.modules.get("@door_to_door_crm/map/d2d_map");
    const {getTemplate} = odoo.loader.modules.get("@web/core/templates");
    const target = document.createElement("div");
    target.style.cssText = "width: 400px; height: 400px";
    document.body.appendChild(target);
    const tapped = [];
    await mount(D2dMap, target, {getTemplate, props: {
        houses: [
            {id: 1, name: "Baumana St, 1", latitude: 55.7781, longitude: 37.6312, progress: 0.5, openLeads: 2},
            {id: 2, name: "Arbat St, 3", latitude: 55.7522, longitude: 37.5927, progress: 0},
            {id: 3, name: "Nowhere", latitude: 0, longitude: 0},
        ],
        position: {latitude: 55.76, longitude: 37.61, accuracy: 30},
        onHouseClick: (id) => tapped.push(id),
    }});
    const fail = (message) => console.error(message);
    const houses = target.querySelectorAll(".o_d2d_map_house");
    if (houses.length !== 2) { return fail(`2 markers expected, ${houses.length} found`); }
    if (target.querySelector(".o_d2d_map_house[data-house-id='1']").textContent !== "2") {
        return fail("the open leads of house 1 are not shown");
    }
    if (!target.querySelector(".o_d2d_map_position")) { return fail("no position drawn"); }
    if (target.querySelector("img.leaflet-tile")) { return fail("a tile was requested with no tile URL"); }
    target.querySelector(".o_d2d_map_house[data-house-id='2']").click();
    if (tapped.join() !== "2") { return fail(`tapping house 2 gave ${tapped}`); }
    console.log("test successful");
})()"""


@tagged("post_install", "-at_install")
class TestGeoMapOnTheTablet(HttpCase, GeoMapCommon):
    def test_the_map_mounts_in_the_tablet_bundle(self):
        warm_up_statics()
        self.browser_js(
            "/d2d/agent",
            MOUNT_ON_THE_TABLET,
            ready="Boolean(window.d2dAgent && odoo.loader.modules.get('@door_to_door_crm/map/d2d_map'))",
            login="test_agent",
            timeout=120,
        )
