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
