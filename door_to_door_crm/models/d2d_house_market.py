from collections import defaultdict

from odoo import api, models


class D2dHouse(models.Model):
    """Market monitoring on the map of the house: the competitors whose
    clients live in the house, with their colour, in the map's legend, and
    each competitor's cell marked with it."""

    _inherit = "d2d.house"

    @api.depends("apartment_ids.last_competitor_id")
    def _compute_layout_map(self):
        super()._compute_layout_map()
        groups = self.env["d2d.apartment"]._read_group(
            [("house_id", "in", self.ids), ("status", "=", "competitor"), ("last_competitor_id", "!=", False)],
            ["house_id", "last_competitor_id"],
            ["id:array_agg"],
        )
        by_house = defaultdict(list)
        for house, competitor, apartment_ids in groups:
            by_house[house].append((competitor, apartment_ids))
        for house in self:
            competitors = sorted(by_house[house], key=lambda item: (item[0].sequence, item[0].name))
            colours = {
                apartment_id: competitor.color
                for competitor, apartment_ids in competitors
                for apartment_id in apartment_ids
            }
            for entrance in house.layout_map["entrances"]:
                for floor in entrance["floors"]:
                    for cell in floor["apartments"]:
                        if cell["id"] in colours:
                            cell["competitor_color"] = colours[cell["id"]]
            house.layout_map = {
                **house.layout_map,
                "competitors": [
                    {"id": competitor.id, "name": competitor.name, "color": competitor.color, "count": len(ids)}
                    for competitor, ids in competitors
                ],
            }
