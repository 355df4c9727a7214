import base64
import io
import threading
from contextlib import contextmanager
from datetime import timedelta

from PIL import Image

from odoo import api, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user

# Generous bounds for one thread to reach a point: a stuck test fails instead of hanging.
WAIT = 60

# The crew's photos of a job, taken on site before the report.
JOB_PHOTOS = ("photo_passport", "photo_cable_entry", "photo_box")
# The client card a coordinator completes before booking a job.
# The client card a coordinator completes (with the tariff, `D2dLeadCommon.tariff`).
CLIENT_CARD = {"d2d_passport": "4510 123456", "d2d_passport_issued": "MVD Moscow, 2015-06-01"}


def jpeg_photo(width=64, height=48, color="red"):
    """A small JPEG, base64-encoded as a binary field takes it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG")
    return base64.b64encode(out.getvalue())


def work_calendar(env, name, tz, weekdays, periods):
    """A resource calendar open on `weekdays` (0: Monday) for each
    (day_period, hour_from, hour_to) of `periods`."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": tz,
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "day_period": period,
                        "hour_from": begin,
                        "hour_to": end,
                    },
                )
                for day in weekdays
                for period, begin, end in periods
            ],
        }
    )


class _RolledBack(Exception):
    """Raised inside a savepoint to undo an operation that was allowed."""


class D2dCommon(TransactionCase):
    """One user per door-to-door role, two territories with one house each.

    territory_a (supervisor, agent) holds house_a; territory_b (supervisor_b,
    agent_b) holds house_b. No demo data is used.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        groups = "door_to_door_crm.group_d2d_%s"
        cls.agent = new_test_user(cls.env, "test_agent", groups=groups % "agent", name="Agent A")
        cls.agent_b = new_test_user(cls.env, "test_agent_b", groups=groups % "agent", name="Agent B")
        cls.supervisor = new_test_user(cls.env, "test_supervisor", groups=groups % "supervisor", name="Supervisor A")
        cls.supervisor_b = new_test_user(
            cls.env, "test_supervisor_b", groups=groups % "supervisor", name="Supervisor B"
        )
        cls.coordinator = new_test_user(cls.env, "test_coordinator", groups=groups % "coordinator", name="Coordinator")
        cls.installer = new_test_user(cls.env, "test_installer", groups=groups % "installer", name="Installer")
        cls.callcenter = new_test_user(cls.env, "test_callcenter", groups=groups % "callcenter", name="Operator")
        cls.manager = new_test_user(cls.env, "test_manager", groups=groups % "manager", name="Manager")
        cls.internal = new_test_user(cls.env, "test_internal", groups="base.group_user", name="Internal user")

        cls.competitor = cls.env["d2d.competitor"].create({"name": "Rival Telecom"})
        cls.territory_a = cls.env["d2d.territory"].create(
            {
                "name": "Territory A",
                "code": "TA",
                "supervisor_id": cls.supervisor.id,
                "agent_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.territory_b = cls.env["d2d.territory"].create(
            {
                "name": "Territory B",
                "code": "TB",
                "supervisor_id": cls.supervisor_b.id,
                "agent_ids": [(6, 0, cls.agent_b.ids)],
            }
        )
        cls.house_a = cls.create_house(cls.territory_a, "Baumana St", "1", entrances=2, floors=5, per_floor=4)
        cls.house_b = cls.create_house(cls.territory_b, "Lenina Ave", "7", entrances=1, floors=9, per_floor=4)

    @classmethod
    def split_off_company_b(cls):
        """A second company, "Provider B": territory B and its people
        (agent B, supervisor B) move there, out of the main company (A); the
        manager works in both."""
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Provider B", "country_id": cls.env.ref("base.ru").id})
        people_b = cls.agent_b | cls.supervisor_b
        people_b.write({"company_ids": [(4, cls.company_b.id)], "company_id": cls.company_b.id})
        people_b.write({"company_ids": [(3, cls.company_a.id)]})
        cls.territory_b.company_id = cls.company_b
        cls.manager.write({"company_ids": [(4, cls.company_b.id)]})

    @classmethod
    def user_of_company_b(cls, login, role, name):
        return new_test_user(
            cls.env,
            login,
            groups=f"door_to_door_crm.group_d2d_{role}",
            name=name,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    @classmethod
    def create_house(cls, territory, street, number, entrances=1, floors=5, per_floor=4, **vals):
        return cls.env["d2d.house"].create(
            {
                "street": street,
                "house_number": number,
                "territory_id": territory.id,
                "entrance_count": entrances,
                "floor_count": floors,
                "apartments_per_floor": per_floor,
                **vals,
            }
        )

    @staticmethod
    def apartment(house, number):
        return house.apartment_ids.filtered(lambda a: a.number == number)

    def visit(self, apartment, result="closed", user=None, **vals):
        Visit = self.env["d2d.visit"]
        if user:
            Visit = Visit.with_user(user)
        return Visit.create({"apartment_id": apartment.id, "result": result, **vals})

    @contextmanager
    def assertRefused(self, exception=UserError, message=None):
        """Odoo's assertRaises, which runs the block in a savepoint rolled back
        on the error (so that "nothing written" can be checked), plus a check
        that the message says what it should."""
        with self.assertRaises(exception) as cm:
            yield cm
        if message:
            self.assertRegex(str(cm.exception), message)

    def attempt(self, operation):
        """Run `operation` in a savepoint that is always rolled back; return
        "allowed", or the class of the error that refused it."""
        try:
            with self.env.cr.savepoint():
                operation()
                self.env.flush_all()
                raise _RolledBack()
        except _RolledBack:
            outcome = "allowed"
        except UserError as error:  # AccessError is a UserError
            outcome = type(error)
        self.env.invalidate_all()
        return outcome

    def created_here(self):
        """The domain of the records this test made (its setUpClass included).
        A database upgraded from the previous release holds a city, which a
        test may ignore; every record of a TransactionCase is created in its
        one transaction, whose timestamp Odoo writes as `create_date`
        (`cr.now()`), or later (the test cursor of a browser's requests)."""
        return [("create_date", ">=", self.env.cr.now())]

    def set_aside(self, model, domain):
        """Archive the records of `model` matching `domain` that this test did
        not make (the city of an upgraded database), for the rest of the test
        only: for a test of a queue that empties, which the city's records
        would keep full. Returns them."""
        others = self.env[model].sudo().search(domain + [("create_date", "<", self.env.cr.now())])
        others.write({"active": False})
        self.env.flush_all()
        return others

    def counts(self):
        """Row counts of the door-to-door tables, to prove that a refused
        action wrote nothing."""
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in ("d2d.house", "d2d.entrance", "d2d.apartment", "d2d.visit", "crm.lead")
        }


class D2dLeadCommon(D2dCommon):
    """D2dCommon plus helpers to open leads by knocking and to walk them
    through the workflow as each role does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"d2d_coordinator_id": cls.coordinator.id, "d2d_callcenter_id": cls.callcenter.id})
        cls.env.ref("door_to_door_crm.crm_team_d2d").user_id = cls.manager
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Moved away"})
        cls.tariff = cls.env["d2d.tariff"].create({"name": "Home 500", "monthly_fee": 650})
        cls.client_card = {**CLIENT_CARD, "d2d_tariff_id": cls.tariff.id}

    _apartment_counter = 0

    @classmethod
    def knock_lead(cls, house=None, agent=None, phone="+79161234567", name="Olga"):
        """A lead opened the way agents open them: a visit with result lead."""
        house = house or cls.house_a
        agent = agent or (cls.agent if house == cls.house_a else cls.agent_b)
        D2dLeadCommon._apartment_counter += 1
        apartment = house.apartment_ids[D2dLeadCommon._apartment_counter % len(house.apartment_ids)]
        while apartment.lead_id:
            D2dLeadCommon._apartment_counter += 1
            apartment = house.apartment_ids[D2dLeadCommon._apartment_counter % len(house.apartment_ids)]
        visit = (
            cls.env["d2d.visit"]
            .with_user(agent)
            .create({"apartment_id": apartment.id, "result": "lead", "phone": phone, "contact_name": name})
        )
        return cls.env["crm.lead"].browse(visit.lead_id.id)

    @classmethod
    def walk(cls, lead, target):
        """Move `lead` with the legitimate role of each step up to `target`
        (the only walker of the suite). Here the installation steps are made
        by the workflow core as superuser, with no job; D2dCrewCommon walks
        them through a real job of a crew instead."""
        path = ["new", "review", "coordination", "scheduled", "quality", "done"]
        while lead.d2d_stage_code != target:
            code = lead.d2d_stage_code
            if code == "new":
                lead.with_user(lead.user_id).action_d2d_submit()
            elif code == "review":
                lead.with_user(cls.supervisor_of(lead)).action_d2d_send_to_coordination()
            elif code == "coordination":
                cls.walk_schedule(lead)
            elif code == "scheduled":
                cls.walk_install(lead)
            elif code == "quality":
                lead.with_user(cls.callcenter).action_d2d_quality_call(ok=True)
            assert path.index(code) < path.index(lead.d2d_stage_code), f"the walk went back from {code}"
        return lead

    @classmethod
    def walk_schedule(cls, lead):
        lead.sudo()._d2d_move("scheduled", ("coordination",))

    @classmethod
    def walk_install(cls, lead):
        lead.sudo()._d2d_move("quality", ("scheduled",))

    @classmethod
    def create_crew(cls, name, leader, **vals):
        """A crew of one: its leader."""
        return cls.env["d2d.crew"].create(
            {"name": name, "leader_id": leader.id, "member_ids": [(6, 0, leader.ids)], **vals}
        )

    @staticmethod
    def supervisor_of(lead):
        return lead.d2d_territory_id.supervisor_id

    def step_activities(self, lead):
        activity_type = self.env.ref("door_to_door_crm.mail_activity_type_d2d_step")
        return lead.activity_ids.filtered(lambda act: act.activity_type_id == activity_type)

    def messages(self, lead):
        return lead.message_ids.mapped("body")


class D2dCrewCommon(D2dLeadCommon):
    """D2dLeadCommon plus crew A (installer) for territory A and crew B
    (installer_b) for territory B; leads walk the installation steps through
    a real job: the coordinator completes the card and books the crew's first
    free slot, the crew takes its photos and reports the connection.
    crew_values() gives the crews' other values (calendar, capacity)."""

    crew_names = ("Crew A", "Crew B")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.installer_b = new_test_user(
            cls.env, "test_installer_b", groups="door_to_door_crm.group_d2d_installer", name="Installer B"
        )
        values = cls.crew_values()
        cls.crew = cls.create_crew(cls.crew_names[0], cls.installer, **values)
        cls.crew_b = cls.create_crew(cls.crew_names[1], cls.installer_b, **values)

    @classmethod
    def crew_values(cls):
        return {}

    @classmethod
    def crew_of(cls, lead):
        return cls.crew if lead.d2d_territory_id == cls.territory_a else cls.crew_b

    @staticmethod
    def open_job(lead):
        return lead.sudo().d2d_installation_ids._d2d_open()

    @classmethod
    def book_first_slot(cls, lead, user):
        """`user` books the first free slot of the lead's crew from tomorrow."""
        crew = cls.crew_of(lead)
        start, stop, _crew = crew._find_slots(fields.Datetime.now() + timedelta(days=1), timedelta(hours=2), 1)[0]
        lead.with_user(user).action_d2d_schedule(crew.id, start, stop)

    @classmethod
    def report_connected(cls, lead, user):
        job = cls.open_job(lead) or lead.sudo().d2d_installation_ids[:1]
        job.with_user(user).action_d2d_report("connected", port="A-12", cable_mark_start=120, cable_mark_end=95)

    @classmethod
    def walk_schedule(cls, lead):
        missing = {name: value for name, value in cls.client_card.items() if not lead.sudo()[name]}
        if missing:
            lead.with_user(cls.coordinator).write(missing)
        cls.book_first_slot(lead, cls.coordinator)
        cls.open_job(lead).write({name: jpeg_photo() for name in JOB_PHOTOS})

    @classmethod
    def walk_install(cls, lead):
        cls.report_connected(lead, cls.crew_of(lead).leader_id)


# ----------------------------------------------------------------------
# Two transactions at once
# ----------------------------------------------------------------------


def backend_waits_on_lock(registry, pid):
    """Whether the PostgreSQL backend `pid` waits on a lock now."""
    with registry.cursor() as cr:
        cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cr.fetchone()
        return bool(row) and row[0] == "Lock"


def side_by_side(case, uid, work):
    """`work(env, name)` run by user `uid` in two transactions of their own,
    both committed, at the same moment, as two requests: "first" does its
    work and keeps its transaction open; "second" starts then, under
    Odoo's `retrying` (a serialization failure runs it again in a new
    transaction, as for a request), and "first" commits once "second" waits
    on a lock or has ended. Returns ({name: what work returned}, whether
    "second" was seen waiting on a lock); fails when either raised."""
    answers, errors, pids = {}, {}, {}
    first_done, release_first = threading.Event(), threading.Event()

    def request(name, hold):
        try:
            with case.registry.cursor() as cr:
                cr.execute("SELECT pg_backend_pid()")
                pids[name] = cr.fetchone()[0]
                env = api.Environment(cr, uid, {})
                if hold:
                    answers[name] = work(env, name)
                    first_done.set()
                    release_first.wait(WAIT)
                else:
                    answers[name] = retrying(lambda: work(env, name), env)
            # leaving the block commits
        except Exception as error:  # noqa: BLE001 -- reported by the main thread
            errors[name] = error
            first_done.set()

    first = threading.Thread(target=request, args=("first", True))
    second = threading.Thread(target=request, args=("second", False))
    blocked = False
    first.start()
    try:
        case.assertTrue(first_done.wait(WAIT), "the first transaction did its work")
        case.assertFalse(errors, errors)
        second.start()
        for _i in range(WAIT * 20):
            if "second" in pids and backend_waits_on_lock(case.registry, pids["second"]):
                blocked = True
                break
            if not second.is_alive():
                break
            threading.Event().wait(0.05)
    finally:
        release_first.set()
        first.join(WAIT)
        if second.ident:
            second.join(WAIT)
    case.assertFalse(first.is_alive() or second.is_alive(), "both transactions ended")
    case.assertFalse(errors, f"a transaction failed: {errors!r}")
    return answers, blocked
