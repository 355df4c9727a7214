from odoo.tests import HttpCase, tagged

from .test_lead_moves import MoveCommon


@tagged("post_install", "-at_install")
class TestLeadLifecycleTours(HttpCase, MoveCommon):
    """A lead walked through every step in the web client by the user of each
    role, clicking the lead form's buttons and wizards; the database is
    checked after each tour. The booking wizard and the installer's report
    have tours of their own (test_installation_tours.py): between the tours
    here the lead crosses `scheduled` by the model's methods."""

    def tour(self, lead, name, login):
        self.start_tour(f"/odoo/action-door_to_door_crm.crm_lead_action_d2d/{lead.id}", name, login=login)
        self.env.invalidate_all()  # the browser changed the lead in the same transaction

    def moves_said(self, lead, user, reason=None):
        moves = [body for body in self.messages(lead.sudo()) if "moved the lead" in body and user.name in body]
        return moves and (reason is None or reason in moves[0])

    def assertAt(self, lead, step, responsible, mover, reason=None):
        lead = lead.sudo()
        self.assertEqual(lead.d2d_stage_code, step)
        self.assertEqual(lead.d2d_responsible_id, responsible)
        self.assertEqual(self.step_activities(lead).user_id, responsible)
        self.assertTrue(self.moves_said(lead, mover, reason), f"the chatter says {mover.name} moved it")

    def cross_scheduled(self, lead):
        """The coordinator books a crew, the crew reports it connected."""
        self.walk(lead, "quality")
        self.assertEqual(lead.d2d_stage_code, "quality")

    def test_a_lead_walked_through_every_step_in_the_web_client(self):
        lead = self.knock_lead(name="Olga Tourist")
        # no other lead waits in the queues the lead leaves: the moves open the leads, not the next one
        self.set_aside("crm.lead", [("d2d_stage_code", "in", ("coordination", "quality"))])

        self.tour(lead, "d2d_lead_agent_submit_tour", "test_agent")
        self.assertAt(lead, "review", self.supervisor, self.agent)

        self.tour(lead, "d2d_lead_supervisor_return_tour", "test_supervisor")
        self.assertAt(lead, "new", self.agent, self.supervisor, "the flat number looks wrong")

        self.tour(lead, "d2d_lead_agent_submit_tour", "test_agent")
        self.assertAt(lead, "review", self.supervisor, self.agent)

        self.tour(lead, "d2d_lead_supervisor_send_tour", "test_supervisor")
        self.assertAt(lead, "coordination", self.coordinator, self.supervisor)

        self.tour(lead, "d2d_lead_coordinator_return_tour", "test_coordinator")
        self.assertAt(lead, "review", self.supervisor, self.coordinator, "a call before booking")

        self.tour(lead, "d2d_lead_supervisor_send_tour", "test_supervisor")
        self.assertAt(lead, "coordination", self.coordinator, self.supervisor)

        self.cross_scheduled(lead)
        self.tour(lead, "d2d_lead_callcenter_not_connected_tour", "test_callcenter")
        self.assertAt(lead, "coordination", self.coordinator, self.callcenter, "No signal in the bedroom")

        self.cross_scheduled(lead)
        self.tour(lead, "d2d_lead_callcenter_connected_tour", "test_callcenter")
        lead = lead.sudo()
        self.assertEqual(lead.d2d_stage_code, "done")
        self.assertEqual(lead.probability, 100)
        self.assertFalse(lead.d2d_responsible_id)
        self.assertFalse(self.step_activities(lead))
        self.assertTrue(self.moves_said(lead, self.callcenter))
        self.assertEqual(len([body for body in self.messages(lead) if "moved the lead" in body]), 12)

    def test_lost_with_odoos_wizard_in_the_web_client(self):
        lead = self.walk(self.knock_lead(name="Lost Tourist"), "coordination")
        apartment = lead.d2d_apartment_id
        self.tour(lead, "d2d_lead_lost_tour", "test_supervisor")
        lead = lead.sudo()
        self.assertFalse(lead.active)
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertFalse(lead.d2d_responsible_id)
        self.assertFalse(self.step_activities(lead))
        self.assertFalse(apartment.lead_id)
        self.assertEqual(apartment.archive_reason, self.lost_reason.name)


@tagged("post_install", "-at_install")
class TestNextLeadAfterMove(HttpCase, MoveCommon):
    """After a move takes the lead out of the user's sight, the button's
    answer (over /web/dataset/call_button, as the form's button calls it)
    says where it went and opens the next lead of the same queue, then the
    queue once none is left; never the lead gone."""

    def call_button(self, lead, method, *args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {"model": "crm.lead", "method": method, "args": [lead.ids, *args], "kwargs": {}},
        )

    def test_the_next_lead_of_the_queue_then_the_queue(self):
        first = self.walk(self.knock_lead(name="First Queue"), "coordination")
        second = self.walk(self.knock_lead(name="Second Queue"), "coordination")
        # the queue of this test's leads, which the last move empties
        self.set_aside("crm.lead", [("d2d_stage_code", "=", "coordination")])
        waiting = self.env["crm.lead"].with_user(self.coordinator).search([("d2d_stage_code", "=", "coordination")])
        self.authenticate(self.coordinator.login, self.coordinator.login)
        seen = []
        for lead in waiting.sorted(lambda lead: (lead.date_last_stage_update, lead.id)):
            action = self.call_button(lead, "action_d2d_return_to_supervisor", "Call the client first")
            self.assertEqual(action["tag"], "display_notification")
            self.assertIn("out of your list", action["params"]["message"])
            seen.append(action["params"]["next"])
        self.assertEqual(self.env["crm.lead"].browse((first | second).ids).mapped("d2d_stage_code"), ["review"] * 2)
        opened = [step.get("res_id") or None for step in seen]
        order = waiting.sorted(lambda lead: (lead.date_last_stage_update, lead.id)).ids
        self.assertEqual(opened, [*order[1:], None], "the next one waiting, then the queue")
        for step in seen:
            self.assertEqual(step["target"], "main", "fresh breadcrumbs: none back to a lead gone")
        self.assertEqual(seen[-1]["xml_id"], "door_to_door_crm.crm_lead_action_d2d")
        # the next lead opened is one the coordinator may read
        for res_id in opened[:-1]:
            record = self.make_jsonrpc_request(
                "/web/dataset/call_kw/crm.lead/web_read",
                {"model": "crm.lead", "method": "web_read", "args": [[res_id]], "kwargs": {"specification": {}}},
            )
            self.assertEqual(record[0]["id"], res_id)
