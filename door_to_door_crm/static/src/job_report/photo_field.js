import {registry} from "@web/core/registry";
import {ImageField, imageField} from "@web/views/fields/image/image_field";

/**
 * A photo taken on a phone: one big button that opens the camera (or the
 * gallery), and the photo underneath once taken. Odoo's image field hides
 * its small upload pencil until hovered, which a touch screen never does.
 */
export class D2dPhotoField extends ImageField {
    static template = "door_to_door_crm.PhotoField";
}

export const d2dPhotoField = {
    ...imageField,
    component: D2dPhotoField,
};

registry.category("fields").add("d2d_photo", d2dPhotoField);
