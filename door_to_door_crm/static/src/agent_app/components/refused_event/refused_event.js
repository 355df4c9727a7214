/** @odoo-module */
import {Component, useState} from "@odoo/owl";
import {LEAD_SUBMIT, LEAD_UPDATE, NOTE} from "../../core/events";
import {useAgent} from "../../services/agent_service";
import {SERVICES} from "../lead_card/lead_card";

/** An event the server refused (with its reason) or could not take
 * (quarantined, with the server's error): what the agent typed is kept, may
 * be corrected (the phone checked as before the card closed) and sent
 * again, or discarded deliberately. */
export class RefusedEvent extends Component {
    static template = "door_to_door_crm.RefusedEvent";
    static props = {event: Object};

    setup() {
        Object.assign(this, useAgent());
        const {note, contact_name, phone, service} = this.props.event;
        this.edit = useState({
            note: note || "",
            contact_name: contact_name || "",
            phone: phone || "",
            service: service || "",
            error: null,
        });
        this.services = SERVICES;
    }

    get event() {
        return this.props.event;
    }

    /** The fields the agent can correct, by the event's kind. */
    get fields() {
        const event = this.event;
        if (event.type === LEAD_SUBMIT || event.type === LEAD_UPDATE) {
            return {client: true, note: false};
        }
        if (event.type === NOTE) {
            return {client: false, note: true};
        }
        return {client: event.result === "lead", note: true};
    }

    async resend() {
        const values = {};
        if (this.fields.note) {
            values.note = this.edit.note;
        }
        if (this.fields.client) {
            const {phone, error} = this.agent.checkPhone(this.edit.phone);
            if (error) {
                this.edit.error = error;
                return;
            }
            Object.assign(values, {contact_name: this.edit.contact_name, phone});
            if (this.edit.service) {
                values.service = this.edit.service;
            }
        }
        this.edit.error = null;
        await this.agent.retry(this.event, values);
    }
}
