// Unit tests (hoot) of the proof of presence on the tablet:
// static/src/agent_app/position.js. Run by tests/test_agent_app_js.py.
import {describe, expect, test} from "@odoo/hoot";
import {
    POSITION_MAX_AGE,
    POSITION_TIMEOUT,
    currentPosition,
    positionValues,
} from "@door_to_door_crm/agent_app/core/position";

/** A Geolocation that answers as told and remembers how it was asked. */
function geolocation(answer) {
    const calls = [];
    return {
        calls,
        getCurrentPosition(success, failure, options) {
            calls.push(options);
            answer(success, failure);
        },
        watchPosition() {
            throw new Error("the app never watches the position");
        },
    };
}

const FIX = {coords: {latitude: 55.7558, longitude: 37.6173, accuracy: 12.5}, timestamp: 1_700_000_000_123};

describe("@door_to_door_crm/agent_app/core/position", () => {
    test("a fix gives the event's position keys", async () => {
        const browser = geolocation((success) => success(FIX));
        expect(await currentPosition(browser)).toEqual({
            gps_latitude: 55.7558,
            gps_longitude: 37.6173,
            gps_accuracy: 12.5,
            gps_time: 1_700_000_000_123,
        });
    });

    test("one request per knock, a cached fix of a minute allowed, a short timeout", async () => {
        const browser = geolocation((success) => success(FIX));
        await currentPosition(browser);
        expect(browser.calls).toEqual([
            {enableHighAccuracy: true, maximumAge: POSITION_MAX_AGE, timeout: POSITION_TIMEOUT},
        ]);
        expect(POSITION_MAX_AGE).toBe(60_000);
    });

    test("a refusal or an error gives no position", async () => {
        const denied = geolocation((success, failure) => failure({code: 1, message: "denied"}));
        expect(await currentPosition(denied)).toEqual({});
        const broken = geolocation(() => {
            throw new Error("no GPS");
        });
        expect(await currentPosition(broken)).toEqual({});
    });

    test("a browser without geolocation gives no position", async () => {
        expect(await currentPosition(undefined)).toEqual({});
        expect(await currentPosition({})).toEqual({});
    });

    test("a browser that never answers does not hold the knock", async () => {
        const silent = geolocation(() => {});
        const started = Date.now();
        expect(await currentPosition(silent, 50)).toEqual({});
        expect(Date.now() - started).toBeLessThan(1000);
    });

    test("what is not a position is dropped", () => {
        expect(positionValues(null)).toEqual({});
        expect(positionValues({coords: {latitude: NaN, longitude: 37}})).toEqual({});
        expect(positionValues({coords: {latitude: 55, longitude: 37, accuracy: null}, timestamp: "x"})).toEqual({
            gps_latitude: 55,
            gps_longitude: 37,
        });
    });
});
