/** @odoo-module */
import {markRaw, reactive, useEnv, useState} from "@odoo/owl";
import {LEAD_SUBMIT, NOTE, UNDO_SECONDS, corrections, leadEvent, noteEvent, visitEvent} from "../core/events";
import {
    applyLeadEvents,
    decodeSnapshot,
    forgetRemoved,
    mergeApartments,
    mergeHistory,
    mergeLeads,
    ownHistoryRows,
} from "../core/merge";
import {DB_NAME, EventQueue, SyncSchedule, newUuid, openDatabase, sendPending} from "../core/queue";
import {SNAPSHOT_TIMEOUT, jsonRpc} from "../core/rpc";
import {currentPosition} from "../core/position";
import {normalisePhone} from "../core/phone";
import {buildIndex, patchIndex} from "../core/territory_index";

// The service worker's caches are named so (static/src/agent_sw/sw.js).
const APP_CACHE_PREFIX = "d2d-agent";
const LOGIN_URL = "/web/login?redirect=%2Fd2d%2Fagent";
const LOGOUT_URL = "/web/session/logout?redirect=%2Fd2d%2Fagent";
// Words the server's strings may not hold yet (a page cached before an
// upgrade, or a translation not made): English until they come.
const FALLBACK_STRINGS = {
    server_error: "Server error",
    quarantined: "The server could not take this event",
    retry: "Send again",
    discard: "Discard",
};
// The territory's lists: each one replaced whole (never changed in place),
// kept out of Owl's reactivity (markRaw) so that reading 5,000 apartments
// costs no proxy per apartment; a component re-renders when a list is
// replaced.
const TERRITORY = ["houses", "entrances", "apartments", "visits", "agents", "leads", "competitors"];

/** The state of the agent's tablet and its sync, as a service of the app
 * (reached by useAgent): the territory in memory and in IndexedDB, the queue
 * of events, the sync loop (on start, on reconnect, when the tablet wakes
 * up, every minute, and after failures with a back-off of at most a minute,
 * see SyncSchedule), and where the agent is in the app (`ui`: the tab, the
 * house, apartment or lead open, the lists' scroll positions). */
export class AgentService {
    constructor(session, {rpc = jsonRpc, dbName = DB_NAME} = {}) {
        this.session = session;
        this.t = {...FALLBACK_STRINGS, ...session.strings};
        this.rpc = rpc;
        this.dbName = dbName;
        this.state = reactive({
            online: navigator.onLine,
            syncing: false,
            lastSync: null,
            pending: 0,
            othersPending: 0,
            rejected: [],
            events: markRaw([]),
            ...Object.fromEntries(TERRITORY.map((name) => [name, markRaw(name === "agents" ? {} : [])])),
            // the last knock, while it may be taken back: {uuid, apartmentId, label, until}
            lastKnock: null,
            error: null,
            expired: false,
        });
        this.ui = reactive({
            tab: "houses",
            houseId: null,
            apartmentId: null,
            leadId: null,
            search: "",
            scroll: {},
        });
        this.data = null;
        this.schedule = new SyncSchedule();
        this.timer = null;
        this.running = null;
        this.memo = new Map();
    }

    async start() {
        this.queue = new EventQueue(await openDatabase(this.dbName), this.session.uid);
        const saved = await this.queue.get("state");
        if (saved) {
            this.load(saved);
        }
        this.state.lastSync = (await this.queue.get("lastSync")) || null;
        await this.refreshQueue();
        this.reapplyPending(await this.queue.pending());
        window.addEventListener("online", () => this.onOnline());
        window.addEventListener("offline", () => (this.state.online = false));
        document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.sync());
        await this.sync();
    }

    /** The label of a visit result (or status) in the user's language. */
    resultLabel(code) {
        if (code === "none") {
            return this.t.not_visited;
        }
        const result = this.session.results.find((r) => r[0] === code);
        return result ? result[1] : code;
    }

    stop() {
        clearTimeout(this.timer);
        this.timer = null;
        this.stopped = true;
    }

    load(data) {
        this.data = data;
        this.assign(Object.fromEntries(TERRITORY.map((name) => [name, data[name]])));
    }

    /** Replace lists of the territory (see TERRITORY). */
    assign(lists) {
        for (const [name, value] of Object.entries(lists)) {
            if (this.state[name] !== value) {
                this.state[name] = markRaw(value);
            }
        }
    }

    /** `compute(...inputs)`, computed again only when one of the `inputs`
     * (lists of the state, replaced whole) is another: the indexes of the
     * territory (houses' apartments, floors) cost one pass per change, not
     * one per render. */
    memoize(key, inputs, compute) {
        const cached = this.memo.get(key);
        if (cached && cached.inputs.every((input, i) => input === inputs[i])) {
            return cached.value;
        }
        const value = compute(...inputs);
        this.memo.set(key, {inputs, value});
        return value;
    }

    async fetchSnapshot() {
        const snapshot = await this.rpc("/d2d/agent/snapshot", {}, {timeout: SNAPSHOT_TIMEOUT});
        if (snapshot.user.id !== this.session.uid) {
            // this page (cached) is another agent's than the one signed in:
            // their territory must not land in this agent's memory
            throw Object.assign(new Error(this.t.other_user), {expired: true, message: this.t.other_user});
        }
        const data = decodeSnapshot(snapshot);
        this.load(data);
        this.reapplyPending(await this.queue.pending());
        await this.queue.set("state", data);
        await this.queue.set("token", snapshot.token);
    }

    async refreshQueue() {
        const events = await this.queue.all();
        this.state.events = markRaw(events);
        this.state.pending = events.filter((e) => e.state === "pending").length;
        // refused by the server, or quarantined: waiting for the agent
        this.state.rejected = events.filter((e) => e.state !== "pending");
        this.state.othersPending = await this.queue.othersPending();
        return events;
    }

    reapplyPending(pending) {
        this.assign({apartments: mergeApartments(this.state.apartments, [], pending)});
    }

    // ------------------------------------------------------------------
    // What the agent does
    // ------------------------------------------------------------------

    /** One door logged: stored first, shown at once, sent when possible
     * (after UNDO_SECONDS, while it may be taken back, see undo). The `note`
     * of the card rides on the visit; when the agent changed it, it is the
     * apartment's note too (a note event, queued first). */
    async record(apartment, values, note = apartment.note || "") {
        if (note.trim() !== (apartment.note || "").trim()) {
            await this.addNote(apartment, note);
        }
        const before = this.apartment(apartment.id);
        const event = await this.queue.add(visitEvent(apartment.id, values, {note, position: await currentPosition()}));
        // labelled before the knock replaces the apartments (which rebuilds the index)
        const label = this.eventLabel(event);
        this.reapplyPending([event]);
        this.state.lastKnock = {uuid: event.uuid, apartment: before, label, until: event.hold_until};
        await this.refreshQueue();
        this.sync();
        this.scheduleAfterHold(event.hold_until);
        return event;
    }

    /** The last knock taken back, while it is held (not sent): the door
     * shows what it showed before. */
    async undo() {
        const knock = this.state.lastKnock;
        if (!knock || knock.until < Date.now()) {
            this.state.lastKnock = null;
            return false;
        }
        await this.queue.remove(knock.uuid);
        this.state.lastKnock = null;
        const apartments = this.state.apartments.map((a) => (a.id === knock.apartment.id ? knock.apartment : a));
        this.assign({apartments: mergeApartments(apartments, [], await this.queue.pending())});
        await this.refreshQueue();
        return true;
    }

    /** The undo offer is over: the knock goes with the next sync. */
    forgetLastKnock() {
        this.state.lastKnock = null;
    }

    scheduleAfterHold(until) {
        clearTimeout(this.holdTimer);
        this.holdTimer = setTimeout(
            () => {
                if (this.state.lastKnock && this.state.lastKnock.until <= Date.now()) {
                    this.state.lastKnock = null;
                }
                this.sync();
            },
            Math.max(0, until - Date.now()) + 50
        );
    }

    async saveNote(apartment, note) {
        const event = await this.addNote(apartment, note);
        await this.refreshQueue();
        this.sync();
        return event;
    }

    /** The apartment's note, queued and shown at once. */
    async addNote(apartment, note) {
        const event = await this.queue.add(noteEvent(apartment.id, note));
        this.assign({apartments: this.state.apartments.map((a) => (a.id === apartment.id ? {...a, note} : a))});
        return event;
    }

    /** The agent's fixes of their lead (only the fields that changed),
     * queued, and with `submit` the lead sent to the supervisor. */
    async saveLead(lead, values, {submit = false} = {}) {
        const fixes = {};
        const current = {contact_name: lead.contactName, phone: lead.phone, service: lead.service};
        for (const [field, value] of Object.entries(values)) {
            if (value !== current[field]) {
                fixes[field] = value;
            }
        }
        const event = await this.queue.add(leadEvent(lead.id, fixes, {submit}));
        await this.refreshQueue();
        this.sync();
        return event;
    }

    /** A refused or quarantined event sent again, with the agent's
     * corrections of the fields of its kind (see events.js). */
    async retry(event, values = {}) {
        await this.queue.retry(event.uuid, corrections(event, values));
        this.reapplyPending(await this.queue.pending()); // a corrected note shows at once
        await this.refreshQueue();
        this.sync();
    }

    /** A refused or quarantined event given up, by the agent's choice. */
    async discard(event) {
        await this.queue.remove(event.uuid);
        await this.refreshQueue();
    }

    /** The client's phone as the server will take it: {phone} in E.164
     * form, or {error} in the agent's words (the rules of core/phone.js,
     * the server's own). */
    checkPhone(text) {
        const {phone, error} = normalisePhone(text || "");
        if (phone) {
            return {phone};
        }
        return {error: error === "empty" ? this.t.phone_required : this.t.phone_invalid};
    }

    // ------------------------------------------------------------------
    // The territory as the screens read it
    // ------------------------------------------------------------------

    // The readers below take the state as the calling component observes it
    // (useAgent): reading it through there makes the component render again
    // when the lists change.

    apartment(id, state = this.state) {
        return this.index(state).apartmentById.get(id);
    }

    house(id, state = this.state) {
        return this.index(state).houseById.get(id);
    }

    /** Lookups of the territory (see core/territory_index.js), computed
     * once per change of its lists; a change of a few apartments (a knock)
     * patches the previous index instead of building it again. */
    index(state = this.state) {
        const inputs = [state.houses, state.entrances, state.apartments];
        const cached = this.memo.get("index");
        if (cached && cached.inputs.every((input, i) => input === inputs[i])) {
            return cached.value;
        }
        if (cached && cached.inputs[0] === inputs[0] && cached.inputs[1] === inputs[1]) {
            const patched = patchIndex(cached.value, cached.inputs[2], inputs[2]);
            if (patched) {
                this.memo.set("index", {inputs, value: patched});
                return patched;
            }
        }
        return this.memoize("index", inputs, buildIndex);
    }

    /** The agent's leads with their lead events not sent yet on top (see
     * applyLeadEvents). */
    myLeads(state = this.state) {
        return this.memoize("leads", [state.leads, state.events], applyLeadEvents);
    }

    /** The event as the agent knows it: the apartment or lead, and what was done. */
    eventLabel(event) {
        if (event.lead_id) {
            const lead = this.state.leads.find((l) => l.id === event.lead_id);
            const what = event.type === LEAD_SUBMIT ? this.t.submit_lead : this.t.save_lead;
            return `${lead ? lead.name : ""} (${what})`;
        }
        const apartment = this.apartment(event.apartment_id);
        const house = apartment && this.house(apartment.houseId);
        const where = apartment ? `${house ? house.name : ""}, ${this.t.apartment} ${apartment.number}` : "";
        const what = event.type === NOTE ? this.t.note : this.resultLabel(event.result);
        return `${where} (${what})`;
    }

    // ------------------------------------------------------------------
    // Where the agent is
    // ------------------------------------------------------------------

    go(tab) {
        Object.assign(this.ui, {tab, houseId: null, apartmentId: null, leadId: null});
    }

    openHouse(houseId) {
        Object.assign(this.ui, {tab: "houses", houseId, apartmentId: null});
    }

    /** An apartment opened from a list (`tab`, default: where the agent is):
     * closing it comes back to that list. */
    openApartment(apartment) {
        this.ui.houseId = apartment.houseId;
        this.ui.apartmentId = apartment.id;
    }

    closeApartment() {
        this.ui.apartmentId = null;
    }

    openLead(leadId) {
        this.ui.leadId = leadId;
    }

    closeLead() {
        this.ui.leadId = null;
    }

    // ------------------------------------------------------------------
    // Sync
    // ------------------------------------------------------------------

    onOnline() {
        this.state.online = true;
        this.schedule.reset();
        this.sync();
    }

    /** Send what waits (in batches), take the changes; safe to repeat, and
     * one sync at a time: a call during a sync gets another one right after
     * it (an event recorded meanwhile is not left for the next period). */
    sync() {
        if (!this.queue || this.stopped) {
            return Promise.resolve();
        }
        if (this.running) {
            this.again = true;
            return this.running;
        }
        this.running = this._sync().finally(() => {
            this.running = null;
            if (this.again) {
                this.again = false;
                this.sync();
            }
        });
        return this.running;
    }

    async _sync() {
        clearTimeout(this.timer);
        this.state.syncing = true;
        let delay;
        try {
            if (!this.data) {
                await this.fetchSnapshot();
            }
            await sendPending(
                this.queue,
                (events) => this.sendEvents(events),
                (answer) => this.receive(answer)
            );
            this.markSynced();
            delay = this.schedule.succeeded();
        } catch (error) {
            this.noteFailure(error);
            delay = this.schedule.failed();
        } finally {
            this.state.syncing = false;
            await this.refreshQueue();
            this.scheduleNext(delay);
        }
    }

    async sendEvents(events) {
        return this.rpc("/d2d/agent/sync", {
            uid: this.session.uid,
            device_id: await this.deviceId(),
            token: await this.queue.get("token"),
            events,
        });
    }

    /** One answer of the server: the events settled, the changes merged. */
    async receive(answer) {
        const token = await this.queue.get("token");
        const accepted = await this.queue.settle(answer);
        await this.queue.set("token", answer.token);
        if (token && answer.token.houses !== token.houses) {
            await this.fetchSnapshot(); // the territory itself changed
        } else {
            await this.applyChanges(answer.changes, accepted);
        }
        await this.refreshQueue();
    }

    /** The server's changes (made elsewhere) and the tablet's own events it
     * just `accepted` merged into the local state. */
    async applyChanges(changes, accepted = []) {
        const pending = await this.queue.pending();
        const s = this.state;
        const agents = changes.agents && changes.agents.length;
        this.assign({
            apartments: mergeApartments(s.apartments, changes.apartments || [], [...accepted, ...pending]),
            visits: mergeHistory(s.visits, [...(changes.visits || []), ...ownHistoryRows(accepted, this.session.uid)]),
            agents: agents ? {...s.agents, ...Object.fromEntries(changes.agents)} : s.agents,
            leads: mergeLeads(s.leads, changes.leads || []),
        });
        const kept = forgetRemoved(s, changes.removed);
        this.assign(kept);
        await this.persist();
    }

    async persist() {
        const s = this.state;
        const data = Object.fromEntries(TERRITORY.map((name) => [name, s[name]]));
        this.data = data;
        // IndexedDB stores plain objects (the lists are not proxies: markRaw)
        await this.queue.set("state", data);
    }

    markSynced() {
        Object.assign(this.state, {online: true, error: null, expired: false, lastSync: Date.now()});
        this.queue.set("lastSync", this.state.lastSync);
    }

    noteFailure(error) {
        if (error.expired) {
            const message = error.message === this.t.other_user ? error.message : this.t.session_expired;
            Object.assign(this.state, {online: true, expired: true, error: message});
        } else if (error.server) {
            // the network works: the server answered, with an error
            Object.assign(this.state, {online: true, error: `${this.t.server_error}: ${error.message}`});
        } else if (error.offline) {
            this.state.online = false;
        } else {
            this.state.error = error.message;
        }
    }

    scheduleNext(seconds) {
        clearTimeout(this.timer);
        if (!this.stopped) {
            this.timer = setTimeout(() => this.sync(), seconds * 1000);
        }
    }

    /** Sign out to let another agent sign in. The app's cached page (which
     * holds this agent's name) is dropped so that no one opens it offline
     * in this agent's name; the events stay, kept for this agent. */
    async switchUser() {
        if (!this.state.online) {
            this.state.error = this.t.switch_offline;
            return false;
        }
        this.stop();
        if (window.caches) {
            const names = await window.caches.keys();
            await Promise.all(names.filter((n) => n.startsWith(APP_CACHE_PREFIX)).map((n) => window.caches.delete(n)));
        }
        window.location.assign(LOGOUT_URL);
        return true;
    }

    signIn() {
        window.location.assign(LOGIN_URL);
    }

    async deviceId() {
        let id = await this.queue.get("device");
        if (!id) {
            id = newUuid();
            await this.queue.set("device", id);
        }
        return id;
    }
}

export {UNDO_SECONDS};

/** The agent service of the app's environment (main.js puts it there): the
 * components reach the state and the sync through this hook, never through
 * props. Returns {agent, state, ui}: the service, and its state and place in
 * the app as the calling component observes them (it renders again when
 * what it read of them changes). Components read `this.state`, not
 * `this.agent.state` (which no component observes). */
export function useAgent() {
    const agent = useEnv().agent;
    return {agent, state: useState(agent.state), ui: useState(agent.ui), t: agent.t};
}
