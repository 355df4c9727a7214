from odoo import models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .d2d_agent_event import SERVICE_CODES

LEAD_EVENT_TYPES = ("lead_update", "lead_submit")


class D2dAgentSync(models.AbstractModel):
    """The agent's work on their own leads from the tablet, offline too (see
    d2d_agent_sync.py for the model): `lead_update` fixes the client's name,
    phone and service, `lead_submit` fixes them and sends the lead to the
    supervisor. Each is a workflow action with its own checks and rules,
    applied alone in a savepoint: a refusal leaves its lead as it was and is
    answered with its reason; the others go on."""

    _inherit = "d2d.agent.sync"

    def _split_lead_events(self, events):
        """(the visit and note events, the lead events) of the batch."""
        lead_events = [event for event in events if event.get("type") in LEAD_EVENT_TYPES]
        if not lead_events:
            return events, []
        return [event for event in events if event.get("type") not in LEAD_EVENT_TYPES], lead_events

    def _apply_lead_events(self, events, rejected):
        """Apply the lead events at most once each (by uuid): ([uuids
        accepted], [ids of the leads changed], number of replays); the
        reasons of the refused ones go into `rejected`."""
        if not events:
            return [], [], 0
        uuids = list(dict.fromkeys(event["uuid"] for event in events))
        recorded = {
            row["uuid"]: row["user_id"][0]
            for row in self.env["d2d.agent.lead.event"].sudo().search_read([("uuid", "in", uuids)], ["uuid", "user_id"])
        }
        accepted, lead_ids, replays, seen = [], [], 0, set()
        for event in events:
            uuid = event["uuid"]
            if uuid in seen:
                continue
            seen.add(uuid)
            if uuid in recorded:
                if recorded[uuid] == self.env.uid:
                    accepted.append(uuid)
                    replays += 1
                else:
                    rejected[uuid] = self.env["d2d.visit"]._uuid_taken_message()
                continue
            try:
                with self.env.cr.savepoint():
                    lead_ids.append(self._apply_lead_event(event).id)
            except (UserError, ValidationError, AccessError) as error:
                rejected[uuid] = str(error.args[0])
                continue
            accepted.append(uuid)
        return accepted, lead_ids, replays

    def _apply_lead_event(self, event):
        """The fixes of one lead event written, and the lead submitted for a
        `lead_submit`, as the agent (their rules and the workflow's checks):
        the lead changed."""
        lead = self._own_lead(event.get("lead_id"))
        self._record_lead_event(event, lead)
        fixes = self._lead_fixes(event)
        if fixes:
            lead.write(fixes)
        if event["type"] == "lead_submit":
            lead.action_d2d_submit()
        return lead

    def _own_lead(self, lead_id):
        """The agent's own lead of that id; the same refusal, which names no
        lead, for one that is not or that they may not see."""
        lead = self.env["crm.lead"]
        if self._is_id(lead_id):
            lead = lead.search([("id", "=", lead_id), ("user_id", "=", self.env.uid)])
        if not lead:
            raise ValidationError(self.env._("This lead is not on your tablet any more: sync to see your leads."))
        return lead

    def _record_lead_event(self, event, lead):
        """The event's uuid recorded before anything is changed. A uuid sent
        in two concurrent requests: the second INSERT waits for the first
        transaction, then cannot serialize; Odoo runs that request again, and
        it finds the event recorded (a replay)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO d2d_agent_lead_event (uuid, lead_id, user_id, kind, date)
                VALUES (%s, %s, %s, %s, now() AT TIME ZONE 'UTC')
                ON CONFLICT (uuid) DO NOTHING
                """,
                event["uuid"],
                lead.id,
                self.env.uid,
                event["type"],
            ),
            log_exceptions=False,
        )

    def _lead_fixes(self, event):
        """The crm.lead values of the fixes an event carries, checked as a
        "lead" visit's are (the phone by the same rules)."""
        fixes = {}
        if "contact_name" in event:
            fixes["contact_name"] = self._text(event["contact_name"])
        if "phone" in event:
            fixes["phone"] = self.env["d2d.visit"]._lead_phone(self._text(event["phone"]))
        if "service" in event:
            service = event["service"]
            if not isinstance(service, str) or service not in SERVICE_CODES:
                raise ValidationError(self.env._("Unknown service."))
            fixes["d2d_service"] = service
        return fixes
