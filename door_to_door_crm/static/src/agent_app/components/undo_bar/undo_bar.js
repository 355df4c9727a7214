/** @odoo-module */
import {Component, onWillUnmount, useState} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";

/** The last knock, for a few seconds after the tap: what was logged, and
 * "Undo" (the knock is not sent before, see events.js UNDO_SECONDS). */
export class UndoBar extends Component {
    static template = "door_to_door_crm.UndoBar";
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.clock = useState({now: Date.now()});
        this.interval = setInterval(() => {
            this.clock.now = Date.now();
            const knock = this.agent.state.lastKnock;
            if (knock && knock.until <= this.clock.now) {
                this.agent.forgetLastKnock();
            }
        }, 250);
        onWillUnmount(() => clearInterval(this.interval));
    }

    get knock() {
        const knock = this.state.lastKnock;
        return knock && knock.until > this.clock.now ? knock : null;
    }

    get secondsLeft() {
        return Math.max(1, Math.ceil((this.knock.until - this.clock.now) / 1000));
    }
}
