/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../../services/agent_service";

/** Always on top: online or not, events waiting, last sync, sync now, and
 * who is signed in (with the way to switch user). */
export class SyncBar extends Component {
    static template = "door_to_door_crm.SyncBar";
    static props = {};

    setup() {
        Object.assign(this, useAgent());
    }

    get lastSync() {
        return this.state.lastSync ? new Date(this.state.lastSync).toLocaleTimeString() : this.t.never;
    }
}
