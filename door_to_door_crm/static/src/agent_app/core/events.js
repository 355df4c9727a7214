/** @odoo-module */
// The kinds of events a tablet records and sends (/d2d/agent/sync, see
// models/d2d_agent_event.py for the server's checks). Each is stored first
// (queue.js), shown at once (merge.js), sent when the network allows:
//
// - visit: a knock on a door, with its result; a "lead" carries the client's
//   name, phone and service; any knock may carry `callback_at`, the time the
//   resident asked to come back (ms since the epoch);
// - note: the note of an apartment;
// - lead_update: the agent's fixes of their lead (client's name, phone,
//   service);
// - lead_submit: the same fixes, and the lead sent to the supervisor.
import {newUuid} from "./queue";

export const VISIT = "visit";
export const NOTE = "note";
export const LEAD_UPDATE = "lead_update";
export const LEAD_SUBMIT = "lead_submit";
export const EVENT_KINDS = [VISIT, NOTE, LEAD_UPDATE, LEAD_SUBMIT];

// The fields of an event the agent may correct once the server refused it.
const CORRECTABLE = {
    [VISIT]: ["note", "contact_name", "phone", "service", "callback_at"],
    [NOTE]: ["note"],
    [LEAD_UPDATE]: ["contact_name", "phone", "service"],
    [LEAD_SUBMIT]: ["contact_name", "phone", "service"],
};
// Seconds after a knock during which it may be taken back (it is not sent
// before: see EventQueue.batch).
export const UNDO_SECONDS = 5;

/** Whether `event` is about an apartment (a knock or a note). */
export function isDoorEvent(event) {
    return event.type === VISIT || event.type === NOTE || event.type === undefined;
}

/** Whether `event` is about one of the agent's leads. */
export function isLeadEvent(event) {
    return event.type === LEAD_UPDATE || event.type === LEAD_SUBMIT;
}

/** A knock on `apartmentId`: `values` holds the result and what comes with
 * it (competitor, client, callback), `position` the proof of presence. */
export function visitEvent(apartmentId, values, {note = "", position = {}, time = Date.now()} = {}) {
    const event = {
        type: VISIT,
        uuid: newUuid(),
        apartment_id: apartmentId,
        time,
        note: note.trim() || false,
        ...position,
        ...values,
        hold_until: time + UNDO_SECONDS * 1000,
    };
    if (!event.callback_at) {
        delete event.callback_at;
    }
    return event;
}

export function noteEvent(apartmentId, note, time = Date.now()) {
    return {type: NOTE, uuid: newUuid(), apartment_id: apartmentId, note, time};
}

/** The agent's fixes of their lead (`fixes`: contact_name, phone, service,
 * each only when changed), submitted to the supervisor when `submit`. */
export function leadEvent(leadId, fixes, {submit = false, time = Date.now()} = {}) {
    return {type: submit ? LEAD_SUBMIT : LEAD_UPDATE, uuid: newUuid(), lead_id: leadId, time, ...fixes};
}

/** The corrections that apply to `event`: those of its kind's correctable
 * fields that differ from what it holds. */
export function corrections(event, values) {
    const fields = CORRECTABLE[event.type || VISIT] || [];
    return Object.fromEntries(
        Object.entries(values).filter(
            ([field, value]) => fields.includes(field) && value !== undefined && value !== (event[field] ?? "")
        )
    );
}
