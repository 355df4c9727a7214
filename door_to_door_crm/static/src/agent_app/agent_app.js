/** @odoo-module */
import { Component, onMounted, onWillStart, onWillUnmount, reactive, useState, xml } from "@odoo/owl";
import { EventQueue, backoff, mergeApartments, newUuid, openDatabase } from "./queue";

const COMPETITOR = "competitor";
const LEAD = "lead";
const POTENTIAL = ["closed", "competitor", "refusal"];

async function jsonRpc(url, params) {
    const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", params, id: Date.now() }),
    });
    if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
    }
    const body = await response.json();
    if (body.error) {
        const error = new Error(body.error.data?.message || body.error.message);
        error.refused = true;
        throw error;
    }
    return body.result;
}

/** The state of the app: snapshot in memory, queue in IndexedDB, sync loop. */
export class AgentModel {
    constructor(session) {
        this.session = session;
        this.t = session.strings;
        this.state = reactive({
            online: navigator.onLine,
            syncing: false,
            lastSync: null,
            pending: 0,
            rejected: [],
            houses: [],
            entrances: [],
            apartments: [],
            leads: [],
            competitors: [],
            error: null,
        });
        this.failures = 0;
        this.timer = null;
    }

    async start() {
        this.queue = new EventQueue(await openDatabase(), this.session.uid);
        const snapshot = await this.queue.get("snapshot");
        if (snapshot) {
            this.load(snapshot);
        }
        this.state.lastSync = (await this.queue.get("lastSync")) || null;
        await this.refreshQueue();
        window.addEventListener("online", () => this.onOnline());
        window.addEventListener("offline", () => (this.state.online = false));
        if (!snapshot) {
            await this.fetchSnapshot();
        }
        this.sync();
    }

    load(snapshot) {
        this.snapshot = snapshot;
        const s = this.state;
        s.houses = snapshot.houses.map(([id, name, territoryId]) => ({ id, name, territoryId }));
        s.entrances = snapshot.entrances.map(([id, houseId, number, intercom]) => ({ id, houseId, number, intercom }));
        s.apartments = snapshot.apartments.map(([id, houseId, entranceId, floor, number, status, note, last, leadId]) => ({
            id, houseId, entranceId, floor, number, status, note, lastVisit: (last || 0) * 1000, leadId,
        }));
        s.leads = snapshot.leads.map((row) => this.leadFromRow(row));
        s.competitors = snapshot.competitors.map(([id, name]) => ({ id, name }));
    }

    leadFromRow([id, name, code, stage, apartmentId, phone, installation, active]) {
        return { id, name, code, stage, apartmentId, phone, installation: installation ? installation * 1000 : null, active };
    }

    async fetchSnapshot() {
        try {
            const snapshot = await jsonRpc("/d2d/agent/snapshot", {});
            await this.queue.set("snapshot", snapshot);
            await this.queue.set("token", snapshot.token);
            this.load(snapshot);
            this.reapplyPending(await this.queue.pending());
            this.markSynced();
        } catch (error) {
            this.noteFailure(error);
        }
    }

    async refreshQueue() {
        const events = await this.queue.all();
        this.state.pending = events.filter((e) => e.state === "pending").length;
        this.state.rejected = events.filter((e) => e.state === "rejected");
        return events;
    }

    reapplyPending(pending) {
        const visits = pending.filter((e) => e.type === "visit");
        this.state.apartments = mergeApartments(this.state.apartments, [], visits);
    }

    /** One door logged: stored first, shown at once, sent when possible. */
    async record(apartment, values) {
        const event = { type: "visit", uuid: newUuid(), apartment_id: apartment.id, time: Date.now(), ...values };
        await this.queue.add(event);
        this.reapplyPending([event]);
        await this.refreshQueue();
        this.sync();
        return event;
    }

    async saveNote(apartment, note) {
        await this.queue.add({ type: "note", uuid: newUuid(), apartment_id: apartment.id, note, time: Date.now() });
        apartment.note = note;
        await this.refreshQueue();
        this.sync();
    }

    async dismiss(event) {
        await this.queue.remove(event.uuid);
        await this.refreshQueue();
    }

    onOnline() {
        this.state.online = true;
        this.failures = 0;
        this.sync();
    }

    markSynced() {
        this.state.online = true;
        this.state.error = null;
        this.failures = 0;
        this.state.lastSync = Date.now();
        this.queue.set("lastSync", this.state.lastSync);
    }

    noteFailure(error) {
        this.failures += 1;
        if (error.refused) {
            this.state.error = error.message;
        } else {
            this.state.online = false;
        }
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.sync(), backoff(this.failures) * 1000);
    }

    /** Send what waits (in batches), take the changes; safe to repeat. */
    async sync() {
        if (this.state.syncing || !this.queue) {
            return;
        }
        this.state.syncing = true;
        try {
            if (!this.snapshot) {
                await this.fetchSnapshot();
            }
            const pending = await this.queue.pending();
            const events = pending.slice(0, 200).map(({ uid, state, reason, ...event }) => event);
            const token = await this.queue.get("token");
            const answer = await jsonRpc("/d2d/agent/sync", {
                uid: this.session.uid,
                device_id: await this.deviceId(),
                token,
                events,
            });
            await this.queue.settle(answer);
            await this.queue.set("token", answer.token);
            const left = await this.queue.pending();
            this.state.apartments = mergeApartments(this.state.apartments, answer.changes.apartments, left);
            for (const row of answer.changes.leads) {
                const lead = this.leadFromRow(row);
                const index = this.state.leads.findIndex((l) => l.id === lead.id);
                if (index >= 0) {
                    this.state.leads[index] = lead;
                } else {
                    this.state.leads.push(lead);
                }
            }
            await this.persist();
            this.markSynced();
            await this.refreshQueue();
            if (left.length && pending.length > events.length) {
                setTimeout(() => this.sync(), 0);
            }
        } catch (error) {
            this.noteFailure(error);
        } finally {
            this.state.syncing = false;
        }
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.sync(), backoff(this.failures || 1) * 12000);
    }

    async persist() {
        const s = this.state;
        const snapshot = {
            ...this.snapshot,
            apartments: s.apartments.map((a) => [
                a.id, a.houseId, a.entranceId, a.floor, a.number, a.status, a.note, Math.round(a.lastVisit / 1000), a.leadId,
            ]),
            leads: s.leads.map((l) => [
                l.id, l.name, l.code, l.stage, l.apartmentId, l.phone, l.installation && l.installation / 1000, l.active,
            ]),
        };
        this.snapshot = snapshot;
        await this.queue.set("snapshot", snapshot);
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

class SyncBar extends Component {
    static props = ["model"];
    static template = xml`
        <div class="o_d2d_syncbar" t-att-class="state.online ? 'is-online' : 'is-offline'">
            <span class="o_d2d_dot"/>
            <span t-esc="state.online ? t.online : t.offline"/>
            <span class="o_d2d_pending"><t t-esc="state.pending"/> <t t-esc="t.waiting"/></span>
            <span class="o_d2d_last"><t t-esc="t.last_sync"/>: <t t-esc="lastSync"/></span>
            <button class="o_d2d_sync_now" t-on-click="() => props.model.sync()" t-att-disabled="state.syncing">
                <t t-esc="state.syncing ? t.syncing : t.sync_now"/>
            </button>
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

export class AgentApp extends Component {
    static props = ["model"];
    static components = { SyncBar };
    static template = xml`
        <div class="o_d2d_agent">
            <SyncBar model="props.model"/>
            <div t-if="state.error" class="o_d2d_error" t-esc="state.error"/>
            <div t-foreach="state.rejected" t-as="event" t-key="event.uuid" class="o_d2d_rejected">
                <t t-esc="t.rejected"/>: <t t-esc="apartmentLabel(event.apartment_id)"/> — <t t-esc="event.reason"/>
                <button t-on-click="() => props.model.dismiss(event)" t-esc="t.dismiss"/>
            </div>
            <nav class="o_d2d_tabs">
                <button t-att-class="{active: ui.tab === 'houses'}" t-on-click="() => this.go('houses')" t-esc="t.houses"/>
                <button t-att-class="{active: ui.tab === 'leads'}" t-on-click="() => this.go('leads')" t-esc="t.leads"/>
                <button t-att-class="{active: ui.tab === 'potential'}" t-on-click="() => this.go('potential')" t-esc="t.potential"/>
            </nav>
            <div t-if="!state.houses.length" class="o_d2d_empty" t-esc="t.no_data"/>
            <t t-if="ui.tab === 'houses' and !ui.house">
                <input class="o_d2d_search" t-att-placeholder="t.search" t-model="ui.search"/>
                <div t-foreach="houseRows" t-as="row" t-key="row.house.id" class="o_d2d_house"
                     t-on-click="() => this.openHouse(row.house)">
                    <span class="o_d2d_house_name" t-esc="row.house.name"/>
                    <span class="o_d2d_progress"><t t-esc="row.visited"/> / <t t-esc="row.total"/> · <t t-esc="row.leads"/> ★</span>
                </div>
            </t>
            <t t-if="ui.tab === 'houses' and ui.house and !ui.apartment">
                <button class="o_d2d_back" t-on-click="() => (this.ui.house = null)" t-esc="t.back"/>
                <h2 t-esc="ui.house.name"/>
                <div class="o_d2d_map">
                    <div t-foreach="entrancesOf(ui.house)" t-as="entrance" t-key="entrance.id" class="o_d2d_entrance">
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
            <t t-if="ui.apartment">
                <button class="o_d2d_back" t-on-click="() => (this.ui.apartment = null)" t-esc="t.back"/>
                <h2><t t-esc="t.apartment"/> <t t-esc="ui.apartment.number"/></h2>
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
                    <button class="o_d2d_save_lead" t-on-click="() => this.logLead()" t-esc="t.save_lead"/>
                </div>
                <textarea class="o_d2d_note" t-att-placeholder="t.note" t-model="ui.note"/>
                <button class="o_d2d_save_note" t-on-click="saveNote" t-esc="t.save_note"/>
            </t>
            <t t-if="ui.tab === 'leads'">
                <div t-foreach="state.leads" t-as="lead" t-key="lead.id" class="o_d2d_lead">
                    <div class="o_d2d_lead_name" t-esc="lead.name"/>
                    <div><span class="o_d2d_stage" t-esc="lead.stage"/>
                        <t t-if="lead.installation"> · <t t-esc="t.installation"/>: <t t-esc="formatDate(lead.installation)"/></t></div>
                </div>
            </t>
            <t t-if="ui.tab === 'potential'">
                <div t-foreach="potential" t-as="apartment" t-key="apartment.id" class="o_d2d_house"
                     t-on-click="() => this.openApartment(apartment, true)">
                    <span t-esc="apartmentLabel(apartment.id)"/>
                    <span t-attf-class="o_d2d_badge o_d2d_status_#{apartment.status}" t-esc="resultLabel(apartment.status)"/>
                </div>
            </t>
        </div>`;

    setup() {
        this.state = useState(this.props.model.state);
        this.t = this.props.model.t;
        this.results = this.props.model.session.results;
        this.ui = useState({ tab: "houses", search: "", house: null, apartment: null, form: null, note: "",
                             lead: { contact_name: "", phone: "", service: "internet" } });
    }

    go(tab) {
        Object.assign(this.ui, { tab, house: null, apartment: null, form: null });
    }
    get houseRows() {
        const search = this.ui.search.trim().toLowerCase();
        const stats = new Map(this.state.houses.map((h) => [h.id, { house: h, total: 0, visited: 0, leads: 0 }]));
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
            .map(([floor, apartments]) => ({ floor, apartments: apartments.sort((a, b) => a.number - b.number) }));
    }
    openHouse(house) {
        this.ui.house = house;
    }
    openApartment(apartment, fromPotential = false) {
        if (fromPotential) {
            this.ui.house = this.state.houses.find((h) => h.id === apartment.houseId);
        }
        Object.assign(this.ui, { apartment, form: null, note: apartment.note || "" });
    }
    choose(result) {
        if (result === COMPETITOR || result === LEAD) {
            this.ui.form = result;
        } else {
            this.log(result, {});
        }
    }
    async log(result, values) {
        await this.props.model.record(this.ui.apartment, { result, note: this.ui.note || false, ...values });
        Object.assign(this.ui, { apartment: null, form: null, note: "",
                                 lead: { contact_name: "", phone: "", service: "internet" } });
    }
    logLead() {
        const { contact_name, phone, service } = this.ui.lead;
        return this.log(LEAD, { contact_name, phone, service });
    }
    async saveNote() {
        await this.props.model.saveNote(this.ui.apartment, this.ui.note);
    }
    apartmentLabel(apartmentId) {
        const apartment = this.state.apartments.find((a) => a.id === apartmentId);
        const house = apartment && this.state.houses.find((h) => h.id === apartment.houseId);
        return apartment ? `${house ? house.name : ""}, ${this.t.apartment} ${apartment.number}` : "";
    }
    resultLabel(code) {
        const result = this.results.find((r) => r[0] === code);
        return result ? result[1] : code;
    }
    formatDate(ms) {
        return new Date(ms).toLocaleString();
    }
}
