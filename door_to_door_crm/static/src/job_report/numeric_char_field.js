import {registry} from "@web/core/registry";
import {CharField, charField} from "@web/views/fields/char/char_field";

/**
 * A number typed as text on a phone: the cable's metre marks. The field
 * stays a char (an empty mark stays empty, "120,5" is read by the server),
 * but the phone opens its numeric keyboard, with the decimal separator.
 * Odoo's char field has no option for it (`type` is an integer's option).
 *
 *     <field name="cable_mark_start" widget="d2d_numeric_char"/>
 */
export class D2dNumericCharField extends CharField {
    static template = "door_to_door_crm.NumericCharField";
}

export const d2dNumericCharField = {
    ...charField,
    component: D2dNumericCharField,
};

registry.category("fields").add("d2d_numeric_char", d2dNumericCharField);
