from collections import defaultdict

from odoo import api, models
from odoo.exceptions import AccessError

# The apartment statuses' colours of the house map (static/src/house_map/
# house_map_field.scss, $o-d2d-status-colors) and the text that reads on them
# (Bootstrap's color-contrast): wkhtmltopdf gets them inline.
STATUS_COLORS = {
    "none": ("#e9ecef", "#000000"),
    "closed": ("#adb5bd", "#000000"),
    "competitor": ("#fd7e14", "#000000"),
    "pensioner": ("#6f42c1", "#ffffff"),
    "refusal": ("#dc3545", "#ffffff"),
    "client": ("#0d6efd", "#ffffff"),
    "lead": ("#198754", "#ffffff"),
}
# Odoo's colour picker (the `color` index of d2d.competitor, shown on the house
# map as o_colorlist_item_color_<n>): web's $o-colors (scss/secondary_variables.scss).
COLOR_INDEX = [
    "#a2a2a2",
    "#ee2d2d",
    "#dc8534",
    "#e8bb1d",
    "#5794dd",
    "#9f628f",
    "#db8865",
    "#41a9a2",
    "#304be0",
    "#ee2f8a",
    "#61c36e",
    "#9872e6",
]
# Lead steps where the client is connected (the crew has done its job).
CONNECTED_STEPS = ("quality", "done")


class ReportD2dTerritory(models.AbstractModel):
    """The territory report: per house the progress, results, leads and
    connections, competitors' shares, agents and the map of the house; a
    summary per territory. Everything is read as the user who prints (their
    record rules apply), in a few grouped queries for all the houses."""

    _name = "report.door_to_door_crm.report_d2d_territory"
    _description = "Door-to-door territory report"

    @api.model
    def _get_report_values(self, docids, data=None):
        self = self.with_context(lang=self.env.user.lang)
        # the report is the supervisors' and managers' (its action's groups):
        # a coordinator, who reads every address, is not offered it over RPC either
        if not self.env.user.has_group("door_to_door_crm.group_d2d_supervisor"):
            raise AccessError(self.env._("Territory reports are for supervisors and managers."))
        territories = self.env["d2d.territory"].browse(docids)
        territories.check_access("read")
        houses = self.env["d2d.house"].search([("territory_id", "in", territories.ids)])
        statuses = self._status_counts(houses)
        competitors = self._competitor_counts(houses)
        leads = self._lead_counts(houses)
        agents = self._agent_counts(houses)
        houses_by_territory = defaultdict(list)
        for house in houses:
            houses_by_territory[house.territory_id.id].append(
                self._house_values(house, statuses[house.id], competitors[house.id], leads[house.id], agents[house.id])
            )
        return {
            "doc_ids": territories.ids,
            "doc_model": "d2d.territory",
            "docs": territories,
            "lang": self.env.user.lang,
            "houses": houses_by_territory,
            "summaries": {
                territory.id: self._summary_values(houses_by_territory[territory.id]) for territory in territories
            },
            "legend": self._legend(),
            "status_colors": STATUS_COLORS,
        }

    # ------------------------------------------------------------------
    # GROUPED READS (one query each, for all the houses)
    # ------------------------------------------------------------------

    def _status_counts(self, houses):
        """{house id: {status: apartments}}"""
        counts = defaultdict(dict)
        groups = self.env["d2d.apartment"]._read_group(
            [("house_id", "in", houses.ids)], ["house_id", "status"], ["__count"]
        )
        for house, status, count in groups:
            counts[house.id][status] = count
        return counts

    def _competitor_counts(self, houses):
        """{house id: {competitor: apartments}} by the apartments' latest status."""
        counts = defaultdict(dict)
        groups = self.env["d2d.apartment"]._read_group(
            [("house_id", "in", houses.ids), ("status", "=", "competitor"), ("last_competitor_id", "!=", False)],
            ["house_id", "last_competitor_id"],
            ["__count"],
        )
        for house, competitor, count in groups:
            counts[house.id][competitor] = count
        return counts

    def _lead_counts(self, houses):
        """{house id: {"leads", "open", "connected", "lost"}}, lost leads included."""
        counts = defaultdict(lambda: defaultdict(int))
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                [("d2d_house_id", "in", houses.ids)], ["d2d_house_id", "d2d_stage_code", "active"], ["__count"]
            )
        )
        for house, code, active, count in groups:
            values = counts[house.id]
            values["leads"] += count
            if not active:
                values["lost"] += count
            elif code in CONNECTED_STEPS:
                values["connected"] += count
            else:
                values["open"] += count
        return counts

    def _agent_counts(self, houses):
        """{house id: {agent: doors knocked}}"""
        counts = defaultdict(dict)
        groups = self.env["d2d.visit"]._read_group(
            [("house_id", "in", houses.ids)], ["house_id", "agent_id"], ["__count"]
        )
        for house, agent, count in groups:
            counts[house.id][agent] = count
        return counts

    # ------------------------------------------------------------------
    # VALUES OF THE TEMPLATE
    # ------------------------------------------------------------------

    def _house_values(self, house, statuses, competitors, leads, agents):
        total = sum(statuses.values())
        visited = total - statuses.get("none", 0)
        return {
            "house": house,
            "total": total,
            "visited": visited,
            "progress": 100.0 * visited / total if total else 0.0,
            "statuses": statuses,
            "results": self._results(statuses),
            "leads": dict(leads),
            "competitors": self._shares(competitors, visited),
            "agents": sorted(((agent.name, count) for agent, count in agents.items()), key=lambda a: (-a[1], a[0])),
            "map": house.layout_map,
        }

    def _summary_values(self, house_values):
        statuses, competitors, agents, leads = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
        for values in house_values:
            for status, count in values["statuses"].items():
                statuses[status] += count
            for share in values["competitors"]:
                competitors[share["competitor"]] += share["count"]
            for name, count in values["agents"]:
                agents[name] += count
            for key, count in values["leads"].items():
                leads[key] += count
        total = sum(statuses.values())
        visited = total - statuses.get("none", 0)
        return {
            "house_count": len(house_values),
            "done_house_count": sum(
                1 for values in house_values if values["total"] and not values["statuses"].get("none")
            ),
            "total": total,
            "visited": visited,
            "progress": 100.0 * visited / total if total else 0.0,
            "results": self._results(statuses),
            "leads": dict(leads),
            "competitors": self._shares(competitors, visited),
            "agents": sorted(agents.items(), key=lambda a: (-a[1], a[0])),
        }

    def _status_labels(self):
        return dict(self.env["d2d.apartment"]._fields["status"]._description_selection(self.env))

    def _results(self, statuses):
        """Visit results in the order of the legend, with their count."""
        return [
            {"status": status, "label": label, "count": statuses.get(status, 0)}
            for status, label in self._status_labels().items()
            if status != "none"
        ]

    def _shares(self, competitors, visited):
        """Competitors by apartments, biggest first, with their share of the visited apartments."""
        return [
            {
                "competitor": competitor,
                "name": competitor.name,
                "count": count,
                "share": 100.0 * count / visited if visited else 0.0,
                "color": COLOR_INDEX[competitor.color % len(COLOR_INDEX)],
            }
            for competitor, count in sorted(competitors.items(), key=lambda c: (-c[1], c[0].name))
        ]

    def _legend(self):
        return [
            {"status": status, "label": label, "background": STATUS_COLORS[status][0], "text": STATUS_COLORS[status][1]}
            for status, label in self._status_labels().items()
        ]
