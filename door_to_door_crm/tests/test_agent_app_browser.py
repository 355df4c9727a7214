import contextlib
from concurrent.futures import Future
from unittest.mock import patch

import odoo.http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import D2dLeadCommon

READY = "window.d2dAgent && window.d2dAgent.state.houses.length > 0"

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
    await until(() => model.queue, "the queue");
    await until(() => !model.state.syncing, "the first sync attempt");
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

SYNC_BACK = """(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const model = window.d2dAgent;
    await model.sync();
    for (let i = 0; i < 100 && model.state.pending; i++) { await sleep(100); await model.sync(); }
    if (model.state.pending) throw new Error("events still waiting: " + model.state.pending);
    if (model.state.rejected.length) throw new Error("refused: " + JSON.stringify(model.state.rejected));
    await model.sync();  // a repeat sends nothing twice
    console.log("test successful");
})()"""


@tagged("post_install", "-at_install")
class TestAgentAppOffline(HttpCase, D2dLeadCommon):
    """The tablet app in headless Chromium: loaded once online, reloaded with
    the server unreachable, doors logged offline, then synced: the database
    holds exactly those rows, once."""

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

    def step(self, browser, code):
        browser._result = Future()  # each step waits for its own success signal
        browser._wait_code_ok(
            code, 60, error_checker=lambda message: "503" not in message and "Failed to fetch" not in message
        )

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
            self.assertFalse(apartments.visit_ids, "nothing reached the server while it was down")

            self.step(browser, SYNC_BACK)
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
