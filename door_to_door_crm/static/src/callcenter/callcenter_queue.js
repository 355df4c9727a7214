import { registry } from "@web/core/registry";

// The operators' home: the quality-call queue, whose form is the caller's card
// (views/d2d_callcenter_views.xml).
export const QUEUE_ACTION = "door_to_door_crm.d2d_callcenter_queue_action";

/**
 * Open the queue with fresh breadcrumbs, then the card of `leadId` in it
 * ("Quality calls / the client"): no breadcrumb leads back to a lead the
 * operator may no longer see.
 */
export async function openQueueCard(action, leadId) {
    await action.doAction(QUEUE_ACTION, { clearBreadcrumbs: true });
    if (leadId) {
        await action.switchView("form", { resId: leadId });
    }
}

/**
 * The client action that follows a quality call (crm.lead
 * `_d2d_callcenter_then_next`): say where the lead went, open the next lead
 * of the queue, or the queue when none is left.
 */
async function callcenterNext(env, { params }) {
    env.services.notification.add(params.message, { type: "success" });
    await openQueueCard(env.services.action, params.lead_id);
}

registry.category("actions").add("d2d_callcenter_next", callcenterNext);
