import contextlib
from concurrent.futures import Future
from unittest.mock import patch

import odoo.http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import D2dLeadCommon

READY = "window.d2dAgent && window.d2dAgent.state.houses.length > 0"


def warm_up_statics():
    """Read the addons' manifests for the static routes now, in this thread:
    the browser's first parallel requests would otherwise read them in
    several threads at once, which Python 3.11.7's parser does not survive
    ("AST constructor recursion depth mismatch", fixed in 3.11.8)."""
    return odoo.http.root.statics


WAIT_FOR_SERVICE_WORKER = """(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    await navigator.serviceWorker.ready;
    for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) await sleep(100);
    if (!navigator.serviceWorker.controller) throw new Error("the service worker does not control the page");
    for (let i = 0; i < 100 && !(await caches.match("/d2d/agent")); i++) await sleep(100);
    if (!(await caches.match("/d2d/agent"))) throw new Error("the page is not cached");
    console.log("test successful");
})()"""

WORK_OFFLINE = """(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (check, what) => {
        for (let i = 0; i < 100; i++) { if (check()) return; await sleep(50); }
        throw new Error("timed out waiting for " + what);
    };
    const click = async (selector) => {
        await until(() => document.querySelector(selector), selector);
        document.querySelector(selector).click();
        await sleep(50);
    };
    const type = async (selector, value, event = "input") => {
        const input = document.querySelector(selector);
        input.value = value;
        input.dispatchEvent(new Event(event, { bubbles: true }));
        await sleep(20);
    };
    const model = window.d2dAgent;
    await until(() => model.ready, "the app's start");
    await model.ready;  // the first sync attempt is over
    if (model.state.online) throw new Error("the server is down but the app says online");
    // two taps: the house, apartment 1, "nobody home"
    await click(".o_d2d_house");
    await click('.o_d2d_cell[data-number="1"]');
    await click('.o_d2d_result[data-result="closed"]');
    await until(() => document.querySelector('.o_d2d_cell[data-number="1"].o_d2d_status_closed'), "cell 1 closed");
    // a lead in apartment 2
    await click('.o_d2d_cell[data-number="2"]');
    await click('.o_d2d_result[data-result="lead"]');
    await type('input[name="contact_name"]', "Vera");
    await type('input[name="phone"]', "+7 916 555-12-34");
    await type('select[name="service"]', "internet_tv", "change");
    await click(".o_d2d_save_lead");
    await until(() => model.state.pending === 2, "two events waiting");
    if (!document.querySelector(".o_d2d_syncbar.is-offline")) throw new Error("the sync bar does not say offline");
    console.log("test successful");
})()"""

# The network comes back: the app sends its events by itself, on the
# browser's "online" event, with no tap.
SYNC_BACK = """(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const model = window.d2dAgent;
    window.dispatchEvent(new Event("online"));
    for (let i = 0; i < 200 && model.state.pending; i++) { await sleep(50); }
    if (model.state.pending) throw new Error("events still waiting: " + model.state.pending);
    if (!document.querySelector(".o_d2d_syncbar.is-online")) throw new Error("the sync bar does not say online");
    if (model.state.rejected.length) throw new Error("refused: " + JSON.stringify(model.state.rejected));
    // the tablet keeps showing its own knocks, now accepted, and lists the new lead at once
    const flat = (number) => model.state.apartments.find((a) => a.houseId === __HOUSE__ && a.number === number);
    if (flat(1).status !== "closed" || flat(2).status !== "lead") {
        throw new Error("the tablet shows " + flat(1).status + ", " + flat(2).status + " after the sync");
    }
    if (!model.state.leads.some((lead) => lead.apartmentId === flat(2).id)) throw new Error("no lead in My leads");
    await model.sync();  // a repeat sends nothing twice
    console.log("test successful");
})()"""


HELPERS = """
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (check, what) => {
        for (let i = 0; i < 200; i++) { if (await check()) return; await sleep(50); }
        throw new Error("timed out waiting for " + what);
    };
    const click = async (selector) => {
        await until(() => document.querySelector(selector), selector);
        document.querySelector(selector).click();
        await sleep(50);
    };
    const model = window.d2dAgent;
    await until(() => model.ready !== undefined, "the app's start");  // (a promise: not awaited by until)
    await model.ready;
"""

# Agent A, with the server unreachable, knocks on apartment 3; then the tablet is put away.
RECORD_AS_A = f"""(async () => {{ {HELPERS}
    await click(".o_d2d_house");
    await click('.o_d2d_cell[data-number="3"]');
    await click('.o_d2d_result[data-result="refusal"]');
    await until(() => model.state.pending === 1, "A's event waiting");
    model.stop();
    console.log("test successful");
}})()"""

# Agent B signs in on the same tablet: A's event stays A's, B's own work goes.
WORK_AS_B = f"""(async () => {{ {HELPERS}
    if (model.session.name !== "Agent B") throw new Error("not B's app: " + model.session.name);
    if (model.state.pending !== 0) throw new Error("B's queue holds A's event");
    if ((await model.queue.batch()).length) throw new Error("B would send A's event");
    if (model.state.othersPending !== 1) throw new Error("A's event is not counted: " + model.state.othersPending);
    await until(() => document.querySelector(".o_d2d_others"), "the notice of another agent's events");
    await click(".o_d2d_house");
    await click('.o_d2d_cell[data-number="4"]');
    await click('.o_d2d_result[data-result="closed"]');
    await until(() => document.querySelector('.o_d2d_cell[data-number="4"].o_d2d_status_closed'), "cell 4 closed");
    // (sent once the few seconds to take it back are over)
    await until(async () => (await model.sync(), model.state.pending === 0), "B's event sent");
    if (model.state.othersPending !== 1) throw new Error("A's event is gone from the tablet");
    // a page of another agent (as a cached one would be) while B is signed in:
    // B's territory must not be stored as that agent's
    const otherSession = {{ ...model.session, uid: model.session.uid + 100000 }};
    const stale = new model.constructor(otherSession, {{ dbName: "d2d-stale" }});
    await stale.start();
    stale.stop();
    if (!stale.state.expired || stale.state.error !== model.t.other_user) {{
        throw new Error("no warning: " + stale.state.error);
    }}
    if (stale.state.houses.length || (await stale.queue.get("state"))) {{
        throw new Error("B's territory kept as another agent's");
    }}
    console.log("test successful");
}})()"""

# Agent A signs in again: A's event is sent, in A's name; then A switches user.
BACK_AS_A = f"""(async () => {{ {HELPERS}
    if (model.session.name !== "Agent A") throw new Error("not A's app: " + model.session.name);
    await until(async () => (await model.sync(), model.state.pending === 0), "A's event sent");
    if (model.state.othersPending !== 0) throw new Error("B's sent event still counted");
    document.querySelector(".o_d2d_switch_user").click();
    console.log("test successful");
}})()"""

# Online: a note typed before the result stays on the apartment; a phone
# that is no phone is caught on the tablet, the card staying open with what
# was typed; a phone the tablet lets through and the server refuses (no such
# country code) is listed with its reason and what was typed, corrected and
# sent again; another refused event is discarded.
REFUSED_EVENTS = f"""(async () => {{ {HELPERS}
    const type = async (selector, value) => {{
        const input = document.querySelector(selector);
        input.value = value;
        input.dispatchEvent(new Event("input", {{ bubbles: true }}));
        await sleep(20);
    }};
    const refused = () => document.querySelector(".o_d2d_rejected");
    const logLead = async (number, name, phone) => {{
        await click(`.o_d2d_cell[data-number="${{number}}"]`);
        await click('.o_d2d_result[data-result="lead"]');
        await type('input[name="contact_name"]', name);
        await type('input[name="phone"]', phone);
        await click(".o_d2d_save_lead");
    }};
    await click(".o_d2d_house");
    await click('.o_d2d_cell[data-number="5"]');
    await type("textarea.o_d2d_note", "Dog, ring twice");
    await click('.o_d2d_result[data-result="closed"]');
    await until(() => model.state.pending === 0 && !model.state.syncing, "the knock sent");
    await click('.o_d2d_cell[data-number="5"]');
    if (document.querySelector("textarea.o_d2d_note").value !== "Dog, ring twice") {{
        throw new Error("the note is not shown on the apartment");
    }}
    await click(".o_d2d_apartment .o_d2d_back");

    await logLead(6, "Oleg", "12");
    await until(() => document.querySelector(".o_d2d_lead_error"), "the phone refused on the tablet");
    if (document.querySelector('.o_d2d_lead_form input[name="contact_name"]').value !== "Oleg") {{
        throw new Error("the card lost the client's name");
    }}
    if ((await model.queue.all()).some((e) => e.result === "lead")) throw new Error("a lead with no phone was queued");
    await type('.o_d2d_lead_form input[name="phone"]', "12");
    await type('.o_d2d_lead_form input[name="phone"]', "+999 1234 5678");
    await click(".o_d2d_save_lead");
    await until(() => refused(), "the refused lead listed");
    if (refused().dataset.state !== "rejected") throw new Error("not refused: " + refused().dataset.state);
    if (!refused().querySelector(".o_d2d_rejected_reason").textContent.trim()) throw new Error("no reason shown");
    const kept = [refused().querySelector('input[name="contact_name"]').value,
                  refused().querySelector('input[name="phone"]').value];
    if (kept.join() !== "Oleg,+99912345678") throw new Error("what was typed is lost: " + kept);
    await type('.o_d2d_rejected input[name="phone"]', "12");
    await click(".o_d2d_retry");
    await until(() => refused().querySelector(".o_d2d_field_error"), "the correction checked on the tablet");
    await type('.o_d2d_rejected input[name="phone"]', "+7 903 555-00-11");
    await click(".o_d2d_retry");
    await until(() => !refused() && model.state.pending === 0 && !model.state.syncing, "the corrected lead sent");

    await logLead(7, "Ivan", "+999 1234 5678");
    await until(() => refused(), "the refused lead listed");
    await click(".o_d2d_discard");
    await until(() => !refused(), "the refused event discarded");
    if ((await model.queue.all()).length) throw new Error("events left in the queue");
    console.log("test successful");
}})()"""

SIGNED_OUT = """(async () => {
    if (!document.location.pathname.startsWith("/web/login")) throw new Error("not signed out: " + document.location);
    if (await caches.match("/d2d/agent")) throw new Error("A's page is still cached for offline use");
    console.log("test successful");
})()"""


class AgentAppBrowserCase(HttpCase, D2dLeadCommon):
    """The tablet app in headless Chromium, driven step by step (see step):
    the server can be made unreachable (server_down) and the database read
    between two requests (database)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warm_up_statics()

    @contextlib.contextmanager
    def server_down(self):
        """Every HTTP request fails at the server's door, the page's and the
        service worker's alike (a 503 from the WSGI entry point, before any
        Odoo code runs)."""

        def unavailable(application, environ, start_response):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]

        with patch.object(odoo.http.Application, "__call__", unavailable):
            yield

    @contextlib.contextmanager
    def database(self):
        """The test's cursor serves the browser's requests too: read it only
        between two requests (the lock they take), with a fresh cache."""
        with self.registry.test_lock:
            self.env.invalidate_all()
            yield
            self.env.invalidate_all()

    def step(self, browser, code):
        browser._result = Future()  # each step waits for its own success signal
        browser._wait_code_ok(
            code, 60, error_checker=lambda message: "503" not in message and "Failed to fetch" not in message
        )

    @contextlib.contextmanager
    def agent_app(self, login="test_agent"):
        """The app open in a browser, signed in as `login`, loaded online."""
        self.env.flush_all()
        browser = ChromeBrowser(self, headless=True)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, login, browser=browser)
            self.http_request_strict_check = True
            browser.navigate_to(f"{self.base_url()}/d2d/agent", wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "the app loaded online")
            yield browser
        finally:
            browser.stop()
            self._wait_remaining_requests()


@tagged("post_install", "-at_install")
class TestAgentAppOffline(AgentAppBrowserCase):
    """The tablet app in headless Chromium: loaded once online, reloaded with
    the server unreachable, doors logged offline, then synced: the database
    holds exactly those rows, once."""

    def test_offline_reload_log_doors_and_sync(self):
        house = self.house_a
        apartments = house.apartment_ids.filtered(lambda a: a.number in (1, 2))
        browser = ChromeBrowser(self, headless=True)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate("test_agent", "test_agent", browser=browser)
            self.http_request_strict_check = True
            self.cr.flush()
            self.cr.clear()
            url = f"{self.base_url()}/d2d/agent"
            browser.navigate_to(url, wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "the app loaded the territory online")
            self.step(browser, WAIT_FOR_SERVICE_WORKER)

            with self.server_down():
                browser.navigate_to(url, wait_stop=True)  # reload with the server unreachable
                self.assertTrue(browser._wait_ready(READY), "the app opened again offline, from its cache")
                self.step(browser, WORK_OFFLINE)
            with self.database():
                self.assertFalse(apartments.visit_ids, "nothing reached the server while it was down")

            self.step(browser, SYNC_BACK.replace("__HOUSE__", str(house.id)))
            with self.database():
                visits = self.env["d2d.visit"].search([("apartment_id", "in", apartments.ids)])
                self.assertEqual(sorted(visits.mapped("result")), ["closed", "lead"])
                self.assertEqual(visits.agent_id, self.agent)
                self.assertEqual(len(set(visits.mapped("uuid"))), 2)
                lead_apartment = apartments.filtered(lambda a: a.number == 2)
                self.assertEqual(lead_apartment.lead_id.phone, "+79165551234")
                self.assertEqual(lead_apartment.lead_id.d2d_service, "internet_tv")
                self.assertEqual(self.env["crm.lead"].search_count([("d2d_apartment_id", "=", lead_apartment.id)]), 1)
                self.assertEqual(apartments.filtered(lambda a: a.number == 1).status, "closed")
        finally:
            browser.stop()
            self._wait_remaining_requests()

    def test_refused_event_is_listed_corrected_and_sent_and_a_note_stays(self):
        """Online: the note typed before the result is the apartment's note,
        on the server and on the tablet; a refused event is listed with its
        reason and what was typed, sent again once corrected, or discarded."""
        flat_5, flat_6, flat_7 = (self.apartment(self.house_a, n) for n in (5, 6, 7))
        self.env.flush_all()
        browser = ChromeBrowser(self, headless=True)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate("test_agent", "test_agent", browser=browser)
            self.http_request_strict_check = True
            browser.navigate_to(f"{self.base_url()}/d2d/agent", wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "the app loaded online")
            self.step(browser, REFUSED_EVENTS)
            with self.database():
                self.assertEqual(flat_5.note, "Dog, ring twice")
                self.assertEqual(flat_5.visit_ids.mapped("note"), ["Dog, ring twice"])
                self.assertEqual(flat_6.visit_ids.mapped("phone"), ["+79035550011"], "the corrected lead only")
                self.assertEqual(flat_6.lead_id.contact_name, "Oleg")
                self.assertFalse(flat_7.visit_ids, "the discarded event was never recorded")
        finally:
            browser.stop()
            self._wait_remaining_requests()

    def test_switching_user_never_sends_an_agents_events_as_anothers(self):
        """A's event recorded offline stays A's when B signs in on the same
        tablet: B's app neither sends it nor shows it as B's; it is sent in
        A's name when A signs in again. Switching user drops the cached page."""
        self.territory_a.agent_ids = [(4, self.agent_b.id)]
        apartment_3, apartment_4 = (self.apartment(self.house_a, n) for n in (3, 4))
        self.env.flush_all()
        browser = ChromeBrowser(self, headless=True)
        url = f"{self.base_url()}/d2d/agent"
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate("test_agent", "test_agent", browser=browser)
            self.http_request_strict_check = True
            browser.navigate_to(url, wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "A's app loaded online")
            self.step(browser, WAIT_FOR_SERVICE_WORKER)
            with self.server_down():
                self.step(browser, RECORD_AS_A)
            with self.database():
                self.assertFalse(apartment_3.visit_ids)

            self.authenticate("test_agent_b", "test_agent_b", browser=browser)
            browser.navigate_to(url, wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "B's app loaded online")
            self.step(browser, WORK_AS_B)
            with self.database():
                self.assertFalse(apartment_3.visit_ids, "A's event was not sent while B was signed in")
                self.assertEqual(apartment_4.visit_ids.agent_id, self.agent_b)

            self.authenticate("test_agent", "test_agent", browser=browser)
            browser.navigate_to(url, wait_stop=True)
            self.assertTrue(browser._wait_ready(READY), "A's app loaded online again")
            self.step(browser, BACK_AS_A)
            self.assertTrue(browser._wait_ready("document.location.pathname.startsWith('/web/login')"))
            self.step(browser, SIGNED_OUT)
            with self.database():
                self.assertEqual(apartment_3.visit_ids.mapped("result"), ["refusal"])
                self.assertEqual(apartment_3.visit_ids.agent_id, self.agent, "sent in A's name")
                self.assertEqual(apartment_4.visit_ids.agent_id, self.agent_b)
        finally:
            browser.stop()
            self._wait_remaining_requests()
