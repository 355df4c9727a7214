/** @odoo-module */
// The app's requests to the server: JSON-RPC with a timeout, and errors
// that say what went wrong, so that the sync knows whether to wait for the
// network, to ask the agent to sign in, or to look for the event the server
// cannot take.

// Seconds a request may take: a network may hold a connection open without
// ever answering, and the sync must not wait for it until a reload.
export const REQUEST_TIMEOUT = 30;
// The snapshot of a whole territory may take longer on a mobile network.
export const SNAPSHOT_TIMEOUT = 90;
// A proxy answering that the server is not there: as good as no network.
const UNAVAILABLE = [502, 503, 504];
// Longest part of a server's error text shown to the agent.
const MAX_MESSAGE = 300;

/** An error of a request, flagged by what went wrong: `offline` (no answer:
 * no network, no server behind the proxy, or `timeout`), `expired` (signed
 * out), or `server` (the server answered, but could not take the request:
 * an HTTP error or a JSON-RPC error, the message being its text). */
export function rpcError(message, flags) {
    return Object.assign(new Error(message), flags);
}

/** The server's words for an error, short and plain: the message of a
 * JSON-RPC error, or the text of an error page, never its markup nor a
 * traceback; else the HTTP status. */
export function serverMessage(text, status) {
    const prefix = status ? `HTTP ${status}` : "";
    const words = (jsonErrorMessage(text) ?? pageText(text)).replace(/\s+/g, " ").trim();
    const message = prefix && words ? `${prefix}: ${words}` : prefix || words;
    return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

function jsonErrorMessage(text) {
    try {
        const error = JSON.parse(text).error;
        return error ? (error.data && error.data.message) || error.message || "" : null;
    } catch {
        return null;
    }
}

/** The explanation of an error page (werkzeug's <p>, a proxy's <h1>) or
 * plain text; parsed, never run. */
function pageText(text) {
    const page = new DOMParser().parseFromString(text || "", "text/html");
    const part = page.querySelector("p") || page.querySelector("h1") || page.body;
    return (part && part.textContent) || page.title || "";
}

/** A JSON-RPC call to the server, given up after `timeout` seconds (the
 * request is aborted). Throws an rpcError (see there). */
export async function jsonRpc(url, params, {timeout = REQUEST_TIMEOUT, fetch = window.fetch} = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout * 1000);
    try {
        const response = await fetch(url, {
            method: "POST",
            headers: {"Content-Type": "application/json"},
            credentials: "same-origin",
            body: JSON.stringify({jsonrpc: "2.0", method: "call", params, id: Date.now()}),
            signal: controller.signal,
        });
        // the answer is read before the timer stops: a body that never ends is aborted too
        return await readAnswer(response);
    } catch (error) {
        if (controller.signal.aborted) {
            throw rpcError(`no answer within ${timeout} s`, {offline: true, timeout: true});
        }
        if (error instanceof TypeError) {
            throw rpcError(error.message, {offline: true}); // fetch's "Failed to fetch"
        }
        throw error;
    } finally {
        clearTimeout(timer);
    }
}

async function readAnswer(response) {
    if (response.redirected && new URL(response.url).pathname.startsWith("/web/login")) {
        throw rpcError("session expired", {expired: true});
    }
    if (UNAVAILABLE.includes(response.status)) {
        throw rpcError(`HTTP ${response.status}`, {offline: true});
    }
    const text = await response.text();
    if (!response.ok) {
        throw rpcError(serverMessage(text, response.status), {server: true, status: response.status});
    }
    let body;
    try {
        body = JSON.parse(text);
    } catch {
        throw rpcError(serverMessage(text, response.status), {server: true, status: response.status});
    }
    if (body.error) {
        const data = body.error.data || {};
        if (data.name === "odoo.http.SessionExpiredException") {
            throw rpcError(data.message || "session expired", {expired: true});
        }
        throw rpcError(serverMessage(text), {server: true});
    }
    return body.result;
}
