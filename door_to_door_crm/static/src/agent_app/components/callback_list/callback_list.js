/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";
import {VirtualList} from "../virtual_list/virtual_list";

/** The apartments whose resident asked to come back, soonest first. */
export function callbackRows(houses, apartments) {
    const houseById = new Map(houses.map((house) => [house.id, house]));
    return apartments
        .filter((apartment) => apartment.callback && houseById.has(apartment.houseId))
        .sort((a, b) => a.callback - b.callback)
        .map((apartment) => ({key: apartment.id, apartment, house: houseById.get(apartment.houseId)}));
}

/** "Come back": the times residents gave, soonest first, those already
 * past marked; a tap opens the apartment. */
export class CallbackList extends Component {
    static template = "door_to_door_crm.CallbackList";
    static components = {VirtualList};
    static props = {};

    setup() {
        Object.assign(this, useAgent());
    }

    get rows() {
        return this.agent.memoize("callbackRows", [this.state.houses, this.state.apartments], callbackRows);
    }

    isPast(row) {
        return row.apartment.callback < Date.now();
    }

    formatDate(ms) {
        return new Date(ms).toLocaleString([], {weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
    }
}
