import {registry} from "@web/core/registry";
import {BadgeField, badgeField} from "@web/views/fields/badge/badge_field";

/**
 * A badge in a colour of Odoo's palette held by another field of the record,
 * as the `color_field` option of many2many_tags, for a many2one: a free slot's
 * crew in the crew's colour, the one of the crews' calendar.
 *
 *     <field name="crew_id" widget="d2d_color_badge" options="{'color_field': 'color'}"/>
 *
 * Without a colour (0, or no `color_field`), the badge's decorations apply.
 */
export class D2dColorBadgeField extends BadgeField {
    static template = "door_to_door_crm.ColorBadgeField";
    static props = {
        ...BadgeField.props,
        colorField: {type: String, optional: true},
    };

    get colorIndex() {
        return (this.props.colorField && this.props.record.data[this.props.colorField]) || 0;
    }
}

export const d2dColorBadgeField = {
    ...badgeField,
    component: D2dColorBadgeField,
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...badgeField.extractProps(fieldInfo, dynamicInfo),
        colorField: fieldInfo.options.color_field,
    }),
    // the colour is read with the record, without a column of its own in the view
    fieldDependencies: ({options}) => (options.color_field ? [{name: options.color_field, type: "integer"}] : []),
};

registry.category("fields").add("d2d_color_badge", d2dColorBadgeField);
