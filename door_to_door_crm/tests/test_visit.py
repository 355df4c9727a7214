from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.door_to_door_crm.models.d2d_apartment import LAST_VISIT_FIELDS

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestVisit(D2dCommon):
    def test_status_follows_latest_device_time_whatever_the_arrival_order(self):
        apartment = self.apartment(self.house_a, 3)
        t0 = datetime(2026, 11, 20, 10, 0)
        with freeze_time("2026-11-21 12:00:00"):
            self.visit(apartment, "refusal", user=self.agent, visit_date=t0 + timedelta(hours=2))
            self.assertEqual(apartment.status, "refusal")
            # an earlier knock synced later does not win
            self.visit(apartment, "closed", user=self.agent, visit_date=t0)
            self.assertEqual(apartment.status, "refusal")
            self.assertEqual(apartment.last_visit_date, t0 + timedelta(hours=2))
            # a later knock by another agent wins
            self.territory_a.agent_ids = [(4, self.agent_b.id)]
            self.visit(apartment, "pensioner", user=self.agent_b, visit_date=t0 + timedelta(hours=3))
            self.assertEqual(apartment.status, "pensioner")
            self.assertEqual(apartment.last_agent_id, self.agent_b)
            self.assertEqual(apartment.visit_count, 3)

    def test_a_knock_rewrites_its_apartment_in_place(self):
        """Every knock rewrites the apartment's status and last visit: no
        index of the table may cover those columns and its pages keep room
        for the new row, so that PostgreSQL updates it within its page
        without writing to the table's indexes (HOT update)."""
        self.env.cr.execute(
            """
            SELECT i.indexrelid::regclass::text
              FROM pg_index i
              JOIN pg_attribute att ON att.attrelid = i.indrelid
             WHERE i.indrelid = 'd2d_apartment'::regclass
               AND att.attname = ANY(%s)
               AND (att.attnum = ANY(i.indkey)
                    OR pg_get_expr(i.indpred, i.indrelid) LIKE '%%' || att.attname || '%%'
                    OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%%' || att.attname || '%%')
            """,
            [LAST_VISIT_FIELDS],
        )
        self.assertEqual(self.env.cr.fetchall(), [], "no index on the columns a knock rewrites")
        self.env.cr.execute("SELECT reloptions FROM pg_class WHERE oid = 'd2d_apartment'::regclass")
        self.assertIn("fillfactor=90", self.env.cr.fetchone()[0] or [])

    def test_manager_correction_of_the_log_updates_the_status(self):
        apartment = self.apartment(self.house_a, 16)
        t0 = datetime(2026, 11, 20, 10, 0)
        first = self.visit(apartment, "closed", visit_date=t0)
        latest = self.visit(apartment, "refusal", visit_date=t0 + timedelta(hours=1))
        self.assertEqual(apartment.status, "refusal")
        first.with_user(self.manager).write({"visit_date": t0 + timedelta(hours=2)})
        self.assertEqual(apartment.status, "closed")
        self.assertEqual(apartment.last_visit_date, t0 + timedelta(hours=2))
        (first | latest).with_user(self.manager).unlink()
        self.assertEqual(apartment.status, "none")
        self.assertFalse(apartment.last_visit_date)
        self.assertFalse(apartment.last_agent_id)

    def test_batch_with_mixed_order_in_one_create(self):
        apartment = self.apartment(self.house_a, 4)
        t0 = datetime(2026, 11, 20, 10, 0)
        self.env["d2d.visit"].create(
            [
                {
                    "apartment_id": apartment.id,
                    "result": "competitor",
                    "competitor_id": self.competitor.id,
                    "visit_date": t0 + timedelta(minutes=30),
                },
                {"apartment_id": apartment.id, "result": "closed", "visit_date": t0},
            ]
        )
        self.assertEqual(apartment.status, "competitor")
        self.assertEqual(apartment.last_competitor_id, self.competitor)

    def test_uuid_replay_creates_nothing(self):
        apartment = self.apartment(self.house_a, 5)
        first = self.visit(apartment, "closed", user=self.agent, uuid="3b2d8c0e-0000-4000-8000-000000000001")
        before = self.counts()
        again = self.visit(apartment, "refusal", user=self.agent, uuid="3b2d8c0e-0000-4000-8000-000000000001")
        self.assertEqual(again, first)
        self.assertEqual(self.counts(), before)
        self.assertEqual(apartment.status, "closed")
        # the same uuid twice in one batch is recorded once
        batch = (
            self.env["d2d.visit"]
            .with_user(self.agent)
            .create(
                [
                    {"apartment_id": apartment.id, "result": "closed", "uuid": "dup-in-batch"},
                    {"apartment_id": apartment.id, "result": "closed", "uuid": "dup-in-batch"},
                ]
            )
        )
        self.assertEqual(len(set(batch.ids)), 1, "one record, returned for each of the two values")
        self.assertEqual(self.env["d2d.visit"].search_count([("uuid", "=", "dup-in-batch")]), 1)

    def test_visits_are_append_only(self):
        visit = self.visit(self.apartment(self.house_a, 6), "closed", user=self.agent)
        for user in (self.agent, self.supervisor):
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    visit.with_user(user).write({"result": "lead"})
                with self.assertRaises(UserError):
                    visit.with_user(user).unlink()
        self.assertEqual(visit.result, "closed")
        visit.with_user(self.manager).unlink()
        self.assertFalse(visit.exists())

    def test_unknown_result_is_refused(self):
        before = self.counts()
        with self.assertRefused(ValidationError, "not a visit result"):
            self.visit(self.apartment(self.house_a, 7), "maybe", user=self.agent)
        self.assertEqual(self.counts(), before)

    def test_future_time_is_refused(self):
        before = self.counts()
        with self.assertRefused(ValidationError, "future"):
            self.visit(self.apartment(self.house_a, 7), user=self.agent, visit_date=datetime.now() + timedelta(days=2))
        self.assertEqual(self.counts(), before)
        # a device a few minutes ahead is tolerated
        self.visit(self.apartment(self.house_a, 7), user=self.agent, visit_date=datetime.now() + timedelta(minutes=5))

    def test_competitor_result_needs_the_competitor(self):
        with self.assertRefused(ValidationError, "competitor"):
            self.visit(self.apartment(self.house_a, 8), "competitor", user=self.agent)

    def test_visit_outside_agents_houses_is_refused(self):
        before = self.counts()
        with self.assertRefused(UserError, "not in your houses"):
            self.visit(self.apartment(self.house_b, 1), "closed", user=self.agent)
        self.assertEqual(self.counts(), before)
        # the house's own agent may knock there even outside the territory list
        self.house_b.agent_id = self.agent
        self.visit(self.apartment(self.house_b, 1), "closed", user=self.agent)

    def test_agent_cannot_record_in_someone_elses_name(self):
        with self.assertRefused(UserError, "own name"):
            self.visit(self.apartment(self.house_a, 9), user=self.agent, agent_id=self.agent_b.id)
        # a supervisor may enter a visit reported by one of their agents
        visit = self.visit(self.apartment(self.house_a, 9), user=self.supervisor, agent_id=self.agent.id)
        self.assertEqual(visit.agent_id, self.agent)

    def test_one_bad_visit_in_a_batch_writes_nothing(self):
        before = self.counts()
        with self.assertRaises(ValidationError):
            self.env["d2d.visit"].with_user(self.agent).create(
                [
                    {"apartment_id": self.apartment(self.house_a, 10).id, "result": "closed"},
                    {"apartment_id": self.apartment(self.house_a, 11).id, "result": "lead", "phone": ""},
                ]
            )
        self.assertEqual(self.counts(), before)


@tagged("post_install", "-at_install")
class TestVisitLead(D2dCommon):
    def test_lead_visit_opens_a_lead(self):
        apartment = self.apartment(self.house_a, 12)
        visit = self.visit(
            apartment,
            "lead",
            user=self.agent,
            contact_name="Natalia",
            phone="8 916 123-45-67",
            service_interest="internet_tv",
        )
        lead = visit.lead_id
        self.assertTrue(lead)
        self.assertEqual(apartment.lead_id, lead)
        self.assertEqual(lead.d2d_apartment_id, apartment)
        self.assertEqual(lead.d2d_house_id, self.house_a)
        self.assertEqual(lead.d2d_territory_id, self.territory_a)
        self.assertEqual(lead.user_id, self.agent)
        self.assertEqual(lead.phone, "+79161234567")  # E.164
        self.assertEqual(lead.d2d_service, "internet_tv")
        self.assertEqual(lead.d2d_stage_code, "new")
        self.assertEqual(lead.team_id, self.env.ref("door_to_door_crm.crm_team_d2d"))
        self.assertEqual(lead.street, "Baumana St, 1")

    def test_second_lead_visit_reuses_the_open_lead(self):
        apartment = self.apartment(self.house_a, 13)
        first = self.visit(apartment, "lead", user=self.agent, phone="+79161234567")
        second = self.visit(apartment, "lead", user=self.agent, phone="+79161234568", contact_name="Pavel")
        self.assertEqual(first.lead_id, second.lead_id)
        self.assertEqual(self.env["crm.lead"].search_count([("d2d_apartment_id", "=", apartment.id)]), 1)
        self.assertIn("Pavel", first.sudo().lead_id.message_ids[0].body)

    def test_two_lead_visits_in_one_batch_open_one_lead(self):
        apartment = self.apartment(self.house_a, 14)
        visits = (
            self.env["d2d.visit"]
            .with_user(self.agent)
            .create(
                [
                    {"apartment_id": apartment.id, "result": "lead", "phone": "+79161234567"},
                    {"apartment_id": apartment.id, "result": "lead", "phone": "+79161234567"},
                ]
            )
        )
        self.assertEqual(len(visits.lead_id), 1)

    def test_lead_visit_needs_a_valid_phone(self):
        apartment = self.apartment(self.house_a, 15)
        before = self.counts()
        with self.assertRefused(ValidationError, "phone"):
            self.visit(apartment, "lead", user=self.agent)
        with self.assertRaises(UserError):
            self.visit(apartment, "lead", user=self.agent, phone="12")
        self.assertEqual(self.counts(), before)
