// Unit tests (hoot) of the kinds of events the tablet records
// (static/src/agent_app/core/events.js), how they merge into what the agent
// sees (core/merge.js: lead fixes, callbacks) and the hold that lets a knock
// be taken back (core/queue.js). Run by tests/test_agent_app_js.py.
import {afterEach, beforeEach, describe, expect, test} from "@odoo/hoot";
import {
    EVENT_KINDS,
    LEAD_SUBMIT,
    LEAD_UPDATE,
    UNDO_SECONDS,
    corrections,
    isDoorEvent,
    isLeadEvent,
    leadEvent,
    noteEvent,
    visitEvent,
} from "@door_to_door_crm/agent_app/core/events";
import {applyLeadEvents, leadFromRow, mergeApartments} from "@door_to_door_crm/agent_app/core/merge";
import {EventQueue, openDatabase} from "@door_to_door_crm/agent_app/core/queue";

const TEST_DB = "d2d-agent-event-unit-tests";
const NOW = 1_700_000_000_000;

function lead(id, values = {}) {
    return {
        ...leadFromRow([id, `Lead ${id}`, "new", "New", 5, "+79161234567", null, true, "Olga", "internet", "", 0]),
        ...values,
    };
}

describe("event kinds", () => {
    test("a knock carries its result, the proof of presence, a callback, and is held for undo", () => {
        const event = visitEvent(
            3,
            {result: "closed", callback_at: NOW + 3_600_000},
            {note: " Dog ", position: {gps_latitude: 55.7}, time: NOW}
        );
        expect([event.type, event.apartment_id, event.result, event.note, event.gps_latitude]).toEqual([
            "visit",
            3,
            "closed",
            "Dog",
            55.7,
        ]);
        expect(event.callback_at).toBe(NOW + 3_600_000);
        expect(event.hold_until).toBe(NOW + UNDO_SECONDS * 1000);
        const plain = visitEvent(3, {result: "refusal", callback_at: undefined}, {time: NOW});
        expect("callback_at" in plain).toBe(false, {message: "no empty callback is sent"});
        expect(plain.note).toBe(false);
    });

    test("lead events carry only the fixes, and the submit is its own kind", () => {
        const update = leadEvent(9, {phone: "+79167654321"}, {time: NOW});
        const submit = leadEvent(9, {}, {submit: true, time: NOW});
        expect([update.type, update.lead_id, update.phone]).toEqual([LEAD_UPDATE, 9, "+79167654321"]);
        expect([submit.type, "phone" in submit]).toEqual([LEAD_SUBMIT, false]);
        expect(update.uuid).not.toBe(submit.uuid);
        expect(EVENT_KINDS).toEqual(["visit", "note", "lead_update", "lead_submit"]);
        expect([isLeadEvent(update), isDoorEvent(update)]).toEqual([true, false]);
        expect([isLeadEvent(noteEvent(1, "x")), isDoorEvent(noteEvent(1, "x"))]).toEqual([false, true]);
    });

    test("a refused event is corrected only in the fields of its kind", () => {
        const knock = {type: "visit", result: "lead", phone: "12", contact_name: "Oleg", apartment_id: 4};
        expect(corrections(knock, {phone: "+79035550011", contact_name: "Oleg", apartment_id: 99})).toEqual({
            phone: "+79035550011",
        });
        const note = {type: "note", note: "old"};
        expect(corrections(note, {note: "new", phone: "+7"})).toEqual({note: "new"});
        const submit = {type: LEAD_SUBMIT, lead_id: 9};
        expect(corrections(submit, {service: "tv", lead_id: 1})).toEqual({service: "tv"});
    });
});

describe("merge of the tablet's own events", () => {
    test("a lead shows the fixes of its events not sent yet, and waits for review once submitted", () => {
        const leads = [lead(1), lead(2)];
        const events = [
            {...leadEvent(1, {phone: "+79167654321"}, {time: NOW}), state: "pending"},
            {...leadEvent(1, {contact_name: "Olga Petrova"}, {submit: true, time: NOW + 1}), state: "pending"},
        ];
        const [first, second] = applyLeadEvents(leads, events);
        expect([first.phone, first.contactName, first.waiting]).toEqual(["+79167654321", "Olga Petrova", "review"]);
        expect(second).toBe(leads[1], {message: "a lead without events is left as it is"});
        expect(applyLeadEvents(leads, [])).toBe(leads);
    });

    test("a refused lead event says why on the lead", () => {
        const refused = {...leadEvent(1, {}, {submit: true, time: NOW}), state: "rejected", reason: "Not at New"};
        expect(applyLeadEvents([lead(1)], [refused])[0].refused).toBe("Not at New");
    });

    test("the latest knock sets or clears the apartment's callback; the server's rows carry it", () => {
        const door = {id: 1, houseId: 1, entranceId: 1, floor: 1, number: 1, status: "none", lastVisit: 0};
        const withCallback = visitEvent(1, {result: "closed", callback_at: NOW + 1000}, {time: NOW});
        const [called] = mergeApartments([door], [], [withCallback]);
        expect([called.status, called.callback]).toEqual(["closed", NOW + 1000]);
        const later = visitEvent(1, {result: "refusal"}, {time: NOW + 10});
        const [cleared] = mergeApartments([door], [], [withCallback, later]);
        expect(cleared.callback).toBe(null, {message: "a later knock without a callback clears it"});
        const [fromServer] = mergeApartments([door], [[1, "closed", "", NOW / 1000, false, NOW / 1000 + 60]], []);
        expect(fromServer.callback).toBe(NOW + 60_000);
        const leadOnly = [{...leadEvent(7, {}, {time: NOW}), state: "pending"}];
        expect(mergeApartments([door], [], leadOnly)[0]).toBe(door, {message: "lead events leave the doors"});
    });

    test("the server's lead rows are read with the client, the service and the return reason", () => {
        const row = [5, "Lead", "new", "New", 3, null, 1_700_000_000, true, "Olga", "tv", "Wrong flat", 1_690_000_000];
        const read = leadFromRow(row);
        expect([read.phone, read.installation, read.contactName, read.service, read.returnReason]).toEqual([
            "",
            1_700_000_000_000,
            "Olga",
            "tv",
            "Wrong flat",
        ]);
        expect(leadFromRow(row.slice(0, 8)).returnReason).toBe("", {message: "rows of an older server"});
    });
});

describe("the hold of a knock", () => {
    let db;
    let queue;
    beforeEach(async () => {
        await new Promise((resolve) => {
            const request = indexedDB.deleteDatabase(TEST_DB);
            request.onsuccess = request.onerror = () => resolve();
        });
        db = await openDatabase(TEST_DB);
        queue = new EventQueue(db, 7);
    });
    afterEach(() => db.close());

    test("a held knock and the events behind it wait; then they go in their order, without the hold", async () => {
        await queue.add({...noteEvent(1, "first", NOW - 10), uuid: "n1"});
        await queue.add({...visitEvent(1, {result: "closed"}, {time: NOW}), uuid: "v1"});
        await queue.add({...noteEvent(2, "after", NOW + 1), uuid: "n2"});
        expect((await queue.batch(200, NOW)).map((e) => e.uuid)).toEqual(["n1"]);
        expect(await queue.heldUntil(NOW)).toBe(NOW + UNDO_SECONDS * 1000);
        const later = await queue.batch(200, NOW + UNDO_SECONDS * 1000 + 1);
        expect(later.map((e) => e.uuid)).toEqual(["n1", "v1", "n2"]);
        expect(later.some((e) => "hold_until" in e)).toBe(false, {message: "the hold is the tablet's own"});
        expect(await queue.heldUntil(NOW + UNDO_SECONDS * 1000 + 1)).toBe(null);
    });

    test("a refused knock sent again is not held again", async () => {
        await queue.add({...visitEvent(1, {result: "lead", phone: "1"}, {time: NOW}), uuid: "v1"});
        await queue.settle({accepted: [], rejected: [{uuid: "v1", reason: "No phone"}]});
        await queue.retry("v1", {phone: "+79161234567"});
        expect((await queue.batch(200, NOW)).map((e) => [e.uuid, e.phone])).toEqual([["v1", "+79161234567"]]);
    });
});
