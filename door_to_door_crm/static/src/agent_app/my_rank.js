/** @odoo-module */
import {Component, onWillStart, useState, xml} from "@odoo/owl";

const PERIODS = ["today", "week", "month"];

/** The agent's own rank and figures for today, this week and this month,
 * the period before beside (/d2d/agent/leaderboard, read when the tab opens;
 * offline: the figures read last, or a word that they need the network). */
export class MyRank extends Component {
    static props = {model: Object};
    static template = xml`
        <div class="o_d2d_rank">
            <div t-if="state.offline" class="o_d2d_rank_offline" t-esc="t.rank_offline"/>
            <table t-if="state.board" class="o_d2d_rank_table">
                <thead>
                    <tr><th/><th t-esc="t.rank"/><th t-esc="t.rank_connections"/><th t-esc="t.rank_leads"/><th t-esc="t.rank_doors"/></tr>
                </thead>
                <tbody>
                    <t t-foreach="periods" t-as="period" t-key="period">
                        <tr t-att-class="'o_d2d_rank_' + period">
                            <th t-esc="t['rank_' + period]"/>
                            <td class="o_d2d_rank_place" t-esc="place(period)"/>
                            <td t-esc="mine(period).connections"/>
                            <td t-esc="mine(period).leads"/>
                            <td t-esc="mine(period).doors"/>
                        </tr>
                        <tr class="o_d2d_rank_previous">
                            <th t-esc="t['rank_previous_' + period]"/>
                            <td t-esc="place(period, true)"/>
                            <td t-esc="mine(period).previous.connections"/>
                            <td t-esc="mine(period).previous.leads"/>
                            <td t-esc="mine(period).previous.doors"/>
                        </tr>
                    </t>
                </tbody>
            </table>
        </div>`;

    setup() {
        this.t = this.props.model.t;
        this.periods = PERIODS;
        this.state = useState({board: MyRank.lastBoard, offline: false});
        onWillStart(() => this.load());
    }

    async load() {
        try {
            MyRank.lastBoard = await this.props.model.rpc("/d2d/agent/leaderboard", {});
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
