import {registry} from "@web/core/registry";

/** A step that waits for the map to draw `count` houses, then counts the
 * markers in the DOM. */
function markers(count, content) {
    return {
        content,
        trigger: `.o_d2d_map[data-house-count='${count}']`,
        run() {
            const found = document.querySelectorAll(".o_d2d_map .o_d2d_map_house").length;
            if (found !== count) {
                throw new Error(`Expected ${count} house markers on the map, found ${found}`);
            }
            const map = document.querySelector(".o_d2d_map").getBoundingClientRect();
            if (map.width < 300 || map.height < 300) {
                throw new Error(`The map is too small to use: ${map.width}×${map.height}`);
            }
            // fitted to the houses: every marker drawn inside the map
            const outside = [...document.querySelectorAll(".o_d2d_map .o_d2d_map_house")].filter((marker) => {
                const box = marker.getBoundingClientRect();
                const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
                return !box.width || x < map.left || x > map.right || y < map.top || y > map.bottom;
            });
            if (outside.length) {
                throw new Error(`${outside.length} house markers are outside the map`);
            }
        },
    };
}

/** The steps that search the houses of the test's territories (Territory A
 * and Territory B) in the search view: a database upgraded from the previous
 * release holds a city, whose houses the map shows too. */
function searchTheTestsTerritories() {
    return [
        {
            content: "The map is drawn",
            trigger: ".o_d2d_map[data-house-count]",
        },
        {
            content: "Search the houses of the test's territories",
            trigger: ".o_searchview_input",
            run: "edit Territory",
        },
        {
            content: "...by their territory",
            trigger: ".o_searchview_autocomplete .o_menu_item > a > b:not(.fst-italic):contains(Territory)",
            run: "click",
        },
        {
            content: "The search shows as a facet",
            trigger: ".o_searchview_facet:contains(Territory)",
        },
    ];
}

// The backend map of houses (tests/test_house_map.py): markers, search panel, form.
registry.category("web_tour.tours").add("d2d_geo_map_tour", {
    steps: () => [
        ...searchTheTestsTerritories(),
        markers(3, "The three houses with coordinates are on the map"),
        {
            content: "No tile is drawn nor requested: no tile URL is set",
            trigger: ".o_d2d_map:not(:has(img.leaflet-tile))",
        },
        {
            content: "The house with a lead shows its open leads",
            trigger: ".o_d2d_map_house.o_d2d_map_house_leads:contains(1)",
        },
        {
            content: "Colour the houses by their leading competitor",
            trigger: ".o_d2d_house_map_toolbar .o_d2d_colour_competitor",
            run: "click",
        },
        {
            content: "The legend names the leading competitor",
            trigger: ".o_d2d_house_map_legend .o_d2d_legend_competitor:contains(Rival Telecom)",
        },
        {
            content: "Pick Territory A in the search panel",
            trigger: ".o_search_panel_category_value .o_search_panel_label_title:contains(Territory A)",
            run: "click",
        },
        markers(2, "Only the two houses of Territory A remain"),
        {
            content: "Tap the house of Baumana St",
            trigger: ".o_d2d_map_icon[title^='Baumana St'] .o_d2d_map_house",
            run: "click",
        },
        {
            content: "Its form opens",
            trigger: ".o_form_view .o_breadcrumb .active:contains(Baumana St)",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_geo_map_tiles_tour", {
    steps: () => [
        ...searchTheTestsTerritories(),
        markers(3, "The houses are on the map"),
        {
            content: "Tiles are loaded from the configured URL",
            trigger: ".o_d2d_map img.leaflet-tile.leaflet-tile-loaded[src*='/web/static/img/placeholder.png?tile=']",
        },
        {
            content: "The attribution is shown",
            trigger: ".o_d2d_map .leaflet-control-attribution:contains(Test tiles)",
        },
    ],
});
