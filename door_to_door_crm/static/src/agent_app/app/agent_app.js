/** @odoo-module */
import {Component} from "@odoo/owl";
import {useAgent} from "../services/agent_service";
import {AgentMap} from "../components/agent_map/agent_map";
import {ApartmentCard} from "../components/apartment_card/apartment_card";
import {CallbackList} from "../components/callback_list/callback_list";
import {HouseGrid} from "../components/house_grid/house_grid";
import {HouseList} from "../components/house_list/house_list";
import {LeadCard} from "../components/lead_card/lead_card";
import {LeadList} from "../components/lead_list/lead_list";
import {MyRank} from "../components/my_rank/my_rank";
import {PotentialList} from "../components/potential_list/potential_list";
import {RefusedEvent} from "../components/refused_event/refused_event";
import {SyncBar} from "../components/sync_bar/sync_bar";
import {UndoBar} from "../components/undo_bar/undo_bar";

// The tabs, in their order: [key, word of the app's strings].
export const TABS = [
    ["houses", "houses"],
    ["map", "map"],
    ["leads", "leads"],
    ["callbacks", "callbacks"],
    ["potential", "potential"],
    ["rank", "my_rank"],
];

/** The agent's app: the sync bar, the events waiting for the agent, the
 * tabs and the screen open (a list, a house, an apartment, a lead: see the
 * service's `ui`). */
export class AgentApp extends Component {
    static template = "door_to_door_crm.AgentApp";
    static components = {
        AgentMap,
        ApartmentCard,
        CallbackList,
        HouseGrid,
        HouseList,
        LeadCard,
        LeadList,
        MyRank,
        PotentialList,
        RefusedEvent,
        SyncBar,
        UndoBar,
    };
    static props = {};

    setup() {
        Object.assign(this, useAgent());
        this.tabs = TABS;
    }

    get apartmentOpen() {
        return Boolean(this.ui.apartmentId && this.agent.apartment(this.ui.apartmentId, this.state));
    }

    get leadOpen() {
        return Boolean(this.ui.leadId && this.agent.myLeads(this.state).some((lead) => lead.id === this.ui.leadId));
    }

    get houseOpen() {
        return this.ui.tab === "houses" && Boolean(this.ui.houseId && this.agent.house(this.ui.houseId, this.state));
    }

    get othersPendingText() {
        return this.t.others_waiting.replace("%(count)s", this.state.othersPending);
    }

    tabCount(key) {
        if (key === "leads") {
            return this.agent.myLeads(this.state).filter((lead) => lead.code === "new" && lead.waiting !== "review").length;
        }
        if (key === "callbacks") {
            return this.agent.index(this.state).stats.size
                ? [...this.agent.index(this.state).stats.values()].reduce((sum, row) => sum + row.callbacks, 0)
                : 0;
        }
        return 0;
    }
}
