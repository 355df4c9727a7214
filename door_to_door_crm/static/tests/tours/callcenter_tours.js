import { registry } from "@web/core/registry";

/**
 * The call-centre in the web client (tests/test_callcenter_browser.py): the
 * screen pop sent by the telephony while the operator works, and the quality
 * call from the caller's card, then the next client of the queue.
 */

const CARD = ".o_action_manager .o_d2d_callcenter_card";
const BREADCRUMBS = ".o_control_panel .o_breadcrumb";
const NOT_FOUND = ".o_notification.o_d2d_callcenter_not_found";

function click(content, trigger) {
    return { content, trigger, run: "click" };
}

function cardOf(name) {
    return {
        content: `The card of ${name} is open in the queue, with no dialog`,
        trigger: `body:not(:has(.modal)) ${CARD} .oe_title:contains(${name})`,
    };
}

function breadcrumbsAre(name, gone) {
    return {
        content: `The breadcrumbs lead to the queue and ${name} only, not to ${gone}`,
        trigger: `${BREADCRUMBS}:contains(Quality calls):contains(${name}):not(:contains(${gone}))`,
    };
}

/** The card's quality call: the wizard, a note (or not), then the next client. */
function qualityCall(button, note) {
    return [
        click(`The operator clicks “${button}”`, `${CARD} .o_statusbar_buttons button:contains(${button})`),
        {
            content: "The quality call's wizard asks for a note",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: note ? `edit ${note}` : "click",
        },
        click("Done, next client", ".modal button[name=action_confirm]"),
    ];
}

registry.category("web_tour.tours").add("d2d_callcenter_pop_tour", {
    steps: () => [
        {
            content: "The operator works in the queue; the page is marked to see that it never reloads",
            trigger: ".o_list_view .o_data_row:contains(Ivan Queue)",
            run() {
                window.d2dNoReload = true;
            },
        },
        {
            content: "The telephony rings: the caller's card pops, with the client's name",
            trigger: `${CARD} .oe_title:contains(Olga Petrova)`,
            timeout: 60000,
        },
        {
            content: "The card says where the client lives and where the lead stands",
            trigger: `${CARD}:contains(Baumana St):contains(Quality call)`,
        },
        breadcrumbsAre("Olga Petrova", "Ivan Queue"),
        {
            content: "A call from an unknown number pops the “number not found” card",
            trigger: `${NOT_FOUND}:contains(+79990001122)`,
            timeout: 30000,
        },
        {
            content: "All without reloading the page",
            trigger: "body",
            run() {
                if (!window.d2dNoReload) {
                    throw new Error("the page was reloaded");
                }
            },
        },
        click("The operator creates a lead for the caller", `${NOT_FOUND} button:contains(Create a lead)`),
        {
            content: "The form has the caller's number",
            trigger: ".modal .o_field_widget[name=phone] input",
            run() {
                if (this.anchor.value !== "+79990001122") {
                    throw new Error(`the caller's number is not filled in: ${this.anchor.value}`);
                }
            },
        },
        {
            content: "The operator writes the caller's name",
            trigger: ".modal .o_field_widget[name=contact_name] input",
            run: "edit Pavel Caller",
        },
        click("Create the lead", ".modal button[name=action_confirm]"),
        {
            content: "The lead is created for the office; the card stays open",
            trigger: ".o_notification:contains(The lead of Pavel Caller is created)",
        },
        cardOf("Olga Petrova"),
    ],
});

registry.category("web_tour.tours").add("d2d_callcenter_quality_tour", {
    steps: () => [
        cardOf("Olga Petrova"),
        ...qualityCall("Client connected", "Works fine, thanks"),
        {
            content: "A notification says where the lead went",
            trigger: ".o_notification:contains(out of your list)",
        },
        cardOf("Ivan Queue"),
        breadcrumbsAre("Ivan Queue", "Olga Petrova"),
        ...qualityCall("Not connected", "No signal in the kitchen"),
        cardOf("Petr Last"),
        breadcrumbsAre("Petr Last", "Ivan Queue"),
        click("Back to the queue by the breadcrumb", `${BREADCRUMBS} a:contains(Quality calls)`),
        {
            content: "The queue holds the last client only, and no error shows",
            trigger:
                "body:not(:has(.modal)) .o_list_view:not(:has(.o_data_row:contains(Olga))):not(:has(.o_data_row:contains(Ivan))) .o_data_row:contains(Petr Last)",
        },
        click("Connected, from the queue's row", ".o_data_row:contains(Petr Last) button[name=action_d2d_callcenter_quality_wizard]:contains(Connected)"),
        {
            content: "The wizard: no note needed",
            trigger: ".modal .o_field_widget[name=note] textarea",
        },
        click("Done, next client", ".modal button[name=action_confirm]"),
        {
            content: "No client is left: the empty queue, with no error",
            trigger: "body:not(:has(.modal)) .o_view_nocontent:contains(No client waits for a quality call)",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_callcenter_pipeline_tour", {
    steps: () => [
        click(
            "From the door-to-door pipeline, the operator confirms the connection",
            ".o_form_view .o_statusbar_buttons button[name=action_d2d_quality_call]"
        ),
        {
            content: "A notification says where the lead went",
            trigger: ".o_notification:contains(out of your list)",
        },
        {
            content: "The pipeline opens with fresh breadcrumbs: none leads back to the lead gone",
            trigger: `body:not(:has(.modal)) .o_action_manager:has(.o_kanban_view.o_d2d_kanban) ${BREADCRUMBS}:not(:has(.breadcrumb-item))`,
        },
    ],
});
