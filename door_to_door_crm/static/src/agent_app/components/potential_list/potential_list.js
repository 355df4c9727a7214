/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";
import {searchWords} from "../house_list/house_list";
import {VirtualList} from "../virtual_list/virtual_list";

// The results that make an apartment worth knocking again.
export const POTENTIAL = ["closed", "competitor", "refusal"];
const DAY = 86_400_000;
const HEADER_HEIGHT = 44;
const ROW_HEIGHT = 56;

/** The rows of the potential clients: apartments whose latest result is
 * in POTENTIAL and that have no lead, grouped by house and reason (a header
 * row per group, then its apartments by number), filtered by `reason`
 * ("" for all), by `minDays` since the last knock and by the words of
 * `search` (house name or apartment number). */
export function potentialRows(houses, apartments, {reason = "", minDays = 0, search = "", now = Date.now()}) {
    const words = searchWords(search);
    const houseById = new Map(houses.map((house) => [house.id, house]));
    const groups = new Map();
    for (const apartment of apartments) {
        if (!POTENTIAL.includes(apartment.status) || apartment.leadId || (reason && apartment.status !== reason)) {
            continue;
        }
        if (minDays && now - (apartment.lastVisit || 0) < minDays * DAY) {
            continue;
        }
        const house = houseById.get(apartment.houseId);
        if (!house) {
            continue;
        }
        if (words.length) {
            const text = `${house.name} ${apartment.number}`.toLowerCase();
            if (!words.every((word) => text.includes(word))) {
                continue;
            }
        }
        const key = `${house.id}/${apartment.status}`;
        if (!groups.has(key)) {
            groups.set(key, {house, status: apartment.status, apartments: []});
        }
        groups.get(key).apartments.push(apartment);
    }
    const rows = [];
    const ordered = [...groups.values()].sort(
        (a, b) => a.house.name.localeCompare(b.house.name) || POTENTIAL.indexOf(a.status) - POTENTIAL.indexOf(b.status)
    );
    for (const group of ordered) {
        rows.push({
            key: `h${group.house.id}/${group.status}`,
            header: true,
            height: HEADER_HEIGHT,
            house: group.house,
            status: group.status,
            count: group.apartments.length,
        });
        for (const apartment of group.apartments.sort((a, b) => a.number - b.number)) {
            rows.push({key: apartment.id, apartment, height: ROW_HEIGHT});
        }
    }
    return rows;
}

/** Potential clients: grouped by house and reason, with search and filters
 * by reason and by days since the last knock; coming back from an
 * apartment finds the list where it was. Virtualised. */
export class PotentialList extends Component {
    static template = "door_to_door_crm.PotentialList";
    static components = {VirtualList};
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.reasons = POTENTIAL;
        this.ages = [0, 7, 30];
        if (!this.ui.potential) {
            this.ui.potential = {reason: "", minDays: 0, search: ""};
        }
    }

    get filters() {
        return this.ui.potential;
    }

    get rows() {
        const {reason, minDays, search} = this.filters;
        return this.agent.memoize(
            "potentialRows",
            [this.state.houses, this.state.apartments, reason, Number(minDays), search],
            (houses, apartments) => potentialRows(houses, apartments, {reason, minDays: Number(minDays), search})
        );
    }

    get count() {
        return this.rows.filter((row) => !row.header).length;
    }

    ageLabel(days) {
        return days ? this.t.older_than_days.replace("%(days)s", days) : this.t.any_age;
    }

    lastVisit(apartment) {
        return apartment.lastVisit ? new Date(apartment.lastVisit).toLocaleDateString() : "";
    }
}
