/** @odoo-module */
// The tablet's memory: IndexedDB keeps the snapshot, the pending events and
// the sync token of each user apart, so that one agent's events are never
// sent in another agent's name. The merge rules are pure functions.

const DB_NAME = "d2d-agent";
const DB_VERSION = 1;

export function openDatabase(indexedDB = window.indexedDB) {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
            const db = request.result;
            db.createObjectStore("kv");
            const events = db.createObjectStore("events", { keyPath: "uuid" });
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
    /** Stored first, sent later: an event is never lost once recorded. */
    async add(event) {
        const record = { ...event, uid: this.uid, state: "pending" };
        await done(this.store("events", "readwrite").put(record));
        return record;
    }
    async all() {
        return done(this.store("events").index("uid").getAll(this.uid));
    }
    async pending() {
        return (await this.all()).filter((event) => event.state === "pending");
    }
    /** Apply the server's answer: accepted events leave the queue, rejected
     * ones stay, visible with their reason, until the agent dismisses them. */
    async settle(answer) {
        const transaction = this.db.transaction("events", "readwrite");
        const store = transaction.objectStore("events");
        for (const uuid of answer.accepted || []) {
            store.delete(uuid);
        }
        for (const { uuid, reason } of answer.rejected || []) {
            const request = store.get(uuid);
            request.onsuccess = () => {
                if (request.result) {
                    store.put({ ...request.result, state: "rejected", reason });
                }
            };
        }
        return new Promise((resolve, reject) => {
            transaction.oncomplete = () => resolve();
            transaction.onerror = () => reject(transaction.error);
        });
    }
    async remove(uuid) {
        return done(this.store("events", "readwrite").delete(uuid));
    }
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

/** The apartment as the tablet shows it: the visit with the latest device
 * time wins, whatever order the server's state and local events come in. */
export function applyVisit(apartment, visit) {
    const current = apartment.lastVisit || 0;
    if (visit.time >= current) {
        return { ...apartment, status: visit.result, lastVisit: visit.time };
    }
    return apartment;
}

/** Server changes merged into the local state; local pending visits are
 * re-applied on top so the agent never sees their own knock disappear. */
export function mergeApartments(apartments, changes, pendingVisits) {
    const byId = new Map(apartments.map((apartment) => [apartment.id, apartment]));
    for (const [id, status, note, lastVisit, leadId] of changes) {
        const apartment = byId.get(id);
        if (apartment) {
            byId.set(id, { ...apartment, status, note, lastVisit: (lastVisit || 0) * 1000, leadId });
        }
    }
    for (const visit of pendingVisits) {
        const apartment = byId.get(visit.apartment_id);
        if (apartment) {
            byId.set(visit.apartment_id, applyVisit(apartment, visit));
        }
    }
    return [...byId.values()];
}

/** Seconds to wait before the next try after `failures` failed syncs. */
export function backoff(failures) {
    return Math.min(300, 5 * 2 ** Math.max(0, failures - 1));
}
