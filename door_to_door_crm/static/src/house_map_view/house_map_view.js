/** @odoo-module */
/**
 * The backend map of houses (`door_to_door_crm.action_d2d_house_map`): a
 * kanban view (`js_class="d2d_house_map"`) whose renderer is the D2dMap
 * component. The view's model loads the houses of the current search (its
 * domain, filters, facets and search panel), the renderer asks
 * d2d.house.d2d_map_data for their figures (progress, open leads, leading
 * competitor) and the tile settings, and a click on a house opens its form.
 */
import {Component, onWillStart, onWillUpdateProps, useState} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {kanbanView} from "@web/views/kanban/kanban_view";
import {D2dMap} from "../map/d2d_map";

// Odoo's colour list ($o-colors in web/static/src/scss/secondary_variables.scss),
// for the competitors' `color` index.
const ODOO_COLOURS = [
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
];
const NO_COMPETITOR_COLOUR = "#5f6b76";

export function competitorColour(competitor) {
    if (!competitor) {
        return NO_COMPETITOR_COLOUR;
    }
    return ODOO_COLOURS[(competitor.color || 0) % ODOO_COLOURS.length];
}

export class D2dHouseMapRenderer extends Component {
    static template = "door_to_door_crm.D2dHouseMapRenderer";
    static components = {D2dMap};
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.state = useState({houses: [], tiles: {url: "", attribution: ""}, colourBy: "progress", loaded: false});
        this.loadId = 0;
        onWillStart(() => this.load(this.props.list));
        onWillUpdateProps((nextProps) => this.load(nextProps.list));
    }

    records(list) {
        return list.groups ? list.groups.flatMap((group) => group.list.records) : list.records;
    }

    async load(list) {
        const loadId = ++this.loadId;
        const ids = this.records(list).map((record) => record.resId);
        const data = await this.orm.call("d2d.house", "d2d_map_data", [ids]);
        if (loadId !== this.loadId) {
            return;
        }
        this.state.houses = data.houses;
        this.state.tiles = data.tiles;
        this.state.loaded = true;
    }

    get mapHouses() {
        const byCompetitor = this.state.colourBy === "competitor";
        return this.state.houses.map((house) => ({
            id: house.id,
            name: house.name,
            latitude: house.latitude,
            longitude: house.longitude,
            progress: house.progress,
            openLeads: house.open_lead_count,
            color: byCompetitor ? competitorColour(house.leading_competitor) : undefined,
            label: this.label(house),
        }));
    }

    label(house) {
        const parts = [
            house.name,
            _t("%(visited)s of %(total)s visited", {visited: house.visited_count, total: house.apartment_count}),
            _t("%(count)s open leads", {count: house.open_lead_count}),
        ];
        if (house.leading_competitor) {
            parts.push(_t("Leading competitor: %(name)s", {name: house.leading_competitor.name}));
        }
        return parts.join(" · ");
    }

    /** The competitors of the houses shown, for the legend. */
    get competitors() {
        const competitors = new Map();
        for (const house of this.state.houses) {
            const competitor = house.leading_competitor;
            if (competitor && !competitors.has(competitor.id)) {
                competitors.set(competitor.id, {...competitor, colour: competitorColour(competitor)});
            }
        }
        return [...competitors.values()].sort((a, b) => a.name.localeCompare(b.name));
    }

    get noCompetitorColour() {
        return NO_COMPETITOR_COLOUR;
    }

    get unplacedCount() {
        return this.state.houses.filter((house) => !house.latitude && !house.longitude).length;
    }

    get unplacedText() {
        return _t("%(count)s houses have no coordinates and are not on the map.", {count: this.unplacedCount});
    }

    setColourBy(colourBy) {
        this.state.colourBy = colourBy;
    }

    openHouse(houseId) {
        const record = this.records(this.props.list).find((record) => record.resId === houseId);
        if (record) {
            this.props.openRecord(record);
        }
    }
}

export const d2dHouseMapView = {
    ...kanbanView,
    Renderer: D2dHouseMapRenderer,
};

registry.category("views").add("d2d_house_map", d2dHouseMapView);
