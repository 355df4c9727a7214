from odoo import api, fields, models

from .crm_lead import OPEN_STEPS


class CrmLead(models.Model):
    """The lead's call-centre part: its calls, the search by phone in any
    format, and the caller's card that d2d.callcenter sends the telephony."""

    _inherit = "crm.lead"

    d2d_call_ids = fields.One2many("d2d.call", "lead_id", string="Calls")
    d2d_call_count = fields.Integer(string="Number of calls", compute="_compute_d2d_call_count")
    d2d_phone_search = fields.Char(
        string="Phone (any format)",
        compute="_compute_d2d_phone_search",
        search="_search_d2d_phone_search",
        help="Finds a client whatever way the number is typed: +7, 8, spaces, brackets, dashes.",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    def _compute_d2d_call_count(self):
        counts = dict(self.env["d2d.call"]._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.d2d_call_count = counts.get(lead._origin, 0)

    @api.depends("phone_sanitized")
    def _compute_d2d_phone_search(self):
        for lead in self:
            lead.d2d_phone_search = lead.phone_sanitized

    def _search_d2d_phone_search(self, operator, value):
        Callcenter = self.env["d2d.callcenter"]
        domain = Callcenter._d2d_phone_domain(operator, value, "phone_mobile_search")
        if domain[0][0] == "phone_sanitized":  # a whole number: also the clients' phones
            return Callcenter._d2d_lead_phone_domain(domain[0][2])
        return domain

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_d2d_callcenter_quality_wizard(self):
        """The card's "Client connected" / "Not connected": the quality call's
        small wizard (a note, or why it does not work)."""
        self.ensure_one()
        connected = bool(self.env.context.get("d2d_connected"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Client connected") if connected else self.env._("Client not connected"),
            "res_model": "d2d.quality.call.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_lead_id": self.id, "default_connected": connected},
        }

    def _d2d_callcenter_then_next(self, result):
        """After a quality call: say where the lead went and open the next
        lead of the queue (the oldest), or the queue when none is left, with
        fresh breadcrumbs (static/src/callcenter/callcenter_queue.js): the
        lead has left the operator's sight, no way back leads to it."""
        message = result["params"]["message"] if isinstance(result, dict) else self.env._("Quality call recorded.")
        following = self.search(
            [("d2d_stage_code", "=", "quality"), ("id", "not in", self.ids)],
            order="date_last_stage_update asc, id asc",
            limit=1,
        )
        return {
            "type": "ir.actions.client",
            "tag": "d2d_callcenter_next",
            "params": {"message": message, "lead_id": following.id or False},
        }

    def action_d2d_open_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("door_to_door_crm.d2d_call_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"default_lead_id": self.id, "default_phone": self.phone}
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _d2d_callcenter_is_open(self):
        self.ensure_one()
        return self.active and self.d2d_stage_code in OPEN_STEPS

    def _d2d_callcenter_address(self):
        apartment = self.d2d_apartment_id
        if not apartment:
            return ""
        return self.env._(
            "%(house)s, entrance %(entrance)s, floor %(floor)s, apt. %(number)s",
            house=apartment.house_id.name,
            entrance=apartment.entrance_id.number,
            floor=apartment.floor,
            number=apartment.number,
        )

    def _d2d_callcenter_card(self, e164, readable, visits, calls, base_url):
        """The caller's card (plain values, XML-RPC can send them). Who calls
        and where the lead stands, for every lead of the number; the visits,
        the installation and the link to the lead only when the user may read
        the lead (the call-centre's rules: leads in quality call)."""
        self.ensure_one()
        apartment = self.d2d_apartment_id
        name = (self.contact_name or self.partner_id.name or "").strip()
        first_name, _sep, last_name = name.partition(" ")
        return {
            "lead_id": self.id,
            "partner_id": self.partner_id.id or False,
            "name": name,
            "first_name": first_name,
            "last_name": last_name.strip(),
            "phone": self.phone or e164,
            "address": self._d2d_callcenter_address(),
            "house": apartment.house_id.name or "",
            "entrance": apartment.entrance_id.number or False,
            "floor": apartment.floor or False,
            "apartment": apartment.number or False,
            "step": self.d2d_stage_code or False,
            "step_name": self.stage_id.name or "",
            "open": self._d2d_callcenter_is_open(),
            "responsible": self.d2d_responsible_id.name or "",
            "in_queue": readable and self.d2d_stage_code == "quality" and self.active,
            "installation_date": readable and fields.Datetime.to_string(self.d2d_installation_date) or False,
            "visits": visits if readable else [],
            "calls": calls,
            "url": readable and f"{base_url}/odoo/action-door_to_door_crm.d2d_callcenter_queue_action/{self.id}",
        }
