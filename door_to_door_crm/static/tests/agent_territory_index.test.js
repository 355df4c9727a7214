// Unit tests (hoot) of the lookups of the agent's territory
// (static/src/agent_app/core/territory_index.js): a knock patches the index
// to what building it again gives, and anything else than a few doors
// changed builds it again. Run by tests/test_agent_app_js.py.
import {describe, expect, test} from "@odoo/hoot";
import {PATCH_LIMIT, buildIndex, patchIndex} from "@door_to_door_crm/agent_app/core/territory_index";
import {mergeApartments} from "@door_to_door_crm/agent_app/core/merge";

const HOUSES = [
    {id: 1, name: "Lenina 1"},
    {id: 2, name: "Lenina 3"},
];
const ENTRANCES = [
    {id: 12, houseId: 1, number: 2},
    {id: 11, houseId: 1, number: 1},
    {id: 21, houseId: 2, number: 1},
];

function territory() {
    const apartments = [];
    let id = 100;
    for (const entrance of ENTRANCES) {
        for (let number = 1; number <= 6; number++) {
            apartments.push({
                id: id++,
                houseId: entrance.houseId,
                entranceId: entrance.id,
                floor: Math.ceil(number / 2),
                number,
                status: number === 1 ? "closed" : "none",
                note: "",
                lastVisit: 0,
                leadId: number === 2 ? 900 + id : false,
                callback: null,
            });
        }
    }
    return apartments;
}

/** The index as comparable plain data. */
function plain(index) {
    const ids = (list) => list.map((item) => item.id);
    return {
        apartments: [...index.apartmentById.entries()].sort(([a], [b]) => a - b),
        entrances: [...index.apartmentsOfEntrance.entries()].map(([id, list]) => [id, ids(list)]),
        statuses: [...index.apartmentsOfEntrance.values()].map((list) => list.map((a) => a.status)),
        entrancesOfHouse: [...index.entrancesOfHouse.entries()].map(([id, list]) => [id, ids(list)]),
        stats: [...index.stats.entries()],
    };
}

function knock(apartment, result, time, extra = {}) {
    return {type: "visit", uuid: `u-${apartment.id}-${time}`, apartment_id: apartment.id, result, time, ...extra};
}

describe("territory index", () => {
    test("built in one pass: entrances of a house by number, each house's figures", () => {
        const index = buildIndex(HOUSES, ENTRANCES, territory());
        expect(index.entrancesOfHouse.get(1).map((e) => e.number)).toEqual([1, 2]);
        expect(index.apartmentsOfEntrance.get(21).length).toBe(6);
        expect(index.stats.get(1)).toEqual({total: 12, visited: 2, leads: 2, callbacks: 0});
        expect(index.stats.get(2)).toEqual({total: 6, visited: 1, leads: 1, callbacks: 0});
    });

    test("a knock patches the index to what building it again gives", () => {
        const before = territory();
        const index = buildIndex(HOUSES, ENTRANCES, before);
        const untouchedEntrance = index.apartmentsOfEntrance.get(21);
        const untouchedHouse = index.stats.get(2);
        const [door, withLead] = [before[3], before[7]];
        const after = mergeApartments(
            before,
            [],
            [knock(door, "lead", 5_000, {callback_at: 9_000}), knock(withLead, "refusal", 6_000)]
        );
        const patched = patchIndex(index, before, after);
        expect(plain(patched)).toEqual(plain(buildIndex(HOUSES, ENTRANCES, after)));
        expect(patched.stats.get(1)).toEqual({total: 12, visited: 4, leads: 3, callbacks: 1});
        expect(patched).not.toBe(index);
        expect(patched.apartmentsOfEntrance.get(21)).toBe(untouchedEntrance);
        expect(patched.stats.get(2)).toBe(untouchedHouse);
        expect(patched.apartmentById.get(door.id).status).toBe("lead");
    });

    test("the same apartments give the same index", () => {
        const apartments = territory();
        const index = buildIndex(HOUSES, ENTRANCES, apartments);
        expect(patchIndex(index, apartments, [...apartments])).toBe(index);
    });

    test("apartments added, removed, moved or many changed: built again", () => {
        const before = territory();
        const index = () => buildIndex(HOUSES, ENTRANCES, before);
        expect(patchIndex(index(), before, before.slice(1))).toBe(null);
        expect(patchIndex(index(), before, [...before.slice(1), before[0]])).toBe(null);
        const moved = before.map((a, i) => (i === 0 ? {...a, entranceId: 21, houseId: 2} : a));
        expect(patchIndex(index(), before, moved)).toBe(null);
        const many = [];
        for (let i = 0; i <= PATCH_LIMIT; i++) {
            many.push({id: i, houseId: 1, entranceId: 11, floor: 1, number: i, status: "none"});
        }
        const allKnocked = many.map((a) => ({...a, status: "closed"}));
        expect(patchIndex(buildIndex(HOUSES, ENTRANCES, many), many, allKnocked)).toBe(null);
    });
});
