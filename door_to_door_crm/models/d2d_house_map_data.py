from collections import defaultdict

from odoo import api, models

from .crm_lead import OPEN_STEPS

# The system parameters of the geographic map. An empty tile URL draws the
# houses on a plain background: no network call from a fresh install or a test.
MAP_TILE_URL = "door_to_door_crm.map_tile_url"
MAP_TILE_ATTRIBUTION = "door_to_door_crm.map_tile_attribution"


class D2dHouse(models.Model):
    """The data of the geographic map of houses (the backend map
    `door_to_door_crm.action_d2d_house_map`, static/src/house_map_view)."""

    _inherit = "d2d.house"

    @api.model
    def d2d_map_tiles(self):
        """{url, attribution} of the map's tiles, '' when none is set."""
        parameters = self.env["ir.config_parameter"].sudo()
        return {
            "url": parameters.get_param(MAP_TILE_URL) or "",
            "attribution": parameters.get_param(MAP_TILE_ATTRIBUTION) or "",
        }

    @api.model
    def d2d_map_data(self, house_ids):
        """The houses of `house_ids` the user may read, for the map: a list of
        {id, name, latitude, longitude, territory_id, agent_id, progress
        (0..1), apartment_count, visited_count, open_lead_count,
        leading_competitor: {id, name, color} or False}, and the tiles.

        The leading competitor of a house is the competitor with most
        apartments whose latest status is that competitor's client (as
        d2d.market.share counts them); ties go to the competitor first in
        the competitors' order. Batched: one search of the houses, one
        grouped read of the apartments and one of the leads, whatever the
        number of houses. Record rules apply: ids of houses the user may
        not see are left out."""
        houses = self.search_fetch(
            [("id", "in", list(house_ids or []))],
            ["name", "latitude", "longitude", "territory_id", "agent_id", "apartment_count"],
        )
        visited, competitors = defaultdict(int), defaultdict(list)
        for house, status, competitor, count in self.env["d2d.apartment"]._read_group(
            [("house_id", "in", houses.ids)], ["house_id", "status", "last_competitor_id"], ["__count"]
        ):
            if status != "none":
                visited[house] += count
            if status == "competitor" and competitor:
                competitors[house].append((competitor, count))
        open_leads = dict(
            self.env["crm.lead"]._read_group(
                [("d2d_house_id", "in", houses.ids), ("d2d_stage_code", "in", OPEN_STEPS)],
                ["d2d_house_id"],
                ["__count"],
            )
        )
        result = []
        for house in houses:
            leading = min(
                competitors[house],
                key=lambda item: (-item[1], item[0].sequence, item[0].name),
                default=None,
            )
            result.append(
                {
                    "id": house.id,
                    "name": house.name,
                    "latitude": house.latitude,
                    "longitude": house.longitude,
                    "territory_id": house.territory_id.id,
                    "agent_id": house.agent_id.id,
                    "apartment_count": house.apartment_count,
                    "visited_count": visited[house],
                    "progress": visited[house] / house.apartment_count if house.apartment_count else 0.0,
                    "open_lead_count": open_leads.get(house, 0),
                    "leading_competitor": {
                        "id": leading[0].id,
                        "name": leading[0].name,
                        "color": leading[0].color,
                        "count": leading[1],
                    }
                    if leading
                    else False,
                }
            )
        return {"houses": result, "tiles": self.d2d_map_tiles()}
