/** @odoo-module */
import {Component, useState} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";

// The services a client may ask for (d2d.visit SERVICES).
export const SERVICES = ["internet", "tv", "internet_tv"];

/** One of the agent's leads: the supervisor's reason when it came back,
 * the client's name, phone and service to fix, and the lead sent to the
 * supervisor, offline too (queued events, see events.js). */
export class LeadCard extends Component {
    static template = "door_to_door_crm.LeadCard";
    static props = {leadId: Number, close: Function};

    setup() {
        Object.assign(this, useAgent());
        this.services = SERVICES;
        const lead = this.lead;
        this.form = useState({
            contact_name: lead.contactName,
            phone: lead.phone,
            service: lead.service || "internet",
            error: null,
            saved: false,
        });
    }

    get lead() {
        return this.agent.myLeads(this.state).find((lead) => lead.id === this.props.leadId);
    }

    get apartment() {
        return this.lead.apartmentId && this.agent.apartment(this.lead.apartmentId, this.state);
    }

    get where() {
        const apartment = this.apartment;
        if (!apartment) {
            return "";
        }
        const house = this.agent.house(apartment.houseId, this.state);
        return `${house ? house.name : ""}, ${this.t.apartment} ${apartment.number}`;
    }

    /** The lead may go to the supervisor: at "new", not sent already. */
    get canSubmit() {
        return this.lead.code === "new" && this.lead.waiting !== "review";
    }

    async save(submit) {
        const {phone, error} = this.agent.checkPhone(this.form.phone);
        if (error) {
            this.form.error = error;
            return;
        }
        this.form.phone = phone;
        this.form.error = null;
        const values = {contact_name: this.form.contact_name.trim(), phone, service: this.form.service};
        await this.agent.saveLead(this.lead, values, {submit});
        this.form.saved = true;
        if (submit) {
            this.props.close();
        }
    }

    formatDate(ms) {
        return new Date(ms).toLocaleString();
    }
}
