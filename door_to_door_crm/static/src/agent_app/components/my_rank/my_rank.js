/** @odoo-module */
import {Component, onWillStart, useState} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";

const PERIODS = ["today", "week", "month"];

/** The agent's own rank and figures for today, this week and this month,
 * the period before beside (/d2d/agent/leaderboard, read when the tab opens;
 * offline: the figures read last, or a word that they need the network). */
export class MyRank extends Component {
    static props = {};
    static template = "door_to_door_crm.MyRank";

    setup() {
        const {agent, t} = useAgent();
        this.agent = agent;
        this.t = t;
        this.periods = PERIODS;
        this.state = useState({board: MyRank.lastBoard, offline: false});
        onWillStart(() => this.load());
    }

    async load() {
        try {
            MyRank.lastBoard = await this.agent.rpc("/d2d/agent/leaderboard", {});
            Object.assign(this.state, {board: MyRank.lastBoard, offline: false});
        } catch {
            this.state.offline = true;
        }
    }

    mine(period) {
        const line = this.state.board.periods[period].agents[0];
        return line || {connections: 0, leads: 0, doors: 0, rank: null, previous: {connections: 0, leads: 0, doors: 0}};
    }

    place(period, previous = false) {
        const rank = previous ? this.mine(period).previous.rank : this.mine(period).rank;
        return rank ? `${rank} / ${this.state.board.periods[period].count}` : "–";
    }
}
MyRank.lastBoard = null;
