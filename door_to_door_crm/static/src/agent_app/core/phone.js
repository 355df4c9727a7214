/** @odoo-module */
// The client's phone as the tablet checks it before a lead's card closes,
// by the same rules as the server (models/d2d_phone_rules.py, used by
// crm.lead._d2d_format_phone); static/tests/agent_phone_cases.js holds the
// cases both sides are tested on. The provider works in Russia:
//
// 1. Spaces, dashes, dots and parentheses are dropped (SEPARATORS: the
//    no-break and thin spaces, the en and em dashes a copied number may hold
//    too). What remains must be digits, with at most one "+" at the start.
// 2. A Russian form becomes +7 and its ten national digits:
//    8XXXXXXXXXX and 7XXXXXXXXXX (11 digits), 9XXXXXXXXX (10 digits, a
//    mobile without its prefix), +7XXXXXXXXXX.
// 3. +7 is shared by Russia and Kazakhstan: their national numbers begin
//    with 3, 4, 7, 8 or 9 (phonenumbers' metadata: RU [347-9]\d{9}, KZ
//    [78]\d{9} and 33622\d{5}); one that begins otherwise is refused.
// 4. Another "+<country>" number passes when it is a plausible E.164 number
//    (a country code that does not begin with 0, 8 to 15 digits in all): the
//    server reads it with phonenumbers and has the last word.
// 5. Anything else is refused: letters, a "+" elsewhere, too few or too many
//    digits, a national number of another country without its "+<country>".
//
// normalisePhone gives {phone} or {error} with a code of PHONE_ERRORS, never
// words: the app says them in the agent's language.

/** The characters a typed number may hold between its digits. */
export const SEPARATORS = " \t\r\n\u00a0\u2009\u202f.()-\u2010\u2011\u2012\u2013\u2014\u2212";
/** The first digits of a +7 national number (Russia, Kazakhstan). */
export const RUSSIAN_LEADING_DIGITS = "34789";
/** The digits of an international number in E.164, its country code included. */
export const INTERNATIONAL_MIN_DIGITS = 8;
export const INTERNATIONAL_MAX_DIGITS = 15;
/**
 * Why a number is refused: "empty" (nothing typed), "invalid" (letters, a
 * misplaced "+", a form of no rule, a +7 number of no +7 country),
 * "too_short", "too_long".
 */
export const PHONE_ERRORS = ["empty", "invalid", "too_short", "too_long"];

const SEPARATOR_RE = new RegExp(`[${SEPARATORS.replace(/[-\\\]^]/g, "\\$&")}]`, "g");
const NUMBER_RE = /^(\+?)([0-9]+)$/;

/**
 * The E.164 form of a typed phone number, by the rules above.
 *
 * @param {string} text what the agent typed
 * @returns {{phone: string} | {error: string}} phone: "+79167654321"; error: one of PHONE_ERRORS
 */
export function normalisePhone(text) {
    if (text === undefined || text === null) {
        return {error: "empty"};
    }
    if (typeof text !== "string") {
        return {error: "invalid"};
    }
    const compact = text.replace(SEPARATOR_RE, "");
    if (!compact) {
        return {error: "empty"};
    }
    const match = NUMBER_RE.exec(compact);
    if (!match) {
        return {error: "invalid"};
    }
    const [, plus, digits] = match;
    if (plus) {
        if (digits[0] === "7") {
            return russian(digits.slice(1));
        }
        if (digits[0] === "0") {
            return {error: "invalid"};
        }
        return lengthError(digits.length, INTERNATIONAL_MIN_DIGITS, INTERNATIONAL_MAX_DIGITS) || {phone: `+${digits}`};
    }
    if (digits[0] === "7" || digits[0] === "8") {
        return lengthError(digits.length, 11, 11) || russian(digits.slice(1));
    }
    if (digits[0] === "9") {
        return lengthError(digits.length, 10, 10) || russian(digits);
    }
    // another country's national number, or a Russian one without its 8
    return lengthError(digits.length, 10, 11) || {error: "invalid"};
}

/** "+7 916 765-43-21" for a +7 number in E.164; any other text as it is. */
export function formatPhone(e164) {
    const match = typeof e164 === "string" && /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(e164);
    return match ? `+7 ${match[1]} ${match[2]}-${match[3]}-${match[4]}` : e164;
}

/** The result of a +7 number's national digits. */
function russian(national) {
    return (
        lengthError(national.length, 10, 10) ||
        (RUSSIAN_LEADING_DIGITS.includes(national[0]) ? {phone: `+7${national}`} : {error: "invalid"})
    );
}

function lengthError(length, min, max) {
    if (length < min) {
        return {error: "too_short"};
    }
    if (length > max) {
        return {error: "too_long"};
    }
    return null;
}
