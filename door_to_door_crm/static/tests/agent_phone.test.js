// Unit tests (hoot) of the client's phone on the tablet:
// static/src/agent_app/core/phone.js, on the cases the server is tested on
// too (agent_phone_cases.js, tests/test_phone_rules.py). Run by
// tests/test_agent_app_js.py.
import {describe, expect, test} from "@odoo/hoot";
import {
    INTERNATIONAL_MAX_DIGITS,
    INTERNATIONAL_MIN_DIGITS,
    PHONE_ERRORS,
    RUSSIAN_LEADING_DIGITS,
    formatPhone,
    normalisePhone,
} from "@door_to_door_crm/agent_app/core/phone";
import {PHONE_CASES} from "@door_to_door_crm/../tests/agent_phone_cases";

const MOBILE = {phone: "+79167654321"};

describe("@door_to_door_crm/agent_app/core/phone", () => {
    test("8, 7, a mobile's ten digits and +7 all give +7", () => {
        for (const typed of ["89167654321", "79167654321", "9167654321", "+79167654321"]) {
            expect(normalisePhone(typed)).toEqual(MOBILE, {message: typed});
        }
        expect(normalisePhone("8 495 123-45-67")).toEqual({phone: "+74951234567"});
        expect(normalisePhone("+7 701 234-56-78")).toEqual({phone: "+77012345678"}); // Kazakhstan
    });

    test("spaces, dashes, dots and parentheses are dropped", () => {
        for (const typed of [
            "8 (916) 765-43-21",
            "8.916.765.43.21",
            " +7 (916) 765 43 21 ",
            "+7\u00a0916\u202f765\u201343\u201421",
            "8\t916\n765-43-21",
        ]) {
            expect(normalisePhone(typed)).toEqual(MOBILE, {message: JSON.stringify(typed)});
        }
    });

    test("a +7 number must begin as a Russian or Kazakh one does", () => {
        expect(RUSSIAN_LEADING_DIGITS).toBe("34789");
        for (const digit of "0123456789") {
            const national = `${digit}161234567`;
            const expected = RUSSIAN_LEADING_DIGITS.includes(digit) ? {phone: `+7${national}`} : {error: "invalid"};
            expect(normalisePhone(`+7${national}`)).toEqual(expected, {message: `+7 ${digit}…`});
            expect(normalisePhone(`8${national}`)).toEqual(expected, {message: `8 ${digit}…`});
            expect(normalisePhone(`7${national}`)).toEqual(expected, {message: `7 ${digit}…`});
        }
    });

    test("another country's number passes with its +<country> and plausible E.164 digits", () => {
        expect(normalisePhone("+380 44 123 4567")).toEqual({phone: "+380441234567"});
        expect(normalisePhone("+49 (30) 123-45-67")).toEqual({phone: "+49301234567"});
        expect(normalisePhone("+" + "4".repeat(INTERNATIONAL_MIN_DIGITS))).toEqual({
            phone: "+" + "4".repeat(INTERNATIONAL_MIN_DIGITS),
        });
        expect(normalisePhone("+" + "4".repeat(INTERNATIONAL_MAX_DIGITS))).toEqual({
            phone: "+" + "4".repeat(INTERNATIONAL_MAX_DIGITS),
        });
        expect(normalisePhone("+" + "4".repeat(INTERNATIONAL_MIN_DIGITS - 1))).toEqual({error: "too_short"});
        expect(normalisePhone("+" + "4".repeat(INTERNATIONAL_MAX_DIGITS + 1))).toEqual({error: "too_long"});
        expect(normalisePhone("+0441234567")).toEqual({error: "invalid"}); // no country code begins with 0
        // a national number of another country, without its +<country>
        expect(normalisePhone("030 1234567")).toEqual({error: "invalid"});
        expect(normalisePhone("0049301234567")).toEqual({error: "too_long"});
    });

    test("too few or too many digits are refused", () => {
        expect(normalisePhone("8 916 765-43-2")).toEqual({error: "too_short"});
        expect(normalisePhone("916 765-43-2")).toEqual({error: "too_short"});
        expect(normalisePhone("+7 916 765-43-2")).toEqual({error: "too_short"});
        expect(normalisePhone("765-43-21")).toEqual({error: "too_short"});
        expect(normalisePhone("+7")).toEqual({error: "too_short"});
        expect(normalisePhone("8 916 765-43-210")).toEqual({error: "too_long"});
        expect(normalisePhone("916 765-43-210")).toEqual({error: "too_long"});
        expect(normalisePhone("+7 916 765-43-210")).toEqual({error: "too_long"});
        expect(normalisePhone("123456789012")).toEqual({error: "too_long"});
        // a landline without its 8 is no mobile's ten digits
        expect(normalisePhone("495 123-45-67")).toEqual({error: "invalid"});
    });

    test("letters, a misplaced + and nothing at all are refused, with a code and no words", () => {
        expect(normalisePhone("8 916 ABC-43-21")).toEqual({error: "invalid"});
        expect(normalisePhone("tel. 89167654321")).toEqual({error: "invalid"});
        expect(normalisePhone("+7 916 765 43 21 ext 5")).toEqual({error: "invalid"});
        expect(normalisePhone("8 916 765-43-21/22")).toEqual({error: "invalid"});
        expect(normalisePhone("++79167654321")).toEqual({error: "invalid"});
        expect(normalisePhone("8916+7654321")).toEqual({error: "invalid"});
        expect(normalisePhone("+")).toEqual({error: "invalid"});
        expect(normalisePhone("٨٩١٦٧٦٥٤٣٢١")).toEqual({error: "invalid"}); // digits, but not ASCII ones
        expect(normalisePhone("")).toEqual({error: "empty"});
        expect(normalisePhone(" - ( ) ")).toEqual({error: "empty"});
        expect(normalisePhone(undefined)).toEqual({error: "empty"});
        expect(normalisePhone(null)).toEqual({error: "empty"});
        expect(normalisePhone(89167654321)).toEqual({error: "invalid"});
        expect(PHONE_ERRORS).toEqual(["empty", "invalid", "too_short", "too_long"]);
    });

    test("a +7 number is shown in groups, another one as it is", () => {
        expect(formatPhone("+79167654321")).toBe("+7 916 765-43-21");
        expect(formatPhone("+77012345678")).toBe("+7 701 234-56-78");
        expect(formatPhone("+380441234567")).toBe("+380441234567");
        expect(formatPhone("8 916")).toBe("8 916");
        expect(formatPhone(undefined)).toBe(undefined);
        expect(normalisePhone(formatPhone("+79167654321"))).toEqual(MOBILE);
    });

    test("every shared case gives what the server gives", () => {
        expect(PHONE_CASES.length).toBeGreaterThan(29);
        for (const [typed, expected] of PHONE_CASES) {
            const result = normalisePhone(typed);
            expect(result).toEqual(expected ? {phone: expected} : {error: result.error}, {
                message: JSON.stringify(typed),
            });
            if (!expected) {
                expect(PHONE_ERRORS).toInclude(result.error, {message: JSON.stringify(typed)});
            }
        }
    });
});
