/** @odoo-module */
// The merge rules of the tablet's state, pure functions: the server's
// compact snapshot read into plain objects, its changes merged with the
// tablet's own events (the latest device time wins), and what the agent may
// no longer see forgotten.
import {isDoorEvent, isLeadEvent} from "./events";
import {byDeviceTime} from "./queue";

// Layout of the server's snapshot that decodeSnapshot reads.
export const SNAPSHOT_FORMAT = 2;

// ---------------------------------------------------------------------------
// The server's compact snapshot, read into plain objects
// ---------------------------------------------------------------------------

function undelta(steps) {
    let value = 0;
    return steps.map((step) => (value += step));
}

/** The territory as the app holds it, from the server's snapshot (format 2:
 * apartments and visits as columns, their ids as steps from the previous). */
export function decodeSnapshot(snapshot) {
    if (snapshot.format !== SNAPSHOT_FORMAT) {
        throw new Error(`Unknown snapshot format ${snapshot.format}`);
    }
    const houseOfEntrance = new Map(snapshot.entrances.map(([id, houseId]) => [id, houseId]));
    const columns = snapshot.apartments;
    const entranceIds = undelta(columns.entrance);
    const apartments = undelta(columns.id).map((id, i) => ({
        id,
        houseId: houseOfEntrance.get(entranceIds[i]),
        entranceId: entranceIds[i],
        floor: columns.floor[i],
        number: columns.number[i],
        status: columns.status[i],
        note: columns.note[id] || "",
        lastVisit: (columns.last[i] || 0) * 1000,
        leadId: columns.lead[id] || false,
        callback: seconds(columns.callback && columns.callback[id]),
    }));
    const visits = snapshot.visits;
    return {
        houses: snapshot.houses.map(([id, name, territoryId, entranceCount, floorCount, latitude, longitude]) => ({
            id,
            name,
            territoryId,
            latitude: latitude || null,
            longitude: longitude || null,
        })),
        entrances: snapshot.entrances.map(([id, houseId, number, intercom]) => ({
            id,
            houseId,
            number,
            intercom,
        })),
        apartments,
        visits: undelta(visits.apartment).map((apartmentId, i) =>
            historyVisit([apartmentId, visits.time[i], visits.result[i], visits.agent[i]])
        ),
        agents: Object.fromEntries(snapshot.agents),
        leads: snapshot.leads.map(leadFromRow),
        competitors: snapshot.competitors.map(([id, name]) => ({id, name})),
    };
}

/** A lead of the server's rows: [id, name, step code, step name, apartment
 * id, phone, installation (s), active, client's name, service, the reason it
 * was returned with (when it is back at "new" by a return), created (s)]. */
export function leadFromRow(row) {
    const [id, name, code, stage, apartmentId, phone, installation, active] = row;
    const [contactName, service, returnReason, created] = row.slice(8);
    return {
        id,
        name,
        code,
        stage,
        apartmentId,
        phone: phone || "",
        installation: seconds(installation),
        active,
        contactName: contactName || "",
        service: service || "",
        returnReason: returnReason || "",
        created: seconds(created),
    };
}

/** Milliseconds of a time the server sends in seconds (null when none). */
function seconds(value) {
    return value ? value * 1000 : null;
}

function historyVisit([apartmentId, time, result, agentId]) {
    return {apartmentId, time: time * 1000, result, agentId};
}

// ---------------------------------------------------------------------------
// Merge rules
// ---------------------------------------------------------------------------

/** The apartment as the tablet shows it: the visit with the latest device
 * time wins, whatever order the server's state and local events come in. */
export function applyVisit(apartment, visit) {
    const current = apartment.lastVisit || 0;
    if (visit.time >= current) {
        return {...apartment, status: visit.result, lastVisit: visit.time, callback: visit.callback_at || null};
    }
    return apartment;
}

/** Server changes merged into the local state ([id, status, note, last
 * visit in seconds, lead id, callback in seconds] rows); the tablet's own events (visits and
 * notes: those the server just accepted and those not sent yet) are
 * re-applied on top in their order (see byDeviceTime), so the agent never
 * sees their own knock or note disappear: the server reads its changes
 * before it records a batch. */
export function mergeApartments(apartments, changes, ownEvents) {
    const doorEvents = ownEvents.filter(isDoorEvent);
    if (!changes.length && !doorEvents.length) {
        return apartments;
    }
    // only the apartments the changes and events name: a knock costs its door, not the territory
    const wanted = new Set([...changes.map((row) => row[0]), ...doorEvents.map((event) => event.apartment_id)]);
    const byId = new Map(apartments.filter((apartment) => wanted.has(apartment.id)).map((a) => [a.id, a]));
    for (const [id, status, note, lastVisit, leadId, callback] of changes) {
        const apartment = byId.get(id);
        if (apartment) {
            byId.set(id, {
                ...apartment,
                status,
                note: note || "",
                lastVisit: (lastVisit || 0) * 1000,
                leadId,
                callback: seconds(callback),
            });
        }
    }
    for (const event of doorEvents.sort(byDeviceTime)) {
        const apartment = isDoorEvent(event) && byId.get(event.apartment_id);
        if (!apartment) {
            continue;
        }
        if (event.type === "note") {
            byId.set(apartment.id, {...apartment, note: event.note || ""});
        } else {
            byId.set(apartment.id, applyVisit(apartment, event));
        }
    }
    return apartments.map((apartment) => byId.get(apartment.id) || apartment);
}

/** The history with new visits ([apartment id, time in seconds, result,
 * agent id] rows) added once: the server sends the visits of its last
 * minutes again, and a visit is the same by those four values. */
export function mergeHistory(history, rows) {
    const key = (visit) => `${visit.apartmentId}/${visit.time}/${visit.result}/${visit.agentId}`;
    const known = new Set(history.map(key));
    const added = [];
    for (const visit of rows.map(historyVisit)) {
        if (!known.has(key(visit))) {
            known.add(key(visit));
            added.push(visit);
        }
    }
    return added.length ? [...history, ...added] : history;
}

/** The tablet's own visits among the events that the server accepted, as
 * history rows ([apartment id, time in seconds, result, agent id], the
 * server's form): the server sends a tablet the visits made elsewhere, not
 * its own back. */
export function ownHistoryRows(events, agentId) {
    return events
        .filter((event) => event.type === "visit")
        .map((visit) => [visit.apartment_id, Math.floor(visit.time / 1000), visit.result, agentId]);
}

/** Leads changed on the server replace the tablet's copies. */
export function mergeLeads(leads, rows) {
    if (!rows.length) {
        return leads;
    }
    const byId = new Map(leads.map((lead) => [lead.id, lead]));
    for (const row of rows) {
        const lead = leadFromRow(row);
        byId.set(lead.id, lead);
    }
    return [...byId.values()];
}

/** The leads as the agent sees them: with the fixes of their lead events
 * not sent yet (or refused) on top, and `waiting` set to the move such an
 * event asks for ("review" for a submit), so that the agent sees at once
 * what they did offline. */
export function applyLeadEvents(leads, events) {
    const own = events.filter(isLeadEvent);
    if (!own.length) {
        return leads;
    }
    const byId = new Map(leads.map((lead) => [lead.id, lead]));
    for (const event of [...own].sort(byDeviceTime)) {
        const lead = byId.get(event.lead_id);
        if (lead) {
            byId.set(lead.id, {
                ...lead,
                ...leadFixes(event),
                waiting: event.type === "lead_submit" ? "review" : lead.waiting || "update",
                refused: event.state === "rejected" || event.state === "quarantined" ? event.reason : lead.refused,
            });
        }
    }
    return leads.map((lead) => byId.get(lead.id));
}

function leadFixes(event) {
    const fixes = {};
    if (typeof event.contact_name === "string") {
        fixes.contactName = event.contact_name;
    }
    if (typeof event.phone === "string") {
        fixes.phone = event.phone;
    }
    if (typeof event.service === "string") {
        fixes.service = event.service;
    }
    return fixes;
}

/** The state without what the server says the agent may no longer see
 * (`removed` of the changes: leads lost, hidden or handed to someone else;
 * apartments and houses taken from the agent): their rows go, and the
 * apartments forget the lead they pointed to. */
export function forgetRemoved({houses, apartments, visits, leads}, removed) {
    if (!removed) {
        return {houses, apartments, visits, leads};
    }
    const gone = (ids) => new Set(ids || []);
    const goneHouses = gone(removed.houses);
    const goneApartments = gone(removed.apartments);
    const goneLeads = gone(removed.leads);
    const keptApartments = apartments.filter((a) => !goneApartments.has(a.id) && !goneHouses.has(a.houseId));
    return {
        houses: houses.filter((house) => !goneHouses.has(house.id)),
        apartments: keptApartments.map((a) => (goneLeads.has(a.leadId) ? {...a, leadId: false} : a)),
        visits: visits.filter((visit) => !goneApartments.has(visit.apartmentId)),
        leads: leads.filter((lead) => !goneLeads.has(lead.id)),
    };
}
