import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The supervisor's leaderboard: agents ranked for today, this week and this
 * month by connections, then leads, then doors, the period before beside
 * (d2d.agent.stats.get_leaderboard).
 */
export class Leaderboard extends Component {
    static template = "door_to_door_crm.Leaderboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.state = useState({ board: null, period: "today" });
        this.periods = [
            { key: "today", label: _t("Today"), previous: _t("Yesterday") },
            { key: "week", label: _t("This week"), previous: _t("Last week") },
            { key: "month", label: _t("This month"), previous: _t("Last month") },
        ];
        onWillStart(() => this.load());
    }

    async load() {
        this.state.board = await this.orm.call("d2d.agent.stats", "get_leaderboard", []);
    }

    get current() {
        return this.state.board.periods[this.state.period];
    }

    get previousLabel() {
        return this.periods.find((period) => period.key === this.state.period).previous;
    }

    trend(line) {
        const before = line.previous.rank;
        if (!before || before === line.rank) {
            return "";
        }
        return before > line.rank ? "up" : "down";
    }
}

registry.category("actions").add("door_to_door_crm.leaderboard", Leaderboard);
