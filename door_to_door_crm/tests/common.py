from contextlib import contextmanager

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user


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
        cls.env["ir.config_parameter"].sudo().set_param("door_to_door_crm.default_coordinator_id", cls.coordinator.id)
        cls.env["ir.config_parameter"].sudo().set_param("door_to_door_crm.default_callcenter_id", cls.callcenter.id)
        cls.env.ref("door_to_door_crm.crm_team_d2d").user_id = cls.manager
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Moved away"})

    _apartment_counter = 0

    def knock_lead(self, house=None, agent=None, phone="+79161234567", name="Olga"):
        """A lead opened the way agents open them: a visit with result lead."""
        house = house or self.house_a
        agent = agent or (self.agent if house == self.house_a else self.agent_b)
        D2dLeadCommon._apartment_counter += 1
        apartment = house.apartment_ids[D2dLeadCommon._apartment_counter % len(house.apartment_ids)]
        while apartment.lead_id:
            D2dLeadCommon._apartment_counter += 1
            apartment = house.apartment_ids[D2dLeadCommon._apartment_counter % len(house.apartment_ids)]
        visit = self.visit(apartment, "lead", user=agent, phone=phone, contact_name=name)
        return self.env["crm.lead"].browse(visit.lead_id.id)

    def walk(self, lead, target):
        """Move `lead` with the legitimate role of each step up to `target`.
        The installation step is done by the workflow core as superuser."""
        path = ["new", "review", "coordination", "scheduled", "quality", "done"]
        while lead.d2d_stage_code != target:
            code = lead.d2d_stage_code
            if code == "new":
                lead.with_user(lead.user_id).action_d2d_submit()
            elif code == "review":
                lead.with_user(self.supervisor_of(lead)).action_d2d_send_to_coordination()
            elif code == "coordination":
                lead.sudo()._d2d_move("scheduled", ("coordination",))
            elif code == "scheduled":
                lead.sudo()._d2d_move("quality", ("scheduled",))
            elif code == "quality":
                lead.with_user(self.callcenter).action_d2d_quality_call(ok=True)
            self.assertLess(path.index(code), path.index(lead.d2d_stage_code))
        return lead

    def supervisor_of(self, lead):
        return lead.d2d_territory_id.supervisor_id

    def step_activities(self, lead):
        activity_type = self.env.ref("door_to_door_crm.mail_activity_type_d2d_step")
        return lead.activity_ids.filtered(lambda act: act.activity_type_id == activity_type)

    def messages(self, lead):
        return lead.message_ids.mapped("body")
