/** @odoo-module */
import {Component, onWillStart, useState} from "@odoo/owl";
import {D2dMap} from "@door_to_door_crm/map/d2d_map";
import {currentPosition} from "../../core/position";
import {useAgent} from "../../services/agent_service";

/** The agent's houses on a geographic map (the D2dMap shared with the
 * backend), coloured by progress with the number of open leads, and the
 * agent's own position (one fix when the tab opens, again on "Where am I");
 * a tap opens the house. Without a tile URL (the setting), or offline, the
 * houses on a plain background. */
export class AgentMap extends Component {
    static template = "door_to_door_crm.AgentMap";
    static components = {D2dMap};
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.place = useState({position: null, locating: false});
        onWillStart(() => {
            this.locate(); // not awaited: the map shows at once
        });
    }

    get houses() {
        const {stats} = this.agent.index(this.state);
        return this.agent.memoize("mapHouses", [this.state.houses, stats], (houses) =>
            houses.map((house) => {
                const row = stats.get(house.id) || {total: 0, visited: 0, leads: 0};
                return {
                    id: house.id,
                    name: house.name,
                    latitude: house.latitude,
                    longitude: house.longitude,
                    progress: row.total ? row.visited / row.total : 0,
                    openLeads: row.leads,
                    label: `${house.name}: ${row.visited} / ${row.total}`,
                };
            })
        );
    }

    get withoutPlace() {
        return this.state.houses.filter((house) => !house.latitude || !house.longitude).length;
    }

    async locate() {
        this.place.locating = true;
        const fix = await currentPosition();
        this.place.locating = false;
        if (fix.gps_latitude !== undefined) {
            this.place.position = {
                latitude: fix.gps_latitude,
                longitude: fix.gps_longitude,
                accuracy: fix.gps_accuracy,
            };
        }
    }
}
