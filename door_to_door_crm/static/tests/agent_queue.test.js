// Unit tests (hoot) of the offline agent app's memory and merge rules:
// static/src/agent_app/core/queue.js and merge.js, with the browser's real IndexedDB.
// Run by tests/test_agent_app_js.py.
import {afterEach, beforeEach, describe, expect, test} from "@odoo/hoot";
import {
    BATCH_SIZE,
    EventQueue,
    MAX_BACKOFF,
    SYNC_PERIOD,
    backoff,
    nextSyncDelay,
    openDatabase,
} from "@door_to_door_crm/agent_app/core/queue";
import {
    applyVisit,
    decodeSnapshot,
    forgetRemoved,
    mergeApartments,
    mergeHistory,
    mergeLeads,
    ownHistoryRows,
} from "@door_to_door_crm/agent_app/core/merge";

const TEST_DB = "d2d-agent-unit-tests";
const AGENT_A = 7;
const AGENT_B = 8;
const MINUTE = 60_000;

/** Deleted once every connection to it is closed ("blocked" until then). */
function deleteDatabase(name) {
    return new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
    });
}

function visit(uuid, apartmentId, result, time) {
    return {type: "visit", uuid, apartment_id: apartmentId, result, time};
}

function apartment(id, status = "none", lastVisit = 0) {
    return {
        id,
        houseId: 1,
        entranceId: 1,
        floor: 1,
        number: id,
        status,
        note: "",
        lastVisit,
        leadId: false,
    };
}

describe("EventQueue", () => {
    let db;
    beforeEach(async () => {
        await deleteDatabase(TEST_DB);
        db = await openDatabase(TEST_DB);
    });
    afterEach(async () => {
        db.close();
        await deleteDatabase(TEST_DB);
    });

    test("an event is stored first, pending, and comes back oldest first", async () => {
        const queue = new EventQueue(db, AGENT_A);
        await queue.add(visit("late", 1, "closed", 3 * MINUTE));
        await queue.add(visit("early", 2, "refusal", 1 * MINUTE));
        await queue.add({type: "note", uuid: "note", apartment_id: 1, note: "Dog", time: 2 * MINUTE});
        const pending = await queue.pending();
        expect(pending.map((e) => e.uuid)).toEqual(["early", "note", "late"]);
        expect(pending.every((e) => e.uid === AGENT_A && e.state === "pending")).toBe(true);
        // a fresh queue on the same database (the app reloaded) finds them again
        const reopened = new EventQueue(db, AGENT_A);
        expect((await reopened.pending()).length).toBe(3);
    });

    test("a batch is what the server takes: at most BATCH_SIZE events, without the queue's fields", async () => {
        const queue = new EventQueue(db, AGENT_A);
        for (let i = 0; i < BATCH_SIZE + 5; i++) {
            await queue.add(visit(`e${i}`, i, "closed", i));
        }
        const batch = await queue.batch();
        expect(batch.length).toBe(BATCH_SIZE);
        expect(batch[0]).toEqual(visit("e0", 0, "closed", 0));
        expect(batch.some((e) => "uid" in e || "state" in e || "reason" in e)).toBe(false);
    });

    test("settle: accepted events leave, rejected ones stay with their reason until dismissed", async () => {
        const queue = new EventQueue(db, AGENT_A);
        await queue.add(visit("ok", 1, "closed", 1));
        await queue.add(visit("bad", 2, "closed", 2));
        await queue.add(visit("later", 3, "closed", 3));
        await queue.settle({
            accepted: ["ok"],
            rejected: [{uuid: "bad", reason: "This apartment is not in your houses."}],
        });
        const events = await queue.all();
        expect(events.map((e) => [e.uuid, e.state, e.reason])).toEqual([
            ["bad", "rejected", "This apartment is not in your houses."],
            ["later", "pending", undefined],
        ]);
        expect((await queue.batch()).map((e) => e.uuid)).toEqual(["later"]);
        // the same answer again (a repeated sync) changes nothing
        await queue.settle({accepted: ["ok"], rejected: [{uuid: "bad", reason: "again"}]});
        expect((await queue.all()).length).toBe(2);
        await queue.remove("bad");
        expect((await queue.all()).map((e) => e.uuid)).toEqual(["later"]);
    });

    test("settle returns the events accepted, whose visits the tablet adds to its history itself", async () => {
        const queue = new EventQueue(db, AGENT_A);
        await queue.add(visit("v1", 4, "refusal", 90 * MINUTE + 999));
        await queue.add({type: "note", uuid: "n1", apartment_id: 4, note: "Dog", time: 91 * MINUTE});
        await queue.add(visit("v2", 5, "closed", 92 * MINUTE));
        const accepted = await queue.settle({accepted: ["n1", "v1"], rejected: []});
        expect(accepted.map((e) => e.uuid)).toEqual(["v1", "n1"], {message: "oldest first"});
        const rows = ownHistoryRows(accepted, AGENT_A);
        expect(rows).toEqual([[4, 90 * 60, "refusal", AGENT_A]], {
            message: "visits only, in seconds, as the server sends",
        });
        // the same visit from the server (a snapshot reloaded later) is not added twice
        const history = mergeHistory([], rows);
        expect(mergeHistory(history, [[4, 90 * 60, "refusal", AGENT_A]])).toBe(history);
        expect(await queue.settle({accepted: ["v1"], rejected: []})).toEqual([], {message: "settled once"});
    });

    test("one agent's events are never in another agent's batch", async () => {
        const queueA = new EventQueue(db, AGENT_A);
        const queueB = new EventQueue(db, AGENT_B);
        await queueA.add(visit("a1", 1, "closed", 1));
        await queueA.add(visit("a2", 2, "lead", 2));
        await queueB.add(visit("b1", 3, "refusal", 3));
        expect((await queueB.batch()).map((e) => e.uuid)).toEqual(["b1"]);
        expect((await queueA.batch()).map((e) => e.uuid)).toEqual(["a1", "a2"]);
        expect(await queueB.othersPending()).toBe(2);
        expect(await queueA.othersPending()).toBe(1);
        // an answer to B never settles nor removes A's events
        await queueB.settle({accepted: ["a1", "b1"], rejected: [{uuid: "a2", reason: "x"}]});
        await queueB.remove("a2");
        expect((await queueA.pending()).map((e) => e.uuid)).toEqual(["a1", "a2"]);
        expect(await queueB.pending()).toEqual([]);
    });

    test("two knocks of one millisecond keep the order they were made in, else the later time wins", async () => {
        const queue = new EventQueue(db, AGENT_A);
        const second = 90 * MINUTE;
        // the same millisecond, the later knock's uuid sorting first
        await queue.add(visit("z-first", 1, "closed", second + 500));
        await queue.add(visit("a-then", 1, "refusal", second + 500));
        // the same second on the next door: the milliseconds decide, not the order logged
        await queue.add(visit("later-ms", 2, "pensioner", second + 900));
        await queue.add(visit("earlier-ms", 2, "closed", second + 100));
        const events = await queue.all();
        expect(events.map((e) => e.uuid)).toEqual(["earlier-ms", "z-first", "a-then", "later-ms"]);
        for (const order of [events, [...events].reverse()]) {
            const [door1, door2] = mergeApartments([apartment(1), apartment(2)], [], order);
            expect([door1.status, door1.lastVisit]).toEqual(["refusal", second + 500]);
            expect([door2.status, door2.lastVisit]).toEqual(["pensioner", second + 900]);
        }
        // the order survives a reload: the queue's numbers go on
        const reopened = new EventQueue(db, AGENT_A);
        await reopened.add(visit("after-reload", 1, "lead", second + 500));
        expect((await reopened.all()).map((e) => e.uuid).slice(1, 4)).toEqual(["z-first", "a-then", "after-reload"]);
    });

    test("each agent keeps its own territory and token", async () => {
        const queueA = new EventQueue(db, AGENT_A);
        const queueB = new EventQueue(db, AGENT_B);
        await queueA.set("token", {visit: 10});
        await queueB.set("token", {visit: 20});
        expect(await queueA.get("token")).toEqual({visit: 10});
        expect(await queueB.get("token")).toEqual({visit: 20});
        expect(await new EventQueue(db, 99).get("token")).toBe(undefined);
    });
});

describe("merge rules", () => {
    test("the visit with the latest device time wins, whatever the order", () => {
        const early = {result: "closed", time: 10 * MINUTE};
        const late = {result: "refusal", time: 20 * MINUTE};
        const inOrder = applyVisit(applyVisit(apartment(1), early), late);
        const reversed = applyVisit(applyVisit(apartment(1), late), early);
        expect([inOrder.status, inOrder.lastVisit]).toEqual(["refusal", 20 * MINUTE]);
        expect([reversed.status, reversed.lastVisit]).toEqual(["refusal", 20 * MINUTE]);
    });

    test("server changes are applied, then pending events on top of them", () => {
        const apartments = [apartment(1), apartment(2), apartment(3, "closed", 5 * MINUTE)];
        const changes = [
            // [id, status, note, last visit (seconds), lead id]
            [1, "competitor", "Cable in the hall", 30 * 60, false],
            [2, "refusal", null, 50 * 60, false],
            [99, "lead", null, 60, 4], // not on this tablet: ignored
        ];
        const pending = [
            visit("mine-late", 1, "lead", 40 * MINUTE), // later than the server's: stays on top
            visit("mine-early", 2, "closed", 40 * MINUTE), // earlier than the server's: the server's wins
            {type: "note", uuid: "n", apartment_id: 3, note: "Ring twice", time: 41 * MINUTE},
        ];
        const merged = mergeApartments(apartments, changes, pending);
        expect(merged.map((a) => [a.id, a.status, a.note, a.lastVisit])).toEqual([
            [1, "lead", "Cable in the hall", 40 * MINUTE],
            [2, "refusal", "", 50 * MINUTE],
            [3, "closed", "Ring twice", 5 * MINUTE],
        ]);
        expect(apartments[0].status).toBe("none", {message: "the state is not changed in place"});
    });

    test("events the server just accepted win over its changes by the same rule", () => {
        // the server reads its changes before it records the batch: another
        // agent's knock there may be older or newer than the tablet's own
        const apartments = [apartment(1, "closed", 30 * MINUTE), apartment(2, "closed", 31 * MINUTE)];
        const changes = [
            [1, "competitor", null, 20 * 60, false],
            [2, "refusal", "Call before", 50 * 60, false],
        ];
        const accepted = [
            visit("own-later", 1, "pensioner", 30 * MINUTE),
            visit("own-earlier", 2, "closed", 31 * MINUTE),
            {type: "note", uuid: "own-note", apartment_id: 2, note: "Dog", time: 32 * MINUTE},
        ];
        const merged = mergeApartments(apartments, changes, accepted);
        expect(merged.map((a) => [a.id, a.status, a.note, a.lastVisit])).toEqual([
            [1, "pensioner", "", 30 * MINUTE],
            [2, "refusal", "Dog", 50 * MINUTE],
        ]);
    });

    test("merging is the same whatever order the server's changes and the local events come in", () => {
        const server = [[1, "refusal", null, 20 * 60, false]];
        const local = [visit("a", 1, "closed", 10 * MINUTE), visit("b", 1, "pensioner", 30 * MINUTE)];
        const one = mergeApartments(mergeApartments([apartment(1)], [], local), server, local);
        const two = mergeApartments(mergeApartments([apartment(1)], server, []), [], [...local].reverse());
        expect(one[0].status).toBe("pensioner");
        expect(two[0].status).toBe("pensioner");
    });

    test("the history takes each visit once, though the server sends recent ones again", () => {
        const rows = [
            [1, 600, "closed", AGENT_A],
            [1, 1200, "refusal", AGENT_B],
        ];
        const once = mergeHistory([], rows);
        const twice = mergeHistory(once, [...rows, [2, 1800, "lead", AGENT_A]]);
        expect(once.length).toBe(2);
        expect(twice.map((v) => [v.apartmentId, v.time, v.result, v.agentId])).toEqual([
            [1, 600 * 1000, "closed", AGENT_A],
            [1, 1200 * 1000, "refusal", AGENT_B],
            [2, 1800 * 1000, "lead", AGENT_A],
        ]);
        expect(mergeHistory(twice, rows)).toBe(twice, {message: "nothing new: the same list"});
    });

    test("a changed lead replaces the tablet's copy, a new one is added", () => {
        const leads = mergeLeads([], [[5, "Vera", "new", "New", 1, "+7916", null, true]]);
        const moved = mergeLeads(leads, [
            [5, "Vera", "scheduled", "Scheduled", 1, "+7916", 1700000000, true],
            [6, "Oleg", "new", "New", 2, "+7903", null, true],
        ]);
        expect(moved.map((l) => [l.id, l.code, l.installation])).toEqual([
            [5, "scheduled", 1700000000 * 1000],
            [6, "new", null],
        ]);
    });

    test("the server's compact snapshot is read back into apartments, entrances and history", () => {
        const snapshot = {
            format: 2,
            houses: [[10, "Baumana St, 1", 3, 2, 5]],
            entrances: [
                [100, 10, 1, "K12"],
                [101, 10, 2, null],
            ],
            apartments: {
                id: [501, 1, 5],
                entrance: [100, 0, 1],
                floor: [1, 1, 1],
                number: [1, 2, 21],
                status: ["closed", "none", "lead"],
                last: [600, null, 1200],
                note: {502: "Dog"},
                lead: {507: 42},
            },
            visits: {
                apartment: [501, 0, 6],
                time: [300, 600, 1200],
                result: ["refusal", "closed", "lead"],
                agent: [7, 7, 8],
            },
            agents: [
                [7, "Agent A"],
                [8, "Agent B"],
            ],
            leads: [[42, "Vera", "new", "New", 507, "+7916", null, true]],
            competitors: [[3, "Rival"]],
        };
        const data = decodeSnapshot(snapshot);
        expect(
            data.apartments.map((a) => [
                a.id,
                a.houseId,
                a.entranceId,
                a.number,
                a.status,
                a.note,
                a.lastVisit,
                a.leadId,
            ])
        ).toEqual([
            [501, 10, 100, 1, "closed", "", 600000, false],
            [502, 10, 100, 2, "none", "Dog", 0, false],
            [507, 10, 101, 21, "lead", "", 1200000, 42],
        ]);
        expect(data.visits.map((v) => [v.apartmentId, v.result, v.agentId])).toEqual([
            [501, "refusal", 7],
            [501, "closed", 7],
            [507, "lead", 8],
        ]);
        expect(data.agents[8]).toBe("Agent B");
        expect(data.entrances[0]).toEqual({id: 100, houseId: 10, number: 1, intercom: "K12"});
        expect(data.leads[0].apartmentId).toBe(507);
        expect(() => decodeSnapshot({...snapshot, format: 1})).toThrow(/Unknown snapshot format/);
    });

    test("back-off: 5 s, then twice as long after each failure, up to a minute; a minute while all goes well", () => {
        expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoff)).toEqual([5, 10, 20, 40, 60, 60, 60, 60]);
        expect(MAX_BACKOFF).toBe(60);
        expect(nextSyncDelay(0)).toBe(SYNC_PERIOD);
        expect(nextSyncDelay(3)).toBe(20);
    });
});

describe("what the agent may no longer see", () => {
    test("removed leads, apartments and houses leave the tablet", () => {
        const state = {
            houses: [{id: 1}, {id: 2}],
            apartments: [
                {id: 10, houseId: 1, leadId: 100},
                {id: 11, houseId: 1, leadId: 101},
                {id: 20, houseId: 2, leadId: false},
            ],
            visits: [{apartmentId: 10}, {apartmentId: 20}],
            leads: [
                {id: 100, name: "Olga"},
                {id: 101, name: "Ivan"},
            ],
        };
        const left = forgetRemoved(state, {houses: [2], apartments: [20], leads: [101]});
        expect(left.houses.map((h) => h.id)).toEqual([1]);
        expect(left.apartments).toEqual([
            {id: 10, houseId: 1, leadId: 100},
            {id: 11, houseId: 1, leadId: false},
        ]);
        expect(left.visits).toEqual([{apartmentId: 10}]);
        expect(left.leads).toEqual([{id: 100, name: "Olga"}]);
    });

    test("an answer without removals keeps everything", () => {
        const state = {houses: [{id: 1}], apartments: [], visits: [], leads: [{id: 5}]};
        expect(forgetRemoved(state, undefined)).toEqual(state);
        expect(forgetRemoved(state, {houses: [], apartments: [], leads: []})).toEqual(state);
    });
});
