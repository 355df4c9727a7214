import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { openQueueCard } from "./callcenter_queue";

// Sent by d2d.callcenter.incoming_call (models/d2d_callcenter.py, POP_NOTIFICATION).
export const POP_NOTIFICATION = "door_to_door_crm.callcenter_pop";
// The "number not found" card's form (wizards/d2d_callcenter_lead_wizard.py).
const NEW_LEAD_WIZARD = "d2d.callcenter.lead.wizard";

/**
 * Screen pop: when the telephony announces a call for this user, open the
 * caller's card in the quality-call queue (the best card the user may open)
 * without reloading the page, or say who calls, or that the number is unknown.
 */
export const callcenterService = {
    dependencies: ["action", "bus_service", "notification"],
    start(env, { action, bus_service, notification }) {
        /** The "number not found" card: say so, and offer to write the caller down as a lead. */
        async function notFound(phone) {
            const buttons = [];
            if (await user.checkAccessRight(NEW_LEAD_WIZARD, "create")) {
                buttons.push({
                    name: _t("Create a lead"),
                    primary: true,
                    onClick: () =>
                        action.doAction({
                            type: "ir.actions.act_window",
                            name: _t("New client on the phone"),
                            res_model: NEW_LEAD_WIZARD,
                            views: [[false, "form"]],
                            target: "new",
                            context: { default_phone: phone },
                        }),
                });
            }
            notification.add(_t("No client has the number %s.", phone), {
                title: _t("Incoming call"),
                type: "warning",
                sticky: true,
                className: "o_d2d_callcenter_not_found",
                buttons,
            });
        }

        function describe(card) {
            return [card.name, card.address, card.step_name, card.responsible].filter(Boolean).join(" · ");
        }

        bus_service.subscribe(POP_NOTIFICATION, async ({ phone, cards }) => {
            if (!cards.length) {
                return notFound(phone);
            }
            const openable = cards.find((card) => card.url);
            notification.add(cards.map(describe).join("\n"), {
                title: _t("Incoming call: %s", phone),
                type: "info",
                sticky: !openable,
            });
            if (openable) {
                await openQueueCard(action, openable.lead_id);
            }
        });
        bus_service.start();
    },
};

registry.category("services").add("d2d_callcenter", callcenterService);
