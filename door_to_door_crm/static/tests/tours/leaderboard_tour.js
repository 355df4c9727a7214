import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("d2d_leaderboard_tour", {
    steps: () => [
        {
            content: "Today: the agent with a lead ranks first",
            trigger: ".o_d2d_leaderboard_table tbody tr:first-child:contains(Agent A):contains(1)",
        },
        {
            content: "The agent without a lead comes second",
            trigger: ".o_d2d_leaderboard_table tbody tr:nth-child(2):contains(Agent C)",
        },
        {
            content: "Switch to this month",
            trigger: ".o_d2d_leaderboard button:contains(This month)",
            run: "click",
        },
        {
            content: "The month's board shows the last month beside",
            trigger: ".o_d2d_leaderboard_table th.o_d2d_previous:contains(Last month)",
        },
    ],
});

registry.category("web_tour.tours").add("d2d_agent_stats_tour", {
    steps: () => [
        {
            content: "The pivot of this week lists the supervisor's agent",
            trigger: ".o_pivot:contains(Agent A)",
        },
        {
            content: "Open the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Today's row of the agent, with the doors knocked",
            trigger: ".o_data_row:contains(Agent A):contains(Territory A)",
        },
        {
            content: "Open the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
