/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";

// The statuses of a door, in the legend's order.
export const LEGEND = ["none", "closed", "refusal", "competitor", "pensioner", "client", "lead"];

/** The floors of a house's entrances, aligned from the bottom: every
 * entrance lists the floors of the whole house, highest first, so that
 * floor 1 sits beside floor 1 whatever the number of floors of each (an
 * entrance without a floor shows an empty row there). `apartmentsOf(id)`
 * gives an entrance's apartments. */
export function houseFloors(entrances, apartmentsOf) {
    const floorNumbers = new Set();
    const byEntrance = entrances.map((entrance) => {
        const floors = new Map();
        for (const apartment of apartmentsOf(entrance.id)) {
            floorNumbers.add(apartment.floor);
            if (!floors.has(apartment.floor)) {
                floors.set(apartment.floor, []);
            }
            floors.get(apartment.floor).push(apartment);
        }
        return {entrance, floors};
    });
    const numbers = [...floorNumbers].sort((a, b) => b - a);
    return byEntrance.map(({entrance, floors}) => ({
        entrance,
        count: [...floors.values()].reduce((sum, list) => sum + list.length, 0),
        floors: numbers.map((floor) => ({
            floor,
            apartments: (floors.get(floor) || []).sort((a, b) => a.number - b.number),
        })),
    }));
}

/** A house: its entrances side by side, wrapping to the next row on a
 * narrow screen (a house of 8 entrances needs no sideways scrolling), each
 * with its intercom code, floor numbers on the side and one button per
 * door, coloured by its latest result, marked when it has an open lead or a
 * callback; the legend; a bar of the entrances to jump to one. */
export class HouseGrid extends Component {
    static template = "door_to_door_crm.HouseGrid";
    static props = {houseId: Number, hidden: {type: Boolean, optional: true}};

    setup() {
        Object.assign(this, useAgent());
        this.legend = LEGEND;
    }

    get house() {
        return this.agent.house(this.props.houseId, this.state);
    }

    get entrances() {
        const index = this.agent.index(this.state);
        return this.agent.memoize(`grid:${this.props.houseId}`, [index], () =>
            houseFloors(index.entrancesOfHouse.get(this.props.houseId) || [], (id) =>
                index.apartmentsOfEntrance.get(id) || []
            )
        );
    }

    get stats() {
        return this.agent.index(this.state).stats.get(this.props.houseId) || {total: 0, visited: 0, leads: 0};
    }

    cellLabel(apartment) {
        const marks = [];
        if (apartment.leadId) {
            marks.push(this.t.open_lead);
        }
        if (apartment.callback) {
            marks.push(`${this.t.come_back}: ${new Date(apartment.callback).toLocaleString()}`);
        }
        const status = this.agent.resultLabel(apartment.status);
        return [`${this.t.apartment} ${apartment.number}`, status, ...marks].join(", ");
    }

    jumpTo(entranceId) {
        const target = document.querySelector(`.o_d2d_entrance[data-entrance-id="${entranceId}"]`);
        if (target) {
            target.scrollIntoView({block: "start"});
        }
    }
}
