/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";
import {VirtualList} from "../virtual_list/virtual_list";

const ROW_HEIGHT = 68;

/** Words of a search, lower case, for matching a street and a number. */
export function searchWords(text) {
    return (text || "").toLowerCase().split(/[\s,.]+/).filter(Boolean);
}

/** The agent's houses: the ones with most doors left first, each with its
 * figures (visited / total, leads, callbacks); search by street and number
 * ("lenin 12" finds "Lenin St 12"). Virtualised. */
export class HouseList extends Component {
    static template = "door_to_door_crm.HouseList";
    static components = {VirtualList};
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.rowHeight = ROW_HEIGHT;
    }

    get rows() {
        const {stats} = this.agent.index(this.state);
        const all = this.agent.memoize("houseRows", [this.state.houses, stats], (houses) =>
            houses
                .map((house) => ({key: house.id, house, name: house.name.toLowerCase(), ...stats.get(house.id)}))
                .sort((a, b) => b.total - b.visited - (a.total - a.visited))
        );
        const words = searchWords(this.ui.search);
        return words.length ? all.filter((row) => words.every((word) => row.name.includes(word))) : all;
    }
}
