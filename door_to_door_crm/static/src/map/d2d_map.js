/** @odoo-module */
/* global L */
/**
 * D2dMap: houses on a geographic map (Leaflet 1.9.4, vendored in
 * static/lib/leaflet). Pure OWL, it imports only @odoo/owl, so it runs in the
 * backend (web.assets_backend) and in the tablet's standalone bundle
 * (door_to_door_crm.assets_agent_app) alike. Both bundles load
 * static/lib/leaflet/leaflet.{js,css} before it (Leaflet is the global `L`).
 *
 * Props:
 *  - houses: [{id, name, latitude, longitude, progress?, color?, openLeads?,
 *    label?}]; progress is the share of apartments visited (0..1); color a
 *    CSS colour (used when colourBy is "color"); openLeads the number shown
 *    in the marker (hidden when 0); label the marker's tooltip (default:
 *    name). Houses without coordinates (0, 0 or missing) are not drawn.
 *  - position?: the agent's position {latitude, longitude, accuracy (m)}.
 *  - tileUrl?: a Leaflet tile URL template ("https://…/{z}/{x}/{y}.png").
 *    Empty: no tile layer, the houses on a plain background (offline, tests).
 *  - attribution?: the tiles' credit, plain text (shown bottom right; escaped,
 *    as it comes from a setting).
 *  - onHouseClick?: called with the house's id when its marker is tapped.
 *  - colourBy?: "progress" (default: red to green by progress, grey when
 *    nobody was visited) or "color" (each house's `color`).
 *
 * The map fits its bounds to the houses when the set of houses changes (not
 * when only their colours or counts do). Markers are
 * `.o_d2d_map_house[data-house-id]` elements, their number in the map's
 * `data-house-count` once drawn; the position is `.o_d2d_map_position`.
 */
import {Component, onMounted, onWillUnmount, onWillUpdateProps, useRef} from "@odoo/owl";


/** The colour of a house by its progress (0..1): grey when nobody was
 * visited, then red to green, dark enough for white text (WCAG AA). */
export function progressColour(progress) {
    if (!progress || progress <= 0) {
        return "#5f6b76";
    }
    const hue = Math.round(120 * Math.min(progress, 1));
    return `hsl(${hue}, 75%, 30%)`;
}

/** Leaflet shows attributions as HTML: the text of a setting is escaped. */
function escapeText(text) {
    const element = document.createElement("span");
    element.textContent = text;
    return element.innerHTML;
}

function hasPosition(point) {
    return (
        Boolean(point && Number.isFinite(point.latitude) && Number.isFinite(point.longitude)) &&
        !(point.latitude === 0 && point.longitude === 0)
    );
}

export class D2dMap extends Component {
    static template = "door_to_door_crm.D2dMap";
    static props = {
        houses: {type: Array, element: Object},
        position: {type: [Object, {value: null}], optional: true},
        tileUrl: {type: String, optional: true},
        attribution: {type: String, optional: true},
        onHouseClick: {type: Function, optional: true},
        colourBy: {type: String, optional: true},
    };
    static defaultProps = {tileUrl: "", attribution: "", colourBy: "progress"};

    setup() {
        this.mapRef = useRef("map");
        this.map = null;
        this.tileLayer = null;
        this.tileUrl = null;
        this.houseLayer = null;
        this.positionLayer = null;
        this.houseKey = null;
        onMounted(() => {
            this.map = L.map(this.mapRef.el, {zoomControl: true, attributionControl: true});
            this.houseLayer = L.layerGroup().addTo(this.map);
            this.positionLayer = L.layerGroup().addTo(this.map);
            this.draw(this.props);
            if (window.ResizeObserver) {
                this.resizeObserver = new ResizeObserver(
                    () => this.map && this.map.invalidateSize({animate: false, pan: false})
                );
                this.resizeObserver.observe(this.mapRef.el);
            }
        });
        onWillUpdateProps((nextProps) => {
            if (this.map) {
                this.draw(nextProps);
            }
        });
        onWillUnmount(() => {
            if (this.resizeObserver) {
                this.resizeObserver.disconnect();
            }
            if (this.map) {
                // no animation may run on a removed map (Leaflet's _leaflet_pos errors)
                this.map.stop();
                this.map.off();
                this.map.remove();
                this.map = null;
            }
        });
    }

    draw(props) {
        this.drawTiles(props);
        const houses = props.houses.filter(hasPosition);
        this.drawHouses(houses, props);
        this.drawPosition(props.position);
        const key = houses.map((house) => `${house.id}:${house.latitude}:${house.longitude}`).join(",");
        if (key !== this.houseKey) {
            this.houseKey = key;
            this.fit(houses, props.position);
        }
    }

    drawTiles(props) {
        const url = props.tileUrl || "";
        if (url === this.tileUrl) {
            return;
        }
        this.tileUrl = url;
        if (this.tileLayer) {
            this.tileLayer.remove();
            this.tileLayer = null;
        }
        if (url) {
            this.tileLayer = L.tileLayer(url, {maxZoom: 19, attribution: escapeText(props.attribution || "")});
            this.tileLayer.addTo(this.map);
        }
    }

    houseColour(house, colourBy) {
        if (colourBy === "color" && house.color) {
            return house.color;
        }
        return progressColour(house.progress);
    }

    drawHouses(houses, props) {
        this.houseLayer.clearLayers();
        for (const house of houses) {
            const element = document.createElement("div");
            element.className = "o_d2d_map_house";
            element.dataset.houseId = String(house.id);
            element.style.backgroundColor = this.houseColour(house, props.colourBy);
            if (house.openLeads) {
                element.textContent = String(house.openLeads);
                element.classList.add("o_d2d_map_house_leads");
            }
            const marker = L.marker([house.latitude, house.longitude], {
                icon: L.divIcon({className: "o_d2d_map_icon", html: element, iconSize: [28, 28]}),
                keyboard: true,
                title: house.label || house.name || "",
                alt: house.label || house.name || "",
            });
            marker.on("click", () => {
                if (this.props.onHouseClick) {
                    this.props.onHouseClick(house.id);
                }
            });
            marker.addTo(this.houseLayer);
        }
        this.mapRef.el.dataset.houseCount = String(houses.length);
    }

    drawPosition(position) {
        this.positionLayer.clearLayers();
        if (!hasPosition(position)) {
            return;
        }
        const point = [position.latitude, position.longitude];
        if (position.accuracy) {
            L.circle(point, {
                radius: position.accuracy,
                className: "o_d2d_map_accuracy",
                interactive: false,
                weight: 1,
            }).addTo(this.positionLayer);
        }
        L.circleMarker(point, {
            radius: 7,
            className: "o_d2d_map_position",
            interactive: false,
            weight: 3,
            fillOpacity: 1,
        }).addTo(this.positionLayer);
    }

    fit(houses, position) {
        const points = houses.map((house) => [house.latitude, house.longitude]);
        if (points.length) {
            this.map.fitBounds(L.latLngBounds(points), {padding: [32, 32], maxZoom: 17, animate: false});
        } else if (hasPosition(position)) {
            this.map.setView([position.latitude, position.longitude], 16, {animate: false});
        } else {
            this.map.setView([0, 0], 2, {animate: false});
        }
    }
}
