/** @odoo-module */
// Proof of presence: the position the browser gives at a knock. One
// getCurrentPosition per knock, a cached fix up to a minute old allowed, a
// short timeout, never a continuous watch; without a fix the knock is
// recorded all the same (the server records "no fix").

/** How long a knock waits for a fix at most (ms). */
export const POSITION_TIMEOUT = 3000;
/** A fix this old (ms) is taken from the browser's cache. */
export const POSITION_MAX_AGE = 60_000;

/**
 * The position keys of a visit event ({} without a fix): gps_latitude,
 * gps_longitude (degrees), gps_accuracy (metres), gps_time (the fix's own
 * time, in milliseconds since the epoch, as the event's time).
 *
 * @param {Geolocation | undefined} geolocation the browser's (navigator.geolocation)
 * @param {number} timeout at most this long (ms), whatever the browser does
 * @returns {Promise<object>} never rejected
 */
export function currentPosition(geolocation = globalThis.navigator?.geolocation, timeout = POSITION_TIMEOUT) {
    if (!geolocation || typeof geolocation.getCurrentPosition !== "function") {
        return Promise.resolve({});
    }
    return new Promise((resolve) => {
        // a browser that neither answers nor times out (a permission prompt
        // left open) does not hold the knock
        const timer = setTimeout(() => resolve({}), timeout + 100);
        const settle = (values) => {
            clearTimeout(timer);
            resolve(values);
        };
        try {
            geolocation.getCurrentPosition(
                (position) => settle(positionValues(position)),
                () => settle({}),
                {enableHighAccuracy: true, maximumAge: POSITION_MAX_AGE, timeout}
            );
        } catch {
            settle({});
        }
    });
}

/** The event keys of a GeolocationPosition ({} if it holds no position). */
export function positionValues(position) {
    const coords = position?.coords;
    if (!coords || !Number.isFinite(coords.latitude) || !Number.isFinite(coords.longitude)) {
        return {};
    }
    const values = {gps_latitude: coords.latitude, gps_longitude: coords.longitude};
    if (Number.isFinite(coords.accuracy)) {
        values.gps_accuracy = coords.accuracy;
    }
    if (Number.isFinite(position.timestamp)) {
        values.gps_time = Math.round(position.timestamp);
    }
    return values;
}
