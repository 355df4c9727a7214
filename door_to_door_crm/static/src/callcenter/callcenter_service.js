import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";

// Sent by d2d.callcenter.incoming_call (models/d2d_callcenter.py, POP_NOTIFICATION).
export const POP_NOTIFICATION = "door_to_door_crm.callcenter_pop";

/**
 * Screen pop: when the telephony announces a call for this user, open the
 * caller's lead (the best card the user may open) without reloading the page,
 * or say who calls, or that the number is unknown.
 */
export const callcenterService = {
    dependencies: ["action", "bus_service", "notification"],
    start(env, { action, bus_service, notification }) {
        function openLead(card) {
            return action.doAction({
                type: "ir.actions.act_window",
                res_model: "crm.lead",
                res_id: card.lead_id,
                views: [[false, "form"]],
                target: "current",
            });
        }

        async function notFound(phone) {
            const buttons = [];
            if (await user.checkAccessRight("crm.lead", "create")) {
                buttons.push({
                    name: _t("Create a lead"),
                    primary: true,
                    onClick: () =>
                        action.doAction({
                            type: "ir.actions.act_window",
                            res_model: "crm.lead",
                            views: [[false, "form"]],
                            target: "current",
                            context: { default_phone: phone, default_type: "opportunity" },
                        }),
                });
            }
            notification.add(_t("No client has the number %s.", phone), {
                title: _t("Incoming call"),
                type: "warning",
                sticky: true,
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
                await openLead(openable);
            }
        });
        bus_service.start();
    },
};

registry.category("services").add("d2d_callcenter", callcenterService);
