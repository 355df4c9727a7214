import {Component} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

/**
 * The "map of the house": entrances side by side, floors top to bottom, one
 * cell per apartment coloured by its status. A click opens the apartment.
 */
export class HouseMapField extends Component {
    static template = "door_to_door_crm.HouseMapField";
    static props = {...standardFieldProps};

    setup() {
        this.action = useService("action");
    }

    get map() {
        return this.props.record.data[this.props.name] || {entrances: [], statuses: {}};
    }

    get legend() {
        return Object.entries(this.map.statuses).map(([status, label]) => ({status, label}));
    }

    /** The competitors whose clients live in the house, with their colour. */
    get competitors() {
        return this.map.competitors || [];
    }

    cellTitle(cell) {
        return `${cell.number}: ${this.map.statuses[cell.status] || cell.status}`;
    }

    async openApartment(cell) {
        if (this.props.record.isDirty) {
            await this.props.record.save();
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "d2d.apartment",
            res_id: cell.id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

export const houseMapField = {
    component: HouseMapField,
    supportedTypes: ["json"],
};

registry.category("fields").add("d2d_house_map", houseMapField);
