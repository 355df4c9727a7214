from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .test_agent_app_browser import AgentAppBrowserCase

# The page helpers of every step: wait, click, type, and the contrast of two
# CSS colours as WCAG 2 computes it.
HELPERS = """
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (check, what) => {
        for (let i = 0; i < 300; i++) { if (await check()) return; await sleep(50); }
        throw new Error("timed out waiting for " + what);
    };
    const $ = (selector) => document.querySelector(selector);
    const $$ = (selector) => [...document.querySelectorAll(selector)];
    const click = async (selector) => {
        await until(() => $(selector), selector);
        $(selector).click();
        await sleep(50);
    };
    const type = async (selector, value, event = "input") => {
        await until(() => $(selector), selector);
        const input = $(selector);
        input.value = value;
        input.dispatchEvent(new Event(event, { bubbles: true }));
        await sleep(20);
    };
    const luminance = (colour) => {
        const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map((v) => {
            v = Number(v) / 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a, b) => {
        const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (light + 0.05) / (dark + 0.05);
    };
    const openHouse = async (words) => {
        await type(".o_d2d_search", words);
        await until(() => $$(".o_d2d_house").length === 1, "the house " + words);
        await click(".o_d2d_house");
    };
    const model = window.d2dAgent;
    await model.ready;
"""

# A house of 8 entrances on an 800 px wide tablet: no sideways scrolling,
# floor 1 beside floor 1 although entrance 1 has fewer floors, the floor
# numbers, intercom codes, the legend in AA contrast, "nobody home" told
# apart from "not visited", the open-lead mark; in an apartment the results
# in the bottom half, and a chosen result shown selected.
HOUSE_GRID = f"""(async () => {{ {HELPERS}
    if (window.innerWidth !== 800) throw new Error("not a tablet's viewport: " + window.innerWidth);
    await type(".o_d2d_search", "tverskaya 8");
    await until(() => $$(".o_d2d_house").length === 1, "the search by street and number");
    await click(".o_d2d_house");
    await until(() => $$(".o_d2d_entrance").length === 8, "8 entrances");
    if ($$(".o_d2d_entrance_jump").length !== 8) throw new Error("no bar of the 8 entrances");
    const scroller = $(".o_d2d_grid_scroll");
    if (scroller.scrollWidth > scroller.clientWidth + 1 || document.documentElement.scrollWidth > 801) {{
        throw new Error("the house scrolls sideways: " + scroller.scrollWidth);
    }}
    const floorOne = (n) => $(`.o_d2d_entrance:nth-child(${{n}}) .o_d2d_floor[data-floor="1"]`).getBoundingClientRect();
    if (Math.abs(floorOne(1).bottom - floorOne(2).bottom) > 1) {{
        throw new Error("floor 1 of entrance 1 is not beside floor 1 of entrance 2");
    }}
    const numbers = $$(".o_d2d_entrance:nth-child(2) .o_d2d_floor_number").map((e) => e.textContent.trim());
    if (numbers.join() !== "9,8,7,6,5,4,3,2,1") throw new Error("floor numbers: " + numbers);
    if (!$(".o_d2d_entrance:nth-child(1) .o_d2d_intercom").textContent.includes("K1234")) {{
        throw new Error("the intercom code is not shown");
    }}
    for (const swatch of $$(".o_d2d_legend .o_d2d_swatch[data-status]")) {{
        const style = getComputedStyle(swatch);
        const ratio = contrast(style.color, style.backgroundColor);
        if (ratio < 4.5) throw new Error(`${{swatch.dataset.status}}: contrast ${{ratio.toFixed(2)}}:1`);
    }}
    const swatch = (status) => $(`.o_d2d_legend .o_d2d_swatch[data-status="${{status}}"]`);
    const background = (status) => getComputedStyle(swatch(status)).backgroundColor;
    if (contrast(background("none"), background("closed")) < 3) {{
        throw new Error("'nobody home' looks like 'not visited'");
    }}
    if (!$('.o_d2d_cell.has-lead[data-number="2"] .o_d2d_mark_lead')) throw new Error("no open-lead mark");
    await click('.o_d2d_cell[data-number="3"]');
    await until(() => $(".o_d2d_result"), "the apartment");
    for (const button of $$(".o_d2d_result")) {{
        if (button.getBoundingClientRect().top < window.innerHeight / 2) {{
            throw new Error("a result button is out of the thumb's reach: " + button.dataset.result);
        }}
        const style = getComputedStyle(button);
        if (contrast(style.color, style.backgroundColor) < 4.5) {{
            throw new Error("low contrast: " + button.dataset.result);
        }}
    }}
    await click('.o_d2d_result[data-result="competitor"]');
    const chosen = $('.o_d2d_result[data-result="competitor"]');
    if (chosen.getAttribute("aria-pressed") !== "true" || !chosen.classList.contains("is-selected")) {{
        throw new Error("the chosen result does not look selected");
    }}
    console.log("test successful");
}})()"""

# Knock, take it back within the few seconds, knock again and let it go.
UNDO = f"""(async () => {{ {HELPERS}
    await openHouse("baumana 1");
    await click('.o_d2d_cell[data-number="4"]');
    await click('.o_d2d_result[data-result="refusal"]');
    await until(() => $('.o_d2d_cell[data-number="4"].o_d2d_status_refusal'), "the knock shown");
    await click(".o_d2d_undo");
    await until(() => $('.o_d2d_cell[data-number="4"].o_d2d_status_none'), "the door back to not visited");
    if (model.state.pending || (await model.queue.all()).length) throw new Error("the knock taken back is queued");
    if ($(".o_d2d_undo")) throw new Error("the undo offer stays");
    await sleep(6000);
    await model.sync();
    await click('.o_d2d_cell[data-number="5"]');
    await click('.o_d2d_result[data-result="pensioner"]');
    await until(() => $(".o_d2d_undo"), "the undo offer");
    await until(() => !$(".o_d2d_undo"), "the offer over");
    await until(async () => (await model.sync(), model.state.pending === 0), "the knock sent");
    if (model.state.rejected.length) throw new Error("refused: " + JSON.stringify(model.state.rejected));
    console.log("test successful");
}})()"""

# "Come back at tomorrow 18:00" rides on the knock, shows on the grid and in
# the come-back list; a tap there opens the apartment.
CALLBACK = f"""(async () => {{ {HELPERS}
    await openHouse("baumana 1");
    await click('.o_d2d_cell[data-number="6"]');
    const tomorrow = new Date(Date.now() + 86400000);
    const pad = (n) => String(n).padStart(2, "0");
    const value = `${{tomorrow.getFullYear()}}-${{pad(tomorrow.getMonth() + 1)}}-${{pad(tomorrow.getDate())}}T18:00`;
    await type('input[name="callback_at"]', value);
    await click('.o_d2d_result[data-result="closed"]');
    await until(() => $('.o_d2d_cell[data-number="6"].has-callback .o_d2d_mark_callback'), "the callback mark");
    await click('.o_d2d_tabs button[data-tab="callbacks"]');
    await until(() => $$(".o_d2d_callback_row").length === 1, "the come-back list");
    if (!$(".o_d2d_callback_row").textContent.includes(String(tomorrow.getDate()))) {{
        throw new Error("the day is not shown: " + $(".o_d2d_callback_row").textContent);
    }}
    await click(".o_d2d_callback_row");
    await until(() => $(".o_d2d_callback_note"), "the apartment with its callback");
    await until(async () => (await model.sync(), model.state.pending === 0), "the knock sent");
    console.log("test successful");
}})()"""

# A lead returned by the supervisor, fixed and submitted again offline: the
# reason shown, the phone typed the Russian way normalised on the tablet,
# the move queued as an event; sent when the network is back.
FIX_LEAD_OFFLINE = f"""(async () => {{ {HELPERS}
    await click('.o_d2d_tabs button[data-tab="leads"]');
    await until(() => $(".o_d2d_lead"), "my leads");
    const first = $(".o_d2d_lead");
    if (!first.classList.contains("o_d2d_urgency_1")) throw new Error("the returned lead is not first");
    if (!first.querySelector(".o_d2d_tel")) throw new Error("no tap-to-call link");
    first.click();
    await until(() => $(".o_d2d_return_reason"), "the supervisor's reason");
    if (!$(".o_d2d_return_reason").textContent.includes("Wrong flat number")) throw new Error("not the reason");
    await type('.o_d2d_lead_fix input[name="phone"]', "12");
    await click(".o_d2d_submit_lead");
    await until(() => $(".o_d2d_lead_fix .o_d2d_field_error"), "the phone refused on the tablet");
    await type('.o_d2d_lead_fix input[name="contact_name"]', "Olga Petrova");
    await type('.o_d2d_lead_fix input[name="phone"]', "8 916 765-43-21");
    await click(".o_d2d_submit_lead");
    await until(() => !$(".o_d2d_lead_card"), "the lead card closed");
    await until(() => model.state.pending === 1, "the submit queued");
    const lead = model.myLeads().find((l) => l.waiting === "review");
    if (!lead || lead.phone !== "+79167654321" || lead.contactName !== "Olga Petrova") {{
        throw new Error("the fixes are not shown: " + JSON.stringify(lead));
    }}
    console.log("test successful");
}})()"""

SYNC_BACK = f"""(async () => {{ {HELPERS}
    window.dispatchEvent(new Event("online"));
    await until(async () => (await model.sync(), model.state.pending === 0), "the submit sent");
    if (model.state.rejected.length) throw new Error("refused: " + JSON.stringify(model.state.rejected));
    await until(() => model.myLeads().some((l) => l.code === "review"), "the lead at review on the tablet");
    console.log("test successful");
}})()"""

# The Map tab: the houses with a place (the other one counted), a tap opens
# the house; no tile is requested without a tile URL.
MAP = f"""(async () => {{ {HELPERS}
    await click('.o_d2d_tabs button[data-tab="map"]');
    await until(() => $(".o_d2d_map[data-house-count]"), "the map drawn");
    const count = Number($(".o_d2d_map").dataset.houseCount);
    if (count !== 1) throw new Error("1 house with a place expected, " + count + " drawn");
    if ($("img.leaflet-tile")) throw new Error("a tile was requested with no tile URL");
    if (!$(".o_d2d_map_missing") || !$(".o_d2d_map_missing").textContent.includes("1")) {{
        throw new Error("the house without a place is not counted");
    }}
    $(".o_d2d_map_house[data-house-id='__HOUSE__']").click();
    await until(() => $(".o_d2d_house_grid[data-house-id='__HOUSE__'] .o_d2d_cell"), "the house opened from the map");
    console.log("test successful");
}})()"""

# Potential clients: grouped by house and reason, filtered, virtualised; the
# list is where it was after an apartment opened from it is closed.
POTENTIAL = f"""(async () => {{ {HELPERS}
    await click('.o_d2d_tabs button[data-tab="potential"]');
    await until(() => $(".o_d2d_group_head"), "the groups");
    const heads = $$(".o_d2d_group_head").map((e) => e.textContent.replace(/\\s+/g, " ").trim());
    // by house, then by reason (the third group, far below, is not drawn)
    if (!heads[0].includes("Baumana St") || !heads[1].includes("Tverskaya St") || !heads[1].includes("150")) {{
        throw new Error("groups: " + heads);
    }}
    const list = $(".o_d2d_potential_list .o_d2d_virtual_list");
    if (Number(list.dataset.count) !== 3 + 201) throw new Error("rows: " + list.dataset.count);
    if ($$(".o_d2d_potential").length > 40) throw new Error("every row is drawn: " + $$(".o_d2d_potential").length);
    await type('select[name="potential_reason"]', "refusal", "change");
    await until(() => Number(list.dataset.count) === 2 + 51, "the refusals only");
    await type('select[name="potential_reason"]', "", "change");
    await type('input[name="potential_search"]', "tverskaya 12");
    await until(() => $$(".o_d2d_potential").some((e) => e.textContent.includes("12")), "the search");
    await type('input[name="potential_search"]', "");
    await until(() => Number(list.dataset.count) === 204, "all again");
    list.scrollTop = 3000;
    list.dispatchEvent(new Event("scroll"));
    await sleep(100);
    const top = list.getBoundingClientRect().top;
    const row = $$(".o_d2d_potential").find((e) => e.getBoundingClientRect().top > top + 20);
    const number = row.dataset.apartmentId;
    row.click();
    await until(() => $(".o_d2d_apartment"), "the apartment");
    await click(".o_d2d_apartment .o_d2d_back");
    await until(() => $(".o_d2d_potential_list .o_d2d_virtual_list"), "the list again");
    const again = $(".o_d2d_potential_list .o_d2d_virtual_list");
    if (Math.abs(again.scrollTop - 3000) > 2) throw new Error("the list lost its place: " + again.scrollTop);
    if (!$(`.o_d2d_potential[data-apartment-id="${{number}}"]`)) throw new Error("the row is not in sight");
    console.log("test successful");
}})()"""

MAP_WITH_TILES = f"""(async () => {{ {HELPERS}
    await click('.o_d2d_tabs button[data-tab="map"]');
    await until(() => $("img.leaflet-tile.leaflet-tile-loaded[src*='placeholder.png?tile=']"), "a tile loaded");
    await until(() => $(".leaflet-control-attribution") &&
                      $(".leaflet-control-attribution").textContent.includes("Test tiles"), "the attribution");
    console.log("test successful");
}})()"""


@tagged("post_install", "-at_install")
class TestAgentAppTablet(AgentAppBrowserCase):
    """The agent's tablet as an agent holds it (800×1280 in Chromium): the
    house grid, undo, callbacks, a returned lead fixed and submitted
    offline, the map with and without tiles."""

    browser_size = "800x1280"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big_house = cls.create_house(cls.territory_a, "Tverskaya St", "8", entrances=8, floors=9, per_floor=4)
        entrance_one = cls.big_house.entrance_ids.sorted("number")[0]
        entrance_one.intercom_code = "K1234"
        # entrance 1 has 5 floors only
        entrance_one.apartment_ids.filtered(lambda a: a.floor > 5).unlink()

    def test_a_house_of_eight_entrances_fits_the_tablet(self):
        self.visit(self.apartment(self.big_house, 2), "lead", user=self.agent, phone="+79161234567")
        self.visit(self.apartment(self.big_house, 1), "closed", user=self.agent)
        with self.agent_app() as browser:
            self.step(browser, HOUSE_GRID)

    def test_a_knock_taken_back_is_never_sent(self):
        flat_4, flat_5 = (self.apartment(self.house_a, n) for n in (4, 5))
        with self.agent_app() as browser:
            self.step(browser, UNDO)
            with self.database():
                self.assertFalse(flat_4.visit_ids, "the knock taken back")
                self.assertEqual(flat_5.visit_ids.mapped("result"), ["pensioner"])

    def test_a_callback_rides_on_the_knock_and_is_listed(self):
        flat_6 = self.apartment(self.house_a, 6)
        with self.agent_app() as browser:
            self.step(browser, CALLBACK)
            with self.database():
                self.assertEqual(flat_6.status, "closed")
                self.assertTrue(flat_6.callback_date, "the callback is the apartment's")
                self.assertGreater(flat_6.callback_date, fields.Datetime.now() + timedelta(hours=1))

    def test_a_returned_lead_is_fixed_and_submitted_offline(self):
        lead = self.knock_lead(phone="+79161234567", name="Olga")
        lead.with_user(self.agent).action_d2d_submit()
        lead.with_user(self.supervisor).action_d2d_return_to_agent(reason="Wrong flat number")
        with self.agent_app() as browser:
            with self.server_down():
                self.step(browser, FIX_LEAD_OFFLINE)
            self.step(browser, SYNC_BACK)
            with self.database():
                self.assertEqual(lead.d2d_stage_code, "review")
                self.assertEqual((lead.phone, lead.contact_name), ("+79167654321", "Olga Petrova"))

    def test_potential_clients_are_grouped_filtered_and_keep_their_place(self):
        apartments = self.big_house.apartment_ids.sorted("number")[:200]
        results = ["closed"] * 150 + ["refusal"] * 50
        self.env["d2d.visit"].with_user(self.agent).create(
            [{"apartment_id": a.id, "result": r} for a, r in zip(apartments, results, strict=True)]
        )
        self.visit(self.apartment(self.house_a, 1), "refusal", user=self.agent)
        with self.agent_app() as browser:
            self.step(browser, POTENTIAL)

    def test_the_map_tab_without_tiles_opens_a_house(self):
        self.house_a.write({"latitude": 55.7781, "longitude": 37.6312})
        with self.agent_app() as browser:
            self.step(browser, MAP.replace("__HOUSE__", str(self.house_a.id)))

    def test_the_map_tab_loads_the_configured_tiles(self):
        self.house_a.write({"latitude": 55.7781, "longitude": 37.6312})
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("door_to_door_crm.map_tile_url", "/web/static/img/placeholder.png?tile={z}/{x}/{y}")
        parameters.set_param("door_to_door_crm.map_tile_attribution", "Test tiles")
        with self.agent_app() as browser:
            self.step(browser, MAP_WITH_TILES)
