// Unit tests (hoot) of the agent app's sending: no event the server cannot
// take blocks the others, no request hangs, the back-off stays short.
// static/src/agent_app/core/queue.js and rpc.js, with the browser's real
// IndexedDB; the server is a fake `fetch` (the browser's API). Run by
// tests/test_agent_app_js.py.
import {afterEach, beforeEach, describe, expect, test} from "@odoo/hoot";
import {advanceTime} from "@odoo/hoot-mock";
import {
    EventQueue,
    MAX_BACKOFF,
    SYNC_PERIOD,
    SyncSchedule,
    openDatabase,
    sendPending,
} from "@door_to_door_crm/agent_app/core/queue";
import {REQUEST_TIMEOUT, jsonRpc, serverMessage} from "@door_to_door_crm/agent_app/core/rpc";

const TEST_DB = "d2d-agent-sync-unit-tests";
const AGENT = 7;
// What werkzeug answers for an error in a type="http" route (odoo/http.py, handle_error).
const ERROR_500 = `<!doctype html>
<html lang=en>
<title>500 Internal Server Error</title>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error and was unable to complete your request.</p>`;

function deleteDatabase(name) {
    return new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
    });
}

function visit(uuid, time) {
    return {type: "visit", uuid, apartment_id: 1, result: "closed", time};
}

/** A server that answers 500 for any batch holding one of the `poisoned`
 * uuids (as one malformed event did), and accepts the others; it keeps the
 * uuids of each request it was sent. */
function fakeServer(poisoned) {
    const requests = [];
    const fetch = async (url, init) => {
        const events = JSON.parse(init.body).params.events;
        requests.push(events.map((event) => event.uuid));
        if (events.some((event) => poisoned.includes(event.uuid))) {
            return new Response(ERROR_500, {status: 500, headers: {"Content-Type": "text/html"}});
        }
        const result = {accepted: events.map((event) => event.uuid), rejected: [], changes: {}, token: {}};
        return new Response(JSON.stringify({jsonrpc: "2.0", id: 1, result}), {
            headers: {"Content-Type": "application/json"},
        });
    };
    return {fetch, requests};
}

describe("sending", () => {
    let db;
    let queue;
    beforeEach(async () => {
        await deleteDatabase(TEST_DB);
        db = await openDatabase(TEST_DB);
        queue = new EventQueue(db, AGENT);
    });
    afterEach(async () => {
        db.close();
        await deleteDatabase(TEST_DB);
    });

    test("the event a 500 answers is quarantined with the server's words, the rest are sent", async () => {
        for (let i = 0; i < 7; i++) {
            await queue.add(visit(`e${i}`, 1000 + i));
        }
        const server = fakeServer(["e2"]);
        const send = (events) => jsonRpc("/d2d/agent/sync", {events}, {fetch: server.fetch});
        const accepted = [];
        const receive = async (answer) => accepted.push(...(await queue.settle(answer)).map((e) => e.uuid));
        await sendPending(queue, send, receive, 4);

        expect(accepted).toEqual(["e0", "e1", "e3", "e4", "e5", "e6"], {message: "all but the poisoned one, in order"});
        const left = await queue.all();
        expect(left.map((e) => [e.uuid, e.state, e.reason])).toEqual([
            [
                "e2",
                "quarantined",
                "HTTP 500: The server encountered an internal error and was unable to complete your request.",
            ],
        ]);
        expect(await queue.batch()).toEqual([], {message: "a quarantined event is not sent again by itself"});
        // halves of the failed batch, then the poisoned event alone, then a
        // request without it (the server works), then the next batch
        expect(server.requests).toEqual([
            ["e0", "e1", "e2", "e3"],
            ["e0", "e1"],
            ["e2", "e3"],
            ["e2"],
            [],
            ["e3"],
            ["e4", "e5", "e6"],
        ]);

        // the agent sends it again: it is pending, and quarantined again while the server fails on it
        await queue.retry("e2", {note: "Dog"});
        expect((await queue.batch()).map((e) => [e.uuid, e.note])).toEqual([["e2", "Dog"]]);
        await sendPending(queue, send, receive);
        expect((await queue.all()).map((e) => e.state)).toEqual(["quarantined"]);
    });

    test("a server failing on every request quarantines nothing: the events wait", async () => {
        await queue.add(visit("a", 1));
        await queue.add(visit("b", 2));
        const requests = [];
        const send = async (events) => {
            requests.push(events.map((event) => event.uuid));
            throw Object.assign(new Error("HTTP 500"), {server: true}); // even with no event
        };
        await expect(sendPending(queue, send, (answer) => queue.settle(answer))).rejects.toThrow("HTTP 500");
        expect(requests).toEqual([["a", "b"], ["a"], []], {message: "stopped once a request without events failed"});
        expect((await queue.all()).map((e) => e.state)).toEqual(["pending", "pending"]);
    });

    test("no network: nothing is split nor quarantined", async () => {
        await queue.add(visit("a", 1));
        await queue.add(visit("b", 2));
        let requests = 0;
        const send = () => {
            requests += 1;
            return jsonRpc("/d2d/agent/sync", {}, {fetch: () => Promise.reject(new TypeError("Failed to fetch"))});
        };
        const error = await sendPending(queue, send, (answer) => queue.settle(answer)).catch((e) => e);
        expect([error.offline, error.server, requests]).toEqual([true, undefined, 1]);
        expect((await queue.pending()).length).toBe(2);
    });
});

describe("requests", () => {
    test("a request the network holds open without answering is aborted after the timeout", async () => {
        let signal;
        const hangingFetch = (url, init) =>
            new Promise((resolve, reject) => {
                signal = init.signal;
                signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
            });
        const call = jsonRpc("/d2d/agent/sync", {events: []}, {fetch: hangingFetch}).catch((error) => error);
        await advanceTime(REQUEST_TIMEOUT * 1000 - 100);
        expect(signal.aborted).toBe(false, {message: "still waiting before the timeout"});
        await advanceTime(100);
        const error = await call;
        expect(signal.aborted).toBe(true);
        expect([error.offline, error.timeout]).toEqual([true, true]);
    });

    test("the server's errors are told apart from no network, in short plain words", async () => {
        const answer = (body, status, type) => () =>
            Promise.resolve(new Response(body, {status, headers: {"Content-Type": type}}));
        const fail = (fetch) => jsonRpc("/d2d/agent/sync", {}, {fetch}).catch((error) => error);

        const page415 = "<title>415 Unsupported Media Type</title><p>The sync request must be JSON.</p>";
        const unsupported = await fail(answer(page415, 415, "text/html"));
        expect([unsupported.server, unsupported.offline, unsupported.message]).toEqual([
            true,
            undefined,
            "HTTP 415: The sync request must be JSON.",
        ]);
        const rpcError = JSON.stringify({
            error: {code: 200, message: "Odoo Server Error", data: {message: "Too many events", debug: "Traceback…"}},
        });
        const refused = await fail(answer(rpcError, 200, "application/json"));
        expect([refused.server, refused.message]).toEqual([true, "Too many events"], {message: "no traceback"});
        const unavailable = await fail(answer("", 503, "text/plain"));
        expect([unavailable.offline, unavailable.server]).toEqual([true, undefined], {
            message: "a proxy without its server: as no network",
        });
        expect(serverMessage("x".repeat(1000), 413).length).toBe(300);
    });
});

describe("back-off", () => {
    const SECOND = 1000;

    test("never above a minute, and taps that fail do not lengthen it", () => {
        const schedule = new SyncSchedule();
        let now = 0;
        const waits = [];
        for (let i = 0; i < 12; i++) {
            const wait = schedule.failed(now);
            waits.push(wait);
            // the agent taps every 3 s meanwhile: each tap tries and fails
            for (let tap = now + 3 * SECOND; tap < now + wait * SECOND; tap += 3 * SECOND) {
                expect(schedule.failed(tap)).toBe((now + wait * SECOND - tap) / SECOND);
            }
            now += wait * SECOND;
        }
        expect(waits).toEqual([5, 10, 20, 40, 60, 60, 60, 60, 60, 60, 60, 60]);
        expect(MAX_BACKOFF).toBe(60);
    });

    test("a success, or the browser's online event, starts it again from the shortest wait", () => {
        const schedule = new SyncSchedule();
        let now = 0;
        for (let i = 0; i < 8; i++) {
            now += schedule.failed(now) * SECOND;
        }
        expect(schedule.succeeded(now)).toBe(SYNC_PERIOD);
        now += SYNC_PERIOD * SECOND;
        expect(schedule.failed(now)).toBe(5);
        for (let i = 0; i < 8; i++) {
            now += schedule.failed(now) * SECOND;
        }
        schedule.reset(); // online: the app tries at once
        expect(schedule.failed(now + SECOND)).toBe(5);
    });
});
