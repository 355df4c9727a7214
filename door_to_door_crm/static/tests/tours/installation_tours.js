import {registry} from "@web/core/registry";

/**
 * A small real image file, drawn on a canvas, handed to a file input as if
 * picked on the phone (camera or gallery).
 */
async function pickPhoto(fieldName, type, colour) {
    const input = document.querySelector(`.modal .o_field_widget[name=${fieldName}] input[type=file]`);
    if (!input) {
        throw new Error(`no file input for ${fieldName}`);
    }
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext("2d");
    context.fillStyle = colour;
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "white";
    context.fillRect(20, 20, 80, 60);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
    const extension = type === "image/png" ? "png" : "jpg";
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], `${fieldName}.${extension}`, {type}));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
}

const CLIENT = "Vera Tourova";
const JOB_CLIENT = "Ivan Mobilov";
const MISSED_CLIENT = "Galina Vcherova";
const SLOTS = ".modal .o_field_widget[name=slot_ids] .o_data_row";

registry.category("web_tour.tours").add("d2d_coordinator_booking_tour", {
    steps: () => [
        {
            content: "The longest waiting lead comes first, with its days of waiting and its card ready",
            trigger: `.o_list_view .o_data_row:first-child:contains(${CLIENT}):has(td[name=d2d_waiting_days]:contains(3)) td[name=d2d_card_complete] input:checked`,
        },
        {
            content: "Open the lead",
            trigger: `.o_list_view .o_data_row:contains(${CLIENT}) td[name=name]`,
            run: "click",
        },
        {
            content: "Open the booking wizard",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_d2d_open_schedule_wizard]",
            run: "click",
        },
        {
            content: "The wizard proposes several free slots",
            trigger: `${SLOTS}:nth-child(3) td[name=crew_id]`,
        },
        {
            content: "Each slot shows its crew in the crew's colour",
            trigger: `${SLOTS} td[name=crew_id] .o_tag.o_tag_color_3:contains(Crew North)`,
        },
        {
            trigger: `${SLOTS} td[name=crew_id] .o_tag.o_tag_color_7:contains(Crew South)`,
        },
        {
            content: "Book the first slot in one click",
            trigger: `${SLOTS}:first-child button[name=action_book]`,
            run: "click",
        },
        {
            content: "The wizard closed and the lead is scheduled",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_field_widget[name=stage_id] .o_arrow_button_current:contains(Installation)",
        },
        {
            content: "Open the crews' schedule on the job's week",
            trigger: ".o_form_view button[name=action_d2d_open_calendar]",
            run: "click",
        },
        {
            content: "The job is on the calendar, in its crew's colour",
            trigger: `.o_calendar_view .fc-event[class*=o_calendar_color_]:not(.o_calendar_color_0):contains(${CLIENT})`,
        },
        {
            content: "The calendar can filter by crew",
            trigger: ".o_calendar_filter[data-name=crew_id] .o_calendar_filter_item",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_installer_report_tour", {
    steps: () => [
        {
            content: "My jobs opens on a phone-sized screen",
            trigger: `.o_kanban_renderer .o_kanban_record:contains(${JOB_CLIENT})`,
            run() {
                if (window.innerWidth > 500) {
                    throw new Error(`not a phone screen: ${window.innerWidth}px wide`);
                }
            },
        },
        {
            content: "The card says where the door is and what to connect",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) .o_d2d_job_door:contains(45K9876) + .o_d2d_job_tariff:contains(Home 500):contains(Router × 2)`,
        },
        {
            content: "The client's phone is a one-tap call link",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) a[href^="tel:+7"]`,
        },
        {
            content: "The address opens the phone's map app",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) a[href^="geo:"]`,
        },
        {
            content: "The coordinator's notes are on the card",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) .o_d2d_job_note:contains(Call from the entrance)`,
        },
        {
            content: "Last week's missed job is still to do",
            trigger: `.o_kanban_record:contains(${MISSED_CLIENT}) button[name=action_start]`,
        },
        {
            content: "The call and map buttons are big enough for a thumb",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) a[href^="tel:"]`,
            run() {
                const record = [...document.querySelectorAll(".o_kanban_record")].find((card) =>
                    card.textContent.includes(JOB_CLIENT)
                );
                for (const link of record.querySelectorAll('a[href^="tel:"], a[href^="geo:"]')) {
                    if (link.getBoundingClientRect().height < 44) {
                        throw new Error(
                            `${link.getAttribute("href")} is ${link.getBoundingClientRect().height}px high`
                        );
                    }
                }
            },
        },
        {
            content: "Start the job",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) button[name=action_start]`,
            run: "click",
        },
        {
            content: "The job is on its way",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}):not(:has(button[name=action_start])) .o_field_badge:contains(On the way)`,
        },
        {
            content: "Open the report",
            trigger: `.o_kanban_record:contains(${JOB_CLIENT}) button.btn-success:contains(Report)`,
            run: "click",
        },
        {
            content: "Connected",
            trigger: ".modal .o_field_widget[name=result] input[data-value=connected]",
            run: "click",
        },
        {
            content: "The port",
            trigger: ".modal .o_field_widget[name=port] input",
            run: "edit A-7",
        },
        {
            content: "The cable mark at the start, on the numeric keyboard, typed with a comma",
            trigger: ".modal .o_field_widget[name=cable_mark_start] input[inputmode=decimal]",
            run: "edit 120,5",
        },
        {
            content: "The cable mark at the end",
            trigger: ".modal .o_field_widget[name=cable_mark_end] input[inputmode=decimal]",
            run: "edit 98",
        },
        {
            content: "Photo of the passport (a PNG from the gallery)",
            trigger: ".modal .o_field_widget[name=photo_passport] .o_d2d_photo_button",
            run: () => pickPhoto("photo_passport", "image/png", "steelblue"),
        },
        {
            trigger: ".modal .o_field_widget[name=photo_passport] img.o_d2d_photo_preview",
        },
        {
            content: "Photo of the cable entry",
            trigger: ".modal .o_field_widget[name=photo_cable_entry] .o_d2d_photo_button",
            run: () => pickPhoto("photo_cable_entry", "image/jpeg", "darkorange"),
        },
        {
            trigger: ".modal .o_field_widget[name=photo_cable_entry] img.o_d2d_photo_preview",
        },
        {
            content: "Photo of the box",
            trigger: ".modal .o_field_widget[name=photo_box] .o_d2d_photo_button",
            run: () => pickPhoto("photo_box", "image/jpeg", "seagreen"),
        },
        {
            trigger: ".modal .o_field_widget[name=photo_box] img.o_d2d_photo_preview",
        },
        {
            content: "Send the report",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The job shows connected",
            trigger: `body:not(:has(.modal)) .o_kanban_record:contains(${JOB_CLIENT}) .o_field_badge:contains(Connected)`,
        },
    ],
});
