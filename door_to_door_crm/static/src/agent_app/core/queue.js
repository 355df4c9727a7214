/** @odoo-module */
// The tablet's memory: IndexedDB keeps the territory, the pending events and
// the sync token of each user apart, so that one agent's events are never
// sent in another agent's name; the sending of the queue and its schedule.
// The merge rules are in merge.js, the kinds of events in events.js.

export const DB_NAME = "d2d-agent";
const DB_VERSION = 1;
// A sync carries at most this many events (the server takes up to 500).
export const BATCH_SIZE = 200;
// Seconds between two syncs while all goes well.
export const SYNC_PERIOD = 60;
// Longest wait, in seconds, between two tries while the server is unreachable
// or failing: once it is back, the tablet sends within this time.
export const MAX_BACKOFF = 60;

export function openDatabase(name = DB_NAME, indexedDB = window.indexedDB) {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(name, DB_VERSION);
        request.onupgradeneeded = () => {
            const db = request.result;
            db.createObjectStore("kv");
            const events = db.createObjectStore("events", {keyPath: "uuid"});
            events.createIndex("uid", "uid");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

function done(request) {
    return new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

function completed(transaction) {
    return new Promise((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
    });
}

/** The events and the data of one user on this device. */
export class EventQueue {
    constructor(db, uid) {
        this.db = db;
        this.uid = uid;
    }
    store(name, mode = "readonly") {
        return this.db.transaction(name, mode).objectStore(name);
    }
    async get(key) {
        return done(this.store("kv").get(`${this.uid}:${key}`));
    }
    async set(key, value) {
        return done(this.store("kv", "readwrite").put(value, `${this.uid}:${key}`));
    }
    /** Stored first, sent later: an event is never lost once recorded. Each
     * event gets the next number of this user's queue (`seq`), which orders
     * the events of the same device time (see byDeviceTime). */
    async add(event) {
        const transaction = this.db.transaction(["kv", "events"], "readwrite");
        const counter = transaction.objectStore("kv");
        const key = `${this.uid}:seq`;
        let record;
        const last = counter.get(key);
        last.onsuccess = () => {
            record = {...event, uid: this.uid, state: "pending", seq: (last.result || 0) + 1};
            counter.put(record.seq, key);
            transaction.objectStore("events").put(record);
        };
        await completed(transaction);
        return record;
    }
    /** This user's events, oldest first (see byDeviceTime). */
    async all() {
        const events = await done(this.store("events").index("uid").getAll(this.uid));
        return events.sort(byDeviceTime);
    }
    async pending() {
        return (await this.all()).filter((event) => event.state === "pending");
    }
    /** The next batch to send, as the server takes it: without the queue's
     * own fields (user, state, reason, number, hold). The events from the
     * first one still held (a knock the agent may take back until
     * `hold_until`, see events.js) wait: they go in their order. */
    async batch(size = BATCH_SIZE, now = Date.now()) {
        const pending = await this.pending();
        const held = pending.findIndex((event) => event.hold_until > now);
        return pending
            .slice(0, held >= 0 ? Math.min(held, size) : size)
            .map(({uid, state, reason, seq, hold_until, ...event}) => event);
    }
    /** When the first held event may be sent (ms), or null. */
    async heldUntil(now = Date.now()) {
        const held = (await this.pending()).filter((event) => event.hold_until > now);
        return held.length ? Math.min(...held.map((event) => event.hold_until)) : null;
    }
    /** Events other users left on this device, waiting for them to sign in. */
    async othersPending() {
        const events = await done(this.store("events").getAll());
        return events.filter((event) => event.uid !== this.uid && event.state === "pending").length;
    }
    /** Apply the server's answer: accepted events leave the queue, rejected
     * ones stay, visible with their reason, until the agent dismisses them.
     * Only this user's events are touched, whatever the answer names.
     * Returns the events accepted, oldest first: the server's changes are
     * what others did, the tablet applies its own accepted events itself. */
    async settle(answer) {
        const transaction = this.db.transaction("events", "readwrite");
        const store = transaction.objectStore("events");
        const accepted = [];
        const update = (uuid, change) => {
            const request = store.get(uuid);
            request.onsuccess = () => {
                const event = request.result;
                if (event && event.uid === this.uid) {
                    change(event);
                }
            };
        };
        for (const uuid of answer.accepted || []) {
            update(uuid, (event) => {
                accepted.push(event);
                store.delete(uuid);
            });
        }
        for (const {uuid, reason} of answer.rejected || []) {
            update(uuid, (event) => store.put({...event, state: "rejected", reason}));
        }
        await completed(transaction);
        return accepted.sort(byDeviceTime);
    }
    /** The event the server fails on (an error for the whole request, not a
     * refusal) is put aside with the server's message, so that the events
     * behind it are sent; it waits there for the agent to retry or discard it. */
    async quarantine(uuid, reason) {
        await this.change(uuid, (event) => ({...event, state: "quarantined", reason}));
    }
    /** A refused or quarantined event sent again, with the agent's
     * `corrections` (its text fields) if any. */
    async retry(uuid, corrections = {}) {
        await this.change(uuid, ({reason, hold_until, ...event}) => ({...event, ...corrections, state: "pending"}));
    }
    async change(uuid, update) {
        const event = await done(this.store("events").get(uuid));
        if (event && event.uid === this.uid) {
            await done(this.store("events", "readwrite").put(update(event)));
        }
    }
    async remove(uuid) {
        const event = await done(this.store("events").get(uuid));
        if (event && event.uid === this.uid) {
            await done(this.store("events", "readwrite").delete(uuid));
        }
    }
}

/** The order of the tablet's events: by device time (in milliseconds), and
 * for the same time by their order in the queue, so that of two knocks on
 * one door the later always wins. */
export function byDeviceTime(a, b) {
    return a.time - b.time || (a.seq || 0) - (b.seq || 0);
}

// ---------------------------------------------------------------------------
// Sending: what the server cannot take never blocks the events behind it
// ---------------------------------------------------------------------------

/** Send this user's pending events, BATCH_SIZE at a time (at least one
 * request, for the changes), handing each answer to `receive` (which
 * settles it). `send(events)` makes one sync request and throws an rpcError
 * (see rpc.js).
 *
 * A batch the server fails on (`server` errors: an HTTP 500, 413, 415, a
 * JSON-RPC error) is sent again in halves, down to the one event it fails
 * on: that event is quarantined with the server's message, the others are
 * sent. Any other error (no network, signed out) stops the sending: the
 * events wait, and the error is thrown. */
export async function sendPending(queue, send, receive, size = BATCH_SIZE) {
    for (;;) {
        const pendingBefore = (await queue.pending()).length;
        const events = await queue.batch(size);
        await sendOrSplit(queue, events, send, receive);
        const pendingAfter = (await queue.pending()).length;
        // stop when all is sent (or held), or when the server settled none of a full batch
        if (events.length < size || pendingAfter >= pendingBefore) {
            return;
        }
    }
}

async function sendOrSplit(queue, events, send, receive) {
    let answer;
    try {
        answer = await send(events);
    } catch (error) {
        if (!error.server || !events.length) {
            throw error;
        }
        if (events.length > 1) {
            const half = Math.ceil(events.length / 2);
            await sendOrSplit(queue, events.slice(0, half), send, receive);
            await sendOrSplit(queue, events.slice(half), send, receive);
        } else {
            await quarantineIfServerWorks(queue, events[0], error, send, receive);
        }
        return;
    }
    await receive(answer);
}

/** The server failed on this one event: it is that event's fault only if
 * the server takes a request without it (else the server is failing as a
 * whole, and every event waits). */
async function quarantineIfServerWorks(queue, event, error, send, receive) {
    let answer;
    try {
        answer = await send([]);
    } catch {
        throw error;
    }
    await queue.quarantine(event.uuid, error.message);
    await receive(answer);
}

export function newUuid() {
    if (window.crypto && window.crypto.randomUUID) {
        return window.crypto.randomUUID();
    }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
        const r = (Math.random() * 16) | 0;
        return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
}

/** Seconds to wait before the next try after `failures` failed syncs in a
 * row: 5, 10, 20, 40, then MAX_BACKOFF. */
export function backoff(failures) {
    return Math.min(MAX_BACKOFF, 5 * 2 ** Math.max(0, failures - 1));
}

/** Seconds until the next automatic sync: the period while all goes well,
 * the back-off after failures. */
export function nextSyncDelay(failures) {
    return failures > 0 ? backoff(failures) : SYNC_PERIOD;
}

/** When the next automatic sync comes: SYNC_PERIOD after a success; after
 * failures, the back-off. Only a try made when one was due counts as a
 * failure: a sync that a tap starts (every door logged tries to send) and
 * that fails changes neither the back-off nor the time of the next try. */
export class SyncSchedule {
    constructor() {
        this.failures = 0;
        this.due = 0; // time (ms) from which a try counts
    }
    /** A sync succeeded at `now` (ms): seconds until the next. */
    succeeded(now = Date.now()) {
        this.failures = 0;
        return this.wait(now);
    }
    /** A sync failed at `now` (ms): seconds until the next. */
    failed(now = Date.now()) {
        if (now < this.due) {
            return (this.due - now) / 1000;
        }
        this.failures += 1;
        return this.wait(now);
    }
    /** The network is back (the browser says so): the next failure waits
     * the shortest back-off again. */
    reset() {
        this.failures = 0;
        this.due = 0;
    }
    wait(now) {
        const delay = nextSyncDelay(this.failures);
        this.due = now + delay * 1000;
        return delay;
    }
}
