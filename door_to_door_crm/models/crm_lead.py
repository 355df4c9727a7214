from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from .d2d_visit import SERVICES


class CrmLead(models.Model):
    _inherit = "crm.lead"

    d2d_apartment_id = fields.Many2one(
        "d2d.apartment", string="Apartment", index="btree_not_null", ondelete="restrict", tracking=True
    )
    d2d_house_id = fields.Many2one(
        related="d2d_apartment_id.house_id", string="House", store=True, index="btree_not_null"
    )
    d2d_territory_id = fields.Many2one(
        related="d2d_apartment_id.house_id.territory_id", string="Territory", store=True, index="btree_not_null"
    )
    d2d_stage_code = fields.Selection(
        related="stage_id.d2d_code", string="Door-to-door step", store=True, index="btree_not_null"
    )
    d2d_service = fields.Selection(SERVICES, string="Service of interest", tracking=True)
    d2d_visit_ids = fields.One2many("d2d.visit", "lead_id", string="Visits")

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _d2d_stage(self, code):
        """The stage of the door-to-door workflow with this `d2d_code`."""
        stage = self.env["crm.stage"].sudo().search([("d2d_code", "=", code)], limit=1)
        if not stage:
            raise UserError(
                self.env._(
                    "No CRM stage stands for the door-to-door step “%(code)s”: ask a manager to set one.", code=code
                )
            )
        return stage

    @api.model
    def _d2d_team(self):
        return self.env.ref("door_to_door_crm.crm_team_d2d", raise_if_not_found=False)

    @api.model
    def _d2d_phone_country(self):
        return self.env.company.country_id or self.env.ref("base.ru")

    @api.model
    def _d2d_format_phone(self, number):
        """E.164 form of a phone typed by an agent or a client; a clear
        UserError when it cannot be a phone number."""
        return self._phone_format(
            number=number, country=self._d2d_phone_country(), force_format="E164", raise_exception=True
        )

    def _d2d_move(self, target_code, allowed_from, reason=None):
        """Move these leads to the stage of `target_code`, provided each one is
        in a stage whose code is in `allowed_from`; post who moved it, from
        where to where and why. Refuses (UserError, nothing written) when one
        lead is elsewhere. Every workflow action goes through here."""
        target = self._d2d_stage(target_code)
        misplaced = self.filtered(lambda lead: lead.d2d_stage_code not in allowed_from)
        if misplaced:
            raise UserError(
                self.env._(
                    "“%(lead)s” is at the step “%(stage)s”: it cannot go to “%(target)s” from there.",
                    lead=misplaced[0].name,
                    stage=misplaced[0].stage_id.name,
                    target=target.name,
                )
            )
        origins = {lead.id: lead.stage_id.name for lead in self}
        self.with_context(d2d_move=True).write({"stage_id": target.id})
        self._message_log_batch(
            bodies={lead.id: self._d2d_move_message(origins[lead.id], target.name, reason) for lead in self}
        )
        return True

    def _d2d_move_message(self, origin, target, reason):
        body = Markup("%s") % self.env._(
            "%(user)s moved the lead from “%(origin)s” to “%(target)s”.",
            user=self.env.user.name,
            origin=origin,
            target=target,
        )
        if reason:
            body += Markup("<br/>%s") % self.env._("Reason: %(reason)s", reason=reason)
        return body

    @api.model
    def _d2d_leads_from_visits(self, visits):
        """Open a lead for each apartment that a visit marked "lead", or reuse
        the apartment's open lead. Links visits and apartments to their lead."""
        apartments = visits.apartment_id
        open_leads = self.search(
            [("d2d_apartment_id", "in", apartments.ids), ("d2d_stage_code", "!=", "done")], order="id desc"
        )
        lead_of_apartment = {}
        for lead in open_leads:
            lead_of_apartment.setdefault(lead.d2d_apartment_id, lead)
        first_visit = {}
        for visit in visits.sorted(lambda v: (v.visit_date, v.id)):
            if visit.apartment_id not in lead_of_apartment:
                first_visit.setdefault(visit.apartment_id, visit)
        stage, team = self._d2d_stage("new"), self._d2d_team()
        new_leads = self.create([visit._d2d_lead_values(stage, team) for visit in first_visit.values()])
        lead_of_apartment.update(zip(first_visit, new_leads, strict=False))

        visits_of_lead = defaultdict(lambda: self.env["d2d.visit"])
        for visit in visits:
            visits_of_lead[lead_of_apartment[visit.apartment_id]] |= visit
        for lead, lead_visits in visits_of_lead.items():
            lead_visits.sudo().write({"lead_id": lead.id})
            lead_visits.apartment_id.sudo().write({"lead_id": lead.id})
            reused = lead_visits - first_visit.get(lead.d2d_apartment_id, self.env["d2d.visit"])
            if reused:
                lead._message_log_batch(
                    bodies={lead.id: lead._d2d_visit_summary(reused)},
                )
        return {visit.id: lead_of_apartment[visit.apartment_id] for visit in visits}

    def _d2d_visit_summary(self, visits):
        return Markup("<br/>").join(
            self.env._(
                "Agent %(agent)s marked the apartment as a lead again on %(date)s: %(name)s %(phone)s",
                agent=visit.agent_id.name,
                date=fields.Datetime.to_string(visit.visit_date),
                name=visit.contact_name or "",
                phone=visit.phone or "",
            )
            for visit in visits
        )
