/** @odoo-module */
import {Component, reactive, useState, xml} from "@odoo/owl";
import {
    DB_NAME,
    EventQueue,
    SyncSchedule,
    decodeSnapshot,
    forgetRemoved,
    mergeApartments,
    mergeHistory,
    mergeLeads,
    newUuid,
    openDatabase,
    ownHistoryRows,
    sendPending,
} from "./queue";
import {SNAPSHOT_TIMEOUT, jsonRpc} from "./rpc";
import {MyRank} from "./my_rank";
import {currentPosition} from "./position";

const COMPETITOR = "competitor";
const LEAD = "lead";
const POTENTIAL = ["closed", "competitor", "refusal"];
// The service worker's caches are named so (static/src/agent_sw/sw.js).
const APP_CACHE_PREFIX = "d2d-agent";

const LOGIN_URL = "/web/login?redirect=%2Fd2d%2Fagent";
const LOGOUT_URL = "/web/session/logout?redirect=%2Fd2d%2Fagent";
// The text fields of a refused event that the agent may correct.
const CORRECTABLE = ["note", "contact_name", "phone"];
// Words the server's strings may not hold yet (a page cached before an
// upgrade, or a translation not made): English until they come.
const FALLBACK_STRINGS = {
    server_error: "Server error",
    quarantined: "The server could not take this event",
    retry: "Send again",
    discard: "Discard",
};

/** The state of the app: the territory in memory and in IndexedDB, the
 * queue of events, the sync loop (on start, on reconnect, when the tablet
 * wakes up, every minute, and after failures with a back-off of at most a
 * minute, see SyncSchedule). */
export class AgentModel {
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
            events: [],
            houses: [],
            entrances: [],
            apartments: [],
            visits: [],
            agents: {},
            leads: [],
            competitors: [],
            error: null,
            expired: false,
        });
        this.data = null;
        this.schedule = new SyncSchedule();
        this.timer = null;
        this.running = null;
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
        Object.assign(this.state, {
            houses: data.houses,
            entrances: data.entrances,
            apartments: data.apartments,
            visits: data.visits,
            agents: data.agents,
            leads: data.leads,
            competitors: data.competitors,
        });
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
        this.state.events = events;
        this.state.pending = events.filter((e) => e.state === "pending").length;
        // refused by the server, or quarantined: waiting for the agent
        this.state.rejected = events.filter((e) => e.state !== "pending");
        this.state.othersPending = await this.queue.othersPending();
        return events;
    }

    reapplyPending(pending) {
        this.state.apartments = mergeApartments(this.state.apartments, [], pending);
    }

    /** One door logged: stored first, shown at once, sent when possible.
     * The `note` of the card rides on the visit; when the agent changed it,
     * it is the apartment's note too (a note event, queued first). */
    async record(apartment, values, note = apartment.note || "") {
        if (note.trim() !== (apartment.note || "").trim()) {
            await this.addNote(apartment, note);
        }
        const time = Date.now();
        const event = {
            type: "visit",
            uuid: newUuid(),
            apartment_id: apartment.id,
            time,
            note: note.trim() || false,
            ...(await currentPosition()),
            ...values,
        };
        await this.queue.add(event);
        this.reapplyPending([event]);
        await this.refreshQueue();
        this.sync();
        return event;
    }

    async saveNote(apartment, note) {
        const event = await this.addNote(apartment, note);
        await this.refreshQueue();
        this.sync();
        return event;
    }

    /** The apartment's note, queued and shown at once. */
    async addNote(apartment, note) {
        const event = {type: "note", uuid: newUuid(), apartment_id: apartment.id, note, time: Date.now()};
        await this.queue.add(event);
        const index = this.state.apartments.findIndex((a) => a.id === apartment.id);
        if (index >= 0) {
            this.state.apartments[index] = {...this.state.apartments[index], note};
        }
        return event;
    }

    /** A refused or quarantined event sent again, with the agent's
     * corrections of its text fields. */
    async retry(event, corrections = {}) {
        const changed = Object.fromEntries(
            Object.entries(corrections).filter(
                ([field, value]) => CORRECTABLE.includes(field) && value !== (event[field] || "")
            )
        );
        await this.queue.retry(event.uuid, changed);
        this.reapplyPending(await this.queue.pending()); // a corrected note shows at once
        await this.refreshQueue();
        this.sync();
    }

    /** A refused or quarantined event given up, by the agent's choice. */
    async discard(event) {
        await this.queue.remove(event.uuid);
        await this.refreshQueue();
    }

    /** The event as the agent knows it: the apartment and what was done. */
    eventLabel(event) {
        const apartment = this.state.apartments.find((a) => a.id === event.apartment_id);
        const house = apartment && this.state.houses.find((h) => h.id === apartment.houseId);
        const where = apartment ? `${house ? house.name : ""}, ${this.t.apartment} ${apartment.number}` : "";
        const what = event.type === "note" ? this.t.note : this.resultLabel(event.result);
        return `${where} (${what})`;
    }

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
            await sendPending(this.queue, (events) => this.sendEvents(events), (answer) => this.receive(answer));
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
        s.apartments = mergeApartments(s.apartments, changes.apartments, [...accepted, ...pending]);
        s.visits = mergeHistory(s.visits, [...changes.visits, ...ownHistoryRows(accepted, this.session.uid)]);
        s.agents = {...s.agents, ...Object.fromEntries(changes.agents)};
        s.leads = mergeLeads(s.leads, changes.leads);
        Object.assign(s, forgetRemoved(s, changes.removed));
        await this.persist();
    }

    async persist() {
        const s = this.state;
        const data = {
            houses: s.houses,
            entrances: s.entrances,
            apartments: s.apartments,
            visits: s.visits,
            agents: s.agents,
            leads: s.leads,
            competitors: s.competitors,
        };
        this.data = data;
        // IndexedDB stores plain objects, not OWL's reactive proxies
        await this.queue.set("state", JSON.parse(JSON.stringify(data)));
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

/** Always on top: online or not, events waiting, last sync, sync now, and
 * who is signed in (with the way to switch user). */
export class SyncBar extends Component {
    static props = {model: Object};
    static template = xml`
        <div class="o_d2d_syncbar" t-att-class="state.online ? 'is-online' : 'is-offline'">
            <span class="o_d2d_dot"/>
            <span class="o_d2d_network" t-esc="state.online ? t.online : t.offline"/>
            <span class="o_d2d_pending"><t t-esc="state.pending"/> <t t-esc="t.waiting"/></span>
            <span class="o_d2d_last"><t t-esc="t.last_sync"/>: <t t-esc="lastSync"/></span>
            <button class="o_d2d_sync_now" t-on-click="() => props.model.sync()" t-att-disabled="state.syncing">
                <t t-esc="state.syncing ? t.syncing : t.sync_now"/>
            </button>
            <span class="o_d2d_user" t-esc="props.model.session.name"/>
            <button class="o_d2d_switch_user" t-on-click="() => props.model.switchUser()" t-esc="t.switch_user"/>
        </div>`;
    setup() {
        this.state = useState(this.props.model.state);
    }
    get t() {
        return this.props.model.t;
    }
    get lastSync() {
        return this.state.lastSync ? new Date(this.state.lastSync).toLocaleTimeString() : this.t.never;
    }
}

/** An apartment: one tap per result, the lead form, the note, the history. */
export class ApartmentCard extends Component {
    static props = {model: Object, apartment: Object, close: Function};
    static template = xml`
        <div class="o_d2d_apartment">
            <button class="o_d2d_back" t-on-click="props.close" t-esc="t.back"/>
            <h2><t t-esc="t.apartment"/> <t t-esc="props.apartment.number"/>
                <small> · <t t-esc="t.floor"/> <t t-esc="props.apartment.floor"/></small></h2>
            <div class="o_d2d_results">
                <button t-foreach="results" t-as="result" t-key="result[0]"
                        t-att-class="'o_d2d_result o_d2d_status_' + result[0]"
                        t-att-data-result="result[0]"
                        t-on-click="() => this.choose(result[0])" t-esc="result[1]"/>
            </div>
            <div t-if="ui.form === 'competitor'" class="o_d2d_form">
                <div t-esc="t.which_competitor"/>
                <button t-foreach="state.competitors" t-as="competitor" t-key="competitor.id"
                        class="o_d2d_competitor" t-on-click="() => this.log('competitor', {competitor_id: competitor.id})"
                        t-esc="competitor.name"/>
            </div>
            <div t-if="ui.form === 'lead'" class="o_d2d_form o_d2d_lead_form">
                <input name="contact_name" t-att-placeholder="t.client_name" t-model="ui.lead.contact_name"/>
                <input name="phone" type="tel" t-att-placeholder="t.phone" t-model="ui.lead.phone"/>
                <select name="service" t-model="ui.lead.service">
                    <option value="internet" t-esc="t.internet"/>
                    <option value="tv" t-esc="t.tv"/>
                    <option value="internet_tv" t-esc="t.internet_tv"/>
                </select>
                <div t-if="ui.leadError" class="o_d2d_error o_d2d_lead_error" t-esc="ui.leadError"/>
                <button class="o_d2d_save_lead" t-on-click="() => this.logLead()" t-esc="t.save_lead"/>
                <button class="o_d2d_cancel" t-on-click="() => (this.ui.form = null)" t-esc="t.cancel"/>
            </div>
            <textarea class="o_d2d_note" t-att-placeholder="t.note" t-model="ui.note"/>
            <button class="o_d2d_save_note" t-on-click="() => this.saveNote()" t-esc="t.save_note"/>
            <h3 t-esc="t.history"/>
            <div t-if="!history.length" class="o_d2d_history_empty" t-esc="t.no_history"/>
            <div t-foreach="history" t-as="line" t-key="line.key" class="o_d2d_history_line"
                 t-att-class="{'is-pending': line.state === 'pending', 'is-rejected': line.reason}">
                <span class="o_d2d_history_time" t-esc="formatDate(line.time)"/>
                <span t-attf-class="o_d2d_badge o_d2d_status_#{line.result}" t-esc="resultLabel(line.result)"/>
                <span class="o_d2d_history_agent" t-esc="line.agent"/>
                <em t-if="line.state === 'pending'" t-esc="t.pending"/>
                <em t-if="line.state === 'rejected'"><t t-esc="t.rejected"/>: <t t-esc="line.reason"/></em>
                <em t-if="line.state === 'quarantined'"><t t-esc="t.quarantined"/>: <t t-esc="line.reason"/></em>
            </div>
        </div>`;

    setup() {
        this.state = useState(this.props.model.state);
        this.t = this.props.model.t;
        this.results = this.props.model.session.results;
        this.ui = useState({
            form: null,
            note: this.props.apartment.note || "",
            leadError: null,
            lead: emptyLead(),
        });
    }
    /** The apartment's visits, newest first: the server's history and this
     * tablet's events not sent yet or refused; of two in the same second,
     * the later in the lists (which come oldest first) is the newer. */
    get history() {
        const id = this.props.apartment.id;
        const agents = this.state.agents;
        const lines = this.state.visits
            .filter((visit) => visit.apartmentId === id)
            .map((visit) => ({
                key: `${visit.time}/${visit.result}/${visit.agentId}`,
                time: visit.time,
                result: visit.result,
                agent: agents[visit.agentId] || "",
                state: "done",
            }));
        for (const event of this.state.events) {
            if (event.apartment_id === id && event.type === "visit") {
                lines.push({
                    key: event.uuid,
                    time: event.time,
                    result: event.result,
                    agent: this.props.model.session.name,
                    state: event.state,
                    reason: event.reason,
                });
            }
        }
        const order = new Map(lines.map((line, index) => [line, index]));
        return lines.sort((a, b) => b.time - a.time || order.get(b) - order.get(a));
    }
    choose(result) {
        if (result === COMPETITOR || result === LEAD) {
            this.ui.form = result;
        } else {
            this.log(result, {});
        }
    }
    async log(result, values) {
        await this.props.model.record(this.props.apartment, {result, ...values}, this.ui.note);
        this.props.close();
    }
    logLead() {
        const {contact_name, phone, service} = this.ui.lead;
        if (!phone.trim()) {
            this.ui.leadError = this.t.phone_required;
            return;
        }
        return this.log(LEAD, {contact_name, phone, service});
    }
    async saveNote() {
        await this.props.model.saveNote(this.props.apartment, this.ui.note);
    }
    resultLabel(code) {
        return this.props.model.resultLabel(code);
    }
    formatDate(ms) {
        return formatDate(ms);
    }
}

function formatDate(ms) {
    return new Date(ms).toLocaleString();
}

function emptyLead() {
    return {contact_name: "", phone: "", service: "internet"};
}

/** An event the server refused (with its reason) or could not take
 * (quarantined, with the server's error): what the agent typed is kept, may
 * be corrected and sent again, or discarded. */
export class RefusedEvent extends Component {
    static props = {model: Object, event: Object};
    static template = xml`
        <div class="o_d2d_rejected" t-att-data-uuid="event.uuid" t-att-data-state="event.state">
            <div class="o_d2d_rejected_head">
                <strong t-esc="event.state === 'quarantined' ? t.quarantined : t.rejected"/>:
                <t t-esc="props.model.eventLabel(event)"/>
            </div>
            <div class="o_d2d_rejected_reason" t-esc="event.reason"/>
            <t t-if="event.result === 'lead'">
                <input name="contact_name" t-att-placeholder="t.client_name" t-model="edit.contact_name"/>
                <input name="phone" type="tel" t-att-placeholder="t.phone" t-model="edit.phone"/>
            </t>
            <textarea name="note" t-att-placeholder="t.note" t-model="edit.note"/>
            <button class="o_d2d_retry" t-on-click="() => props.model.retry(event, edit)" t-esc="t.retry"/>
            <button class="o_d2d_discard" t-on-click="() => props.model.discard(event)" t-esc="t.discard"/>
        </div>`;

    setup() {
        this.t = this.props.model.t;
        const {note, contact_name, phone} = this.props.event;
        this.edit = useState({note: note || "", contact_name: contact_name || "", phone: phone || ""});
    }
    get event() {
        return this.props.event;
    }
}

export class AgentApp extends Component {
    static props = {model: Object};
    static components = {SyncBar, ApartmentCard, RefusedEvent, MyRank};
    static template = xml`
        <div class="o_d2d_agent">
            <SyncBar model="props.model"/>
            <div t-if="state.error" class="o_d2d_error">
                <t t-esc="state.error"/>
                <button t-if="state.expired" class="o_d2d_sign_in" t-on-click="() => props.model.signIn()" t-esc="t.sign_in"/>
            </div>
            <div t-if="state.othersPending" class="o_d2d_others" t-esc="othersPendingText"/>
            <RefusedEvent t-foreach="state.rejected" t-as="event" t-key="event.uuid + event.reason"
                          model="props.model" event="event"/>
            <nav class="o_d2d_tabs">
                <button t-att-class="{active: ui.tab === 'houses'}" t-on-click="() => this.go('houses')" t-esc="t.houses"/>
                <button t-att-class="{active: ui.tab === 'leads'}" t-on-click="() => this.go('leads')" t-esc="t.leads"/>
                <button t-att-class="{active: ui.tab === 'potential'}" t-on-click="() => this.go('potential')" t-esc="t.potential"/>
                <button t-att-class="{active: ui.tab === 'rank'}" t-on-click="() => this.go('rank')" t-esc="t.my_rank"/>
            </nav>
            <div t-if="!state.houses.length" class="o_d2d_empty" t-esc="t.no_data"/>
            <ApartmentCard t-if="openApartmentRecord" model="props.model" apartment="openApartmentRecord"
                           close="() => this.closeApartment()" t-key="ui.apartmentId"/>
            <t t-elif="ui.tab === 'houses' and !openHouseRecord">
                <input class="o_d2d_search" t-att-placeholder="t.search" t-model="ui.search"/>
                <div t-foreach="houseRows" t-as="row" t-key="row.house.id" class="o_d2d_house"
                     t-on-click="() => this.openHouse(row.house)">
                    <span class="o_d2d_house_name" t-esc="row.house.name"/>
                    <span class="o_d2d_progress"><t t-esc="row.visited"/> / <t t-esc="row.total"/> · <t t-esc="row.leads"/> ★</span>
                </div>
            </t>
            <t t-elif="ui.tab === 'houses' and openHouseRecord">
                <button class="o_d2d_back" t-on-click="() => (this.ui.houseId = null)" t-esc="t.back"/>
                <h2 t-esc="openHouseRecord.name"/>
                <div class="o_d2d_map">
                    <div t-foreach="entrancesOf(openHouseRecord)" t-as="entrance" t-key="entrance.id" class="o_d2d_entrance">
                        <div class="o_d2d_entrance_head">
                            <t t-esc="t.entrance"/> <t t-esc="entrance.number"/>
                            <small t-if="entrance.intercom"> · <t t-esc="t.intercom"/> <t t-esc="entrance.intercom"/></small>
                        </div>
                        <div t-foreach="floorsOf(entrance)" t-as="floor" t-key="floor.floor" class="o_d2d_floor">
                            <button t-foreach="floor.apartments" t-as="apartment" t-key="apartment.id"
                                    t-att-class="'o_d2d_cell o_d2d_status_' + apartment.status"
                                    t-att-data-number="apartment.number"
                                    t-on-click="() => this.openApartment(apartment)" t-esc="apartment.number"/>
                        </div>
                    </div>
                </div>
            </t>
            <t t-elif="ui.tab === 'leads'">
                <div t-foreach="state.leads" t-as="lead" t-key="lead.id" class="o_d2d_lead">
                    <div class="o_d2d_lead_name" t-esc="lead.name"/>
                    <div><span class="o_d2d_stage" t-esc="lead.stage"/>
                        <t t-if="lead.installation"> · <t t-esc="t.installation"/>: <t t-esc="formatDate(lead.installation)"/></t></div>
                </div>
            </t>
            <t t-elif="ui.tab === 'potential'">
                <div t-foreach="potential" t-as="apartment" t-key="apartment.id" class="o_d2d_house"
                     t-on-click="() => this.openApartment(apartment)">
                    <span t-esc="apartmentLabel(apartment)"/>
                    <span t-attf-class="o_d2d_badge o_d2d_status_#{apartment.status}" t-esc="resultLabel(apartment.status)"/>
                </div>
            </t>
            <t t-elif="ui.tab === 'rank'">
                <MyRank model="props.model"/>
            </t>
        </div>`;

    setup() {
        this.state = useState(this.props.model.state);
        this.t = this.props.model.t;
        this.ui = useState({tab: "houses", search: "", houseId: null, apartmentId: null});
    }

    // (not named "house" nor "apartment": the template's loops use those names)
    get openHouseRecord() {
        return this.state.houses.find((h) => h.id === this.ui.houseId);
    }
    get openApartmentRecord() {
        return this.ui.apartmentId && this.state.apartments.find((a) => a.id === this.ui.apartmentId);
    }
    get othersPendingText() {
        return this.t.others_waiting.replace("%(count)s", this.state.othersPending);
    }
    go(tab) {
        Object.assign(this.ui, {tab, houseId: null, apartmentId: null});
    }
    get houseRows() {
        const search = this.ui.search.trim().toLowerCase();
        const stats = new Map(this.state.houses.map((h) => [h.id, {house: h, total: 0, visited: 0, leads: 0}]));
        for (const apartment of this.state.apartments) {
            const row = stats.get(apartment.houseId);
            if (row) {
                row.total += 1;
                row.visited += apartment.status !== "none" ? 1 : 0;
                row.leads += apartment.status === LEAD ? 1 : 0;
            }
        }
        return [...stats.values()]
            .filter((row) => !search || row.house.name.toLowerCase().includes(search))
            .sort((a, b) => b.total - b.visited - (a.total - a.visited));
    }
    get potential() {
        return this.state.apartments.filter((a) => POTENTIAL.includes(a.status) && !a.leadId);
    }
    entrancesOf(house) {
        return this.state.entrances.filter((e) => e.houseId === house.id).sort((a, b) => a.number - b.number);
    }
    floorsOf(entrance) {
        const floors = new Map();
        for (const apartment of this.state.apartments) {
            if (apartment.entranceId === entrance.id) {
                if (!floors.has(apartment.floor)) {
                    floors.set(apartment.floor, []);
                }
                floors.get(apartment.floor).push(apartment);
            }
        }
        return [...floors.entries()]
            .sort((a, b) => b[0] - a[0])
            .map(([floor, apartments]) => ({
                floor,
                apartments: apartments.sort((a, b) => a.number - b.number),
            }));
    }
    openHouse(house) {
        this.ui.houseId = house.id;
    }
    openApartment(apartment) {
        Object.assign(this.ui, {houseId: apartment.houseId, apartmentId: apartment.id});
    }
    closeApartment() {
        this.ui.apartmentId = null;
    }
    apartmentLabel(apartment) {
        const house = apartment && this.state.houses.find((h) => h.id === apartment.houseId);
        return apartment ? `${house ? house.name : ""}, ${this.t.apartment} ${apartment.number}` : "";
    }
    resultLabel(code) {
        return this.props.model.resultLabel(code);
    }
    formatDate(ms) {
        return formatDate(ms);
    }
}
