import {registry} from "@web/core/registry";

/**
 * The door-to-door lead form, one move per tour, as each role makes it: the
 * test (tests/test_lead_tours.py) opens the lead, runs the tour with the
 * role's login and checks the database after it.
 */

const STEP = ".o_form_view .o_field_widget[name=stage_id] .o_arrow_button_current";
const BUTTONS = ".o_form_view .o_statusbar_buttons";

function atStep(label) {
    return {
        content: `The lead is at the step ${label}`,
        trigger: `${STEP}:contains(${label})`,
    };
}

function click(content, trigger) {
    return {content, trigger, run: "click"};
}

/** The reason wizard: type the reason, confirm. */
function giveReason(reason) {
    return [
        {
            content: "The wizard asks why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: `edit ${reason}`,
        },
        click("Confirm", ".modal button[name=action_confirm]"),
    ];
}

/** The lead left the user's sight: a notification says where it went and
 * the door-to-door leads open instead of an error. */
function outOfSight(label) {
    return [
        {
            content: `A notification says the lead went on to ${label}`,
            trigger: `.o_notification:contains(${label})`,
        },
        {
            content: "The door-to-door leads are open, with no dialog and no error",
            trigger: "body:not(:has(.modal)) .o_action_manager .o_kanban_view.o_d2d_kanban",
        },
    ];
}

registry.category("web_tour.tours").add("d2d_lead_agent_submit_tour", {
    steps: () => [
        atStep("New"),
        click("Submit the lead to the supervisor", `${BUTTONS} button[name=action_d2d_submit]`),
        atStep("Review"),
        {
            content: "The button is gone: the agent's part is done",
            trigger: `${BUTTONS}:not(:has(button[name=action_d2d_submit]))`,
        },
        {
            content: "The chatter says who moved it",
            trigger: ".o-mail-Message:contains(moved the lead)",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_lead_supervisor_return_tour", {
    steps: () => [
        atStep("Review"),
        click(
            "Return the lead to the agent",
            `${BUTTONS} button[name=action_d2d_open_reason_wizard]:contains(Return to agent)`
        ),
        ...giveReason("Ask for the floor, the flat number looks wrong"),
        {
            content: "The wizard closed and the lead is back with the agent",
            trigger: `body:not(:has(.modal)) ${STEP}:contains(New)`,
        },
        {
            content: "The chatter shows the reason",
            trigger: ".o-mail-Message:contains(the flat number looks wrong)",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_lead_supervisor_send_tour", {
    steps: () => [
        atStep("Review"),
        click("Send the lead to coordination", `${BUTTONS} button[name=action_d2d_send_to_coordination]`),
        atStep("Coordination"),
        {
            content: "The supervisor's buttons are gone",
            trigger: `${BUTTONS}:not(:has(button[name=action_d2d_send_to_coordination]))`,
        },
    ],
});

registry.category("web_tour.tours").add("d2d_lead_coordinator_return_tour", {
    steps: () => [
        atStep("Coordination"),
        click(
            "Return the lead to the supervisor",
            `${BUTTONS} button[name=action_d2d_open_reason_wizard]:contains(Return to supervisor)`
        ),
        ...giveReason("The client wants a call before booking"),
        ...outOfSight("Review"),
    ],
});

registry.category("web_tour.tours").add("d2d_lead_callcenter_not_connected_tour", {
    steps: () => [
        atStep("Quality"),
        click(
            "The client says it does not work",
            `${BUTTONS} button[name=action_d2d_open_reason_wizard]:contains(Not connected)`
        ),
        ...giveReason("No signal in the bedroom"),
        ...outOfSight("Coordination"),
    ],
});

registry.category("web_tour.tours").add("d2d_lead_callcenter_connected_tour", {
    steps: () => [
        atStep("Quality"),
        click("The client confirms the connection", `${BUTTONS} button[name=action_d2d_quality_call]`),
        ...outOfSight("Connected"),
    ],
});

registry.category("web_tour.tours").add("d2d_lead_lost_tour", {
    steps: () => [
        atStep("Coordination"),
        click("Mark the lead lost", `${BUTTONS} button:contains(Lost)`),
        {
            content: "Odoo's lost wizard asks for a lost reason",
            trigger: ".modal .o_field_widget[name=lost_reason_id] input",
            run: "edit Moved away",
        },
        click("Choose the reason", ".o-autocomplete--dropdown-item:contains(Moved away)"),
        click("Mark as lost", ".modal button[name=action_lost_reason_apply]"),
        {
            content: "The lead is lost: the ribbon shows it",
            trigger: "body:not(:has(.modal)) .o_form_view .ribbon span:contains(Lost)",
        },
        {
            content: "and the workflow's buttons are gone",
            trigger: ".o_form_view .o_form_renderer:not(:has(button[name=action_d2d_open_schedule_wizard]))",
        },
        {
            content: "The chatter says who lost it, where and why",
            trigger: ".o-mail-Message:contains(marked the lead lost):contains(Moved away)",
        },
    ],
});

const KANBAN = ".o_kanban_view.o_d2d_kanban";
const CARD = `${KANBAN} .o_kanban_record`;

registry.category("web_tour.tours").add("d2d_lead_kanban_tour", {
    steps: () => [
        {
            content: "Planned ahead: a green card",
            trigger: `${CARD}.oe_kanban_card_success:contains(Green Lead)`,
        },
        {
            content: "Due today: a yellow card",
            trigger: `${CARD}.oe_kanban_card_warning:contains(Yellow Lead)`,
        },
        {
            content: "Overdue: a red card, marked stuck",
            trigger: `${CARD}.oe_kanban_card_danger:contains(Red Lead):contains(Stuck)`,
        },
        {
            content: "Nothing planned: a grey card",
            trigger: `${CARD}:not(.oe_kanban_card_success, .oe_kanban_card_warning, .oe_kanban_card_danger):contains(Grey Lead)`,
        },
        {
            content: "The four colours are painted, each its own",
            trigger: `${CARD}:contains(Grey Lead)`,
            run() {
                const colour = (name) =>
                    getComputedStyle(
                        [...document.querySelectorAll(CARD)].find((card) => card.textContent.includes(name))
                    ).borderLeftColor;
                const colours = ["Green Lead", "Yellow Lead", "Red Lead", "Grey Lead"].map(colour);
                if (new Set(colours).size !== 4) {
                    throw new Error(`the cards' colours are not four different ones: ${colours}`);
                }
                const [green, , red] = colours.map((rgb) => rgb.match(/\d+/g).map(Number));
                if (!(green[1] > green[0] && red[0] > red[1])) {
                    throw new Error(`green is not green or red is not red: ${colours}`);
                }
            },
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the overdue ones",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Activity overdue)",
            run: "click",
        },
        {
            content: "Only the red card is left",
            trigger: `${KANBAN}:not(:has(.o_kanban_record:contains(Green Lead))) .o_kanban_record.oe_kanban_card_danger:contains(Red Lead)`,
        },
        {
            content: "Filter the ones with nothing planned instead",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Activity overdue)",
            run: "click",
        },
        {
            content: "Nothing planned",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Nothing planned)",
            run: "click",
        },
        {
            content: "Only the grey card is left",
            trigger: `${KANBAN}:not(:has(.o_kanban_record:contains(Red Lead))) .o_kanban_record:contains(Grey Lead)`,
        },
    ],
});

registry.category("web_tour.tours").add("d2d_lead_stuck_colour_tour", {
    steps: () => [
        {
            content: "Past its deadline with an activity due today: stuck",
            trigger: `${CARD}:contains(Late Today):has(.ribbon:contains(Stuck))`,
        },
        {
            content: "An overdue activity within the step's time limit: not stuck",
            trigger: `${CARD}:contains(Overdue In Time):not(:has(.ribbon))`,
        },
        {
            content: "Red is stuck and stuck is red",
            trigger: `${CARD}:contains(Grey Lead)`,
            run() {
                const colour = (name) =>
                    getComputedStyle(
                        [...document.querySelectorAll(CARD)].find((card) => card.textContent.includes(name))
                    ).borderLeftColor;
                const [lateToday, red, inTime, yellow] = ["Late Today", "Red Lead", "Overdue In Time", "Yellow Lead"].map(colour);
                if (lateToday !== red || inTime !== yellow || red === yellow) {
                    throw new Error(`stuck and red disagree: ${[lateToday, red, inTime, yellow]}`);
                }
                const card = [...document.querySelectorAll(CARD)].find((c) => c.textContent.includes("Red Lead"));
                const waiting = card.querySelector(".o_d2d_waiting");
                if (!waiting || !/3\s+days/.test(waiting.textContent)) {
                    throw new Error(`the card shows no days at the step: ${card.textContent}`);
                }
                const apartment = card.querySelector(".o_d2d_apartment").textContent.trim();
                if (card.textContent.split(apartment).length !== 2) {
                    throw new Error(`the apartment ${apartment} is not shown once: ${card.textContent}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("d2d_lead_stuck_tour", {
    steps: () => [
        {
            content: "The stuck leads come grouped by step: open the step Review",
            trigger: ".o_list_view .o_group_header:contains(Review)",
            run() {
                const header = [...document.querySelectorAll(".o_list_view .o_group_header")].find((row) =>
                    row.textContent.includes("Review")
                );
                if (!header.classList.contains("o_group_open")) {
                    header.click();
                }
            },
        },
        {
            content: "The lead past its time limit is listed",
            trigger: ".o_list_view .o_data_row:contains(Red Lead)",
        },
        {
            content: "in red",
            trigger: ".o_list_view .o_data_row.text-danger:contains(Red Lead)",
        },
        {
            content: "and the others are not",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(Green Lead))):not(:has(.o_data_row:contains(Grey Lead)))",
        },
    ],
});
