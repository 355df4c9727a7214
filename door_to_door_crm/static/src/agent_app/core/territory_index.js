/** @odoo-module */
// The lookups of the agent's territory (apartments by id and by entrance,
// entrances by house, each house's figures), pure functions: built in one
// pass over the territory, then patched for the few doors a knock changes,
// so that a knock costs its doors and not the city.

// Beyond this many changed apartments, the index is built again.
export const PATCH_LIMIT = 256;

function emptyFigures() {
    return {total: 0, visited: 0, leads: 0, callbacks: 0};
}

/** The house's figures with the apartment counted (`sign` 1) or taken
 * out (-1). */
function count(figures, apartment, sign) {
    figures.total += sign;
    figures.visited += apartment.status !== "none" ? sign : 0;
    figures.leads += apartment.leadId || apartment.status === "lead" ? sign : 0;
    figures.callbacks += apartment.callback ? sign : 0;
}

/** The index of the territory's lists, in one pass over its apartments. */
export function buildIndex(houses, entrances, apartments) {
    const houseById = new Map(houses.map((house) => [house.id, house]));
    const apartmentById = new Map();
    const apartmentsOfEntrance = new Map();
    const stats = new Map(houses.map((house) => [house.id, emptyFigures()]));
    for (const apartment of apartments) {
        apartmentById.set(apartment.id, apartment);
        if (!apartmentsOfEntrance.has(apartment.entranceId)) {
            apartmentsOfEntrance.set(apartment.entranceId, []);
        }
        apartmentsOfEntrance.get(apartment.entranceId).push(apartment);
        const figures = stats.get(apartment.houseId);
        if (figures) {
            count(figures, apartment, 1);
        }
    }
    const entrancesOfHouse = new Map();
    for (const entrance of [...entrances].sort((a, b) => a.number - b.number)) {
        if (!entrancesOfHouse.has(entrance.houseId)) {
            entrancesOfHouse.set(entrance.houseId, []);
        }
        entrancesOfHouse.get(entrance.houseId).push(entrance);
    }
    return {houseById, apartmentById, apartmentsOfEntrance, entrancesOfHouse, stats};
}

/** The index of `after`, the apartments of `before` with a few of them
 * replaced (same ids in the same order, as a knock or a sync's changes give
 * them), patched from `index`, the index of `before`: the changed doors'
 * entrance lists and house figures are new, the rest is shared. Null when
 * the lists differ otherwise (apartments added, removed or moved, or too
 * many changed): the caller builds the index again. The maps of `index` are
 * updated in place, so it must not be read after. */
export function patchIndex(index, before, after) {
    if (before.length !== after.length) {
        return null;
    }
    const changed = [];
    for (let i = 0; i < after.length; i++) {
        if (before[i] !== after[i]) {
            const [old, current] = [before[i], after[i]];
            if (old.id !== current.id || old.entranceId !== current.entranceId || old.houseId !== current.houseId) {
                return null;
            }
            changed.push([old, current]);
            if (changed.length > PATCH_LIMIT) {
                return null;
            }
        }
    }
    if (!changed.length) {
        return index;
    }
    const {apartmentById, apartmentsOfEntrance, stats} = index;
    const replaced = new Map();
    const houseFigures = new Map();
    for (const [old, current] of changed) {
        apartmentById.set(current.id, current);
        replaced.set(current.id, current);
        if (stats.has(current.houseId)) {
            if (!houseFigures.has(current.houseId)) {
                houseFigures.set(current.houseId, {...stats.get(current.houseId)});
            }
            count(houseFigures.get(current.houseId), old, -1);
            count(houseFigures.get(current.houseId), current, 1);
        }
    }
    for (const entranceId of new Set(changed.map(([, current]) => current.entranceId))) {
        const list = apartmentsOfEntrance.get(entranceId);
        apartmentsOfEntrance.set(
            entranceId,
            list.map((apartment) => replaced.get(apartment.id) || apartment)
        );
    }
    for (const [houseId, figures] of houseFigures) {
        stats.set(houseId, figures);
    }
    return {...index};
}
