from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import D2dLeadCommon


@tagged("post_install", "-at_install")
class TestRework(D2dLeadCommon):
    """The supervisor works the archive again and hands potential clients to
    an agent, history kept."""

    def setUp(self):
        super().setUp()
        past = fields.Datetime.now() - timedelta(days=60)
        with freeze_time(past):
            # a flat of its own, away from the flats 30 to 32 below
            knock = self.visit(self.apartment(self.house_a, 20), "lead", user=self.agent, phone="+79161234567")
            self.lost = self.walk(self.env["crm.lead"].browse(knock.lead_id.id), "review")
            self.lost.with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
            self.refused = self.apartment(self.house_a, 30)
            self.visit(self.refused, "refusal", user=self.agent)
            self.nobody_home = self.apartment(self.house_a, 31)
            self.visit(self.nobody_home, "closed", user=self.agent)
            self.other_territory = self.apartment(self.house_b, 5)
            self.visit(self.other_territory, "refusal", user=self.agent_b)
        self.recent = self.apartment(self.house_a, 32)
        self.visit(self.recent, "refusal", user=self.agent)

    def wizard(self, **vals):
        return (
            self.env["d2d.rework.wizard"]
            .with_user(self.supervisor)
            .create(
                {
                    "before_date": fields.Date.today() - timedelta(days=30),
                    "territory_ids": [(6, 0, self.territory_a.ids)],
                    **vals,
                }
            )
        )

    def test_archive_selection_by_date_territory_and_reason(self):
        wizard = self.wizard()
        self.assertEqual(wizard.lead_ids, self.lost)
        self.assertIn(self.refused, wizard.apartment_ids)
        self.assertIn(self.nobody_home, wizard.apartment_ids)
        self.assertNotIn(self.recent, wizard.apartment_ids, "newer than the chosen date")
        self.assertNotIn(self.other_territory, wizard.apartment_ids)
        only_refusals = self.wizard(include_closed=False, include_lost=False)
        self.assertNotIn(self.nobody_home, only_refusals.apartment_ids)
        self.assertFalse(only_refusals.lead_ids)
        other_reason = self.env["crm.lost.reason"].create({"name": "Too expensive"})
        self.assertFalse(self.wizard(lost_reason_ids=[(6, 0, other_reason.ids)]).lead_ids)

    def test_the_form_reacts_to_the_date_before_a_territory_is_chosen(self):
        """As the supervisor fills the form in the web client: the date first,
        no territory yet. The selection is what their rules let them see."""
        with Form(self.env["d2d.rework.wizard"].with_user(self.supervisor)) as form:
            form.before_date = fields.Date.today() - timedelta(days=45)
            self.assertIn(self.refused, form.apartment_ids)
            self.assertNotIn(self.other_territory, form.apartment_ids, "another supervisor's territory")
            self.assertEqual(form.lead_ids[:], self.lost)
            form.agent_id = self.agent
        self.assertEqual(form.record.apartment_ids.house_id, self.house_a)

    def test_hand_over_gives_new_work_and_keeps_history(self):
        self.territory_a.agent_ids = [(5,)]
        self.house_a.agent_id = False
        wizard = self.wizard(agent_id=self.agent_b.id, note="Try evenings")
        wizard.action_hand_over()
        self.assertTrue(self.lost.active)
        self.assertEqual(self.lost.d2d_stage_code, "new")
        self.assertEqual(self.lost.user_id, self.agent_b)
        self.assertEqual(self.lost.d2d_responsible_id, self.agent_b)
        self.assertFalse(self.lost.lost_reason_id)
        self.assertEqual(self.lost.d2d_apartment_id.lead_id, self.lost)
        history = " ".join(self.messages(self.lost))
        self.assertIn("Try evenings", history)
        self.assertGreaterEqual(history.count("moved the lead"), 2, "earlier moves are kept")
        self.assertEqual(self.refused.rework_agent_id, self.agent_b)
        self.assertEqual(len(self.refused.visit_ids), 1, "visits are kept")
        Apartment = self.env["d2d.apartment"].with_user(self.agent_b)
        self.assertEqual(
            Apartment.search([("id", "in", (self.refused | self.nobody_home | self.recent).ids)]),
            self.refused | self.nobody_home,
            "the agent sees exactly the apartments handed over",
        )
        self.visit(self.refused, "lead", user=self.agent_b, phone="+79161112233")

    def test_hand_over_refuses_without_agent_or_selection_or_role(self):
        with self.assertRefused(UserError, "Choose the agent"):
            self.wizard().action_hand_over()
        with self.assertRefused(UserError, "Nothing is selected"):
            self.wizard(
                agent_id=self.agent.id,
                include_lost=False,
                include_refusal=False,
                include_closed=False,
                include_competitor=False,
            ).action_hand_over()
        with self.assertRefused(UserError):
            self.env["d2d.rework.wizard"].with_user(self.agent).create({"agent_id": self.agent.id})
