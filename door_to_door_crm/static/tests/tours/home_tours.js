import {registry} from "@web/core/registry";

/**
 * Each role signs in at /odoo and lands on its work (its home action, see
 * res_users._d2d_home_action): tests/test_home_tours.py runs one tour per
 * role with that role's login.
 */

const TITLE = ".o_control_panel .o_breadcrumb";

function landsOn(title, view) {
    return [
        {
            content: `The first screen is ${title}`,
            trigger: `body:not(:has(.modal)) ${TITLE}:contains(${title})`,
        },
        {
            content: "in its view, with no error",
            trigger: `.o_action_manager ${view}`,
        },
    ];
}

/** The pipeline's columns are the door-to-door steps and nothing else. */
function d2dColumns() {
    return {
        content: "The columns are the door-to-door steps, without the stock CRM ones",
        trigger: ".o_kanban_view.o_d2d_kanban .o_kanban_group .o_column_title:contains(Review)",
        run() {
            const titles = [...document.querySelectorAll(".o_kanban_view .o_kanban_header .o_column_title")].map(
                (node) => node.textContent.trim()
            );
            for (const step of ["New", "Review", "Coordination", "Installation", "Quality call"]) {
                if (!titles.includes(step)) {
                    throw new Error(`the column ${step} is missing: ${titles}`);
                }
            }
            for (const stock of ["Qualified", "Proposition", "Won"]) {
                if (titles.includes(stock)) {
                    throw new Error(`a stock CRM column is shown: ${titles}`);
                }
            }
        },
    };
}

registry.category("web_tour.tours").add("d2d_home_manager_tour", {
    steps: () => [...landsOn("Door-to-door leads", ".o_kanban_view.o_d2d_kanban"), d2dColumns()],
});

registry.category("web_tour.tours").add("d2d_home_supervisor_tour", {
    steps: () => [
        ...landsOn("Door-to-door leads", ".o_kanban_view.o_d2d_kanban"),
        {
            content: "filtered on the leads waiting for the supervisor",
            trigger: ".o_searchview .o_facet_values:contains(I must act)",
        },
        d2dColumns(),
    ],
});

registry.category("web_tour.tours").add("d2d_home_coordinator_tour", {
    steps: () => landsOn("Waiting for coordination", ".o_list_view"),
});

registry.category("web_tour.tours").add("d2d_home_callcenter_tour", {
    steps: () => landsOn("Quality calls", ".o_list_view"),
});

registry.category("web_tour.tours").add("d2d_home_installer_tour", {
    steps: () => landsOn("My jobs", ".o_kanban_view"),
});
