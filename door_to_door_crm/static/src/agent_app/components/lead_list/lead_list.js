/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";
import {VirtualList} from "../virtual_list/virtual_list";

const ROW_HEIGHT = 84;

/** How much a lead needs the agent, most first: refused by the server,
 * returned by the supervisor, not submitted yet, then the others (sent and
 * waiting, at review, further on). */
export function leadUrgency(lead) {
    if (lead.refused) {
        return 0;
    }
    if (lead.code === "new" && lead.waiting !== "review") {
        return lead.returnReason ? 1 : 2;
    }
    return 3;
}

/** The leads in the order they need the agent; of the same need, the
 * installation soonest, then the newest. */
export function sortLeads(leads) {
    return [...leads].sort(
        (a, b) =>
            leadUrgency(a) - leadUrgency(b) ||
            (a.installation || Infinity) - (b.installation || Infinity) ||
            (b.created || 0) - (a.created || 0) ||
            b.id - a.id
    );
}

/** The agent's leads: what needs them first, with the step, the
 * installation date and a tap-to-call link; a tap opens the lead. */
export class LeadList extends Component {
    static template = "door_to_door_crm.LeadList";
    static components = {VirtualList};
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.rowHeight = ROW_HEIGHT;
    }

    get rows() {
        return this.agent.memoize("leadRows", [this.agent.myLeads(this.state)], (leads) =>
            sortLeads(leads).map((lead) => ({key: lead.id, lead, urgency: leadUrgency(lead)}))
        );
    }

    formatDate(ms) {
        return new Date(ms).toLocaleDateString();
    }
}
