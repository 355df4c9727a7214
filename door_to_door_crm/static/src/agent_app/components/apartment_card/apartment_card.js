/** @odoo-module */
import {Component, useState} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";
import {SERVICES} from "../lead_card/lead_card";

const COMPETITOR = "competitor";
const LEAD = "lead";

/** The text of a datetime-local input for the time `ms` (local time). */
export function localInputValue(ms) {
    if (!ms) {
        return "";
    }
    const date = new Date(ms);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An apartment: its history and note on top, and in the thumb's reach at
 * the bottom one tap per result (the lead's and the competitor's forms open
 * there, the chosen result shown selected), with "come back at" riding on
 * the knock. The phone of a lead is checked before the card closes: a
 * refused phone keeps the card open with what was typed. */
export class ApartmentCard extends Component {
    static template = "door_to_door_crm.ApartmentCard";
    static props = {apartmentId: Number, close: Function};

    setup() {
        Object.assign(this, useAgent());
        this.results = this.agent.session.results;
        this.services = SERVICES;
        this.form = useState({
            chosen: null,
            note: this.apartment.note || "",
            callback: "",
            error: null,
            lead: {contact_name: "", phone: "", service: "internet"},
        });
    }

    get apartment() {
        return this.agent.apartment(this.props.apartmentId, this.state);
    }

    get house() {
        return this.agent.house(this.apartment.houseId, this.state);
    }

    get entrance() {
        const entranceId = this.apartment.entranceId;
        return this.state.entrances.find((e) => e.id === entranceId);
    }

    /** The apartment's visits, newest first: the server's history and this
     * tablet's events not sent yet or refused; of two in the same second,
     * the later in the lists (which come oldest first) is the newer. */
    get history() {
        const id = this.props.apartmentId;
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
                    agent: this.agent.session.name,
                    state: event.state,
                    reason: event.reason,
                    callback: event.callback_at,
                });
            }
        }
        const order = new Map(lines.map((line, index) => [line, index]));
        return lines.sort((a, b) => b.time - a.time || order.get(b) - order.get(a));
    }

    choose(result) {
        this.form.error = null;
        if (result === COMPETITOR || result === LEAD) {
            this.form.chosen = this.form.chosen === result ? null : result;
        } else {
            this.log(result, {});
        }
    }

    /** The time the resident asked to come back (ms), or an error. */
    callbackValue() {
        if (!this.form.callback) {
            return {};
        }
        const time = new Date(this.form.callback).getTime();
        if (!Number.isFinite(time) || time <= Date.now()) {
            return {error: this.t.callback_past};
        }
        return {callback_at: time};
    }

    async log(result, values) {
        const {callback_at, error} = this.callbackValue();
        if (error) {
            this.form.error = error;
            return;
        }
        await this.agent.record(this.apartment, {result, ...values, callback_at}, this.form.note);
        this.props.close();
    }

    logLead() {
        const {contact_name, service} = this.form.lead;
        const {phone, error} = this.agent.checkPhone(this.form.lead.phone);
        if (error) {
            this.form.error = error;
            return;
        }
        this.form.lead.phone = phone;
        return this.log(LEAD, {contact_name: contact_name.trim(), phone, service});
    }

    async saveNote() {
        await this.agent.saveNote(this.apartment, this.form.note);
    }

    formatDate(ms) {
        return new Date(ms).toLocaleString();
    }
}
