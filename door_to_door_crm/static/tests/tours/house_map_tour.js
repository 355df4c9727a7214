import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("d2d_house_map_tour", {
    steps: () => [
        {
            content: "The map shows both entrances",
            trigger: ".o_d2d_house_map .o_d2d_house_map_entrance:nth-child(2)",
        },
        {
            content: "Apartment 6 is coloured as a refusal",
            trigger: ".o_d2d_cell.o_d2d_status_refusal:contains(6)",
        },
        {
            content: "An unvisited apartment opens from the map",
            trigger: ".o_d2d_cell.o_d2d_status_none:contains(40)",
            run: "click",
        },
        {
            content: "The apartment form is open",
            trigger: ".o_form_view .o_field_widget[name=status]",
        },
    ],
});
