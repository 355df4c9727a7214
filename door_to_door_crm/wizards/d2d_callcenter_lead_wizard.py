from markupsafe import Markup

from odoo import api, fields, models

from ..models.d2d_notification import notification


class D2dCallcenterLeadWizard(models.TransientModel):
    """The "number not found" card's "Create a lead": an unknown caller
    (someone who wants a connection) becomes a plain CRM lead for the
    door-to-door office, who sends an agent. Not a door-to-door lead: those
    are opened by an agent's visit only."""

    _name = "d2d.callcenter.lead.wizard"
    _description = "Lead from an incoming call"

    phone = fields.Char(required=True)
    contact_name = fields.Char(string="Caller's name", required=True)
    address = fields.Char(help="Where the caller lives, as the caller says it.")
    note = fields.Text(string="What the caller wants")

    def action_confirm(self):
        self.ensure_one()
        callcenter = self.env["d2d.callcenter"]
        callcenter._d2d_check_operator()
        owner = self.env["crm.lead"]._d2d_fallback_responsible()
        # as superuser after the role's check: the call-centre creates no
        # leads otherwise, and does not see this one afterwards
        lead = self.env["crm.lead"].sudo().create(self._lead_values(callcenter._d2d_e164(self.phone), owner))
        lead._message_log(body=self._lead_message())
        if owner:
            lead.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=owner.id,
                summary=self.env._("Call back the caller and send an agent"),
            )
        return notification(
            self.env._(
                "The lead of %(name)s is created for %(owner)s.",
                name=lead.contact_name,
                owner=owner.name or self.env._("the door-to-door office"),
            ),
            kind="success",
        )

    def _lead_values(self, e164, owner):
        # no sales team: the door-to-door team's stages are the workflow's
        return {
            "name": self.env._("Incoming call: %(name)s", name=self.contact_name.strip()),
            "type": "opportunity",
            "contact_name": self.contact_name.strip(),
            "phone": e164,
            "street": (self.address or "").strip() or False,
            "description": self.note or False,
            "user_id": owner.id or False,
            "team_id": False,
        }

    @api.model
    def _lead_message(self):
        return Markup("%s") % self.env._(
            "Created by the call-centre (%(operator)s) from an incoming call.", operator=self.env.user.name
        )
