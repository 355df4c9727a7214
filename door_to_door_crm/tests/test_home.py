from odoo.tests import HttpCase, new_test_user, tagged

from .common import D2dCommon

# role -> the action its home opens on
EXPECTED_HOMES = {
    "manager": "door_to_door_crm.crm_lead_action_d2d",
    "supervisor": "door_to_door_crm.crm_lead_action_d2d",
    "coordinator": "door_to_door_crm.crm_lead_action_d2d_coordination",
    "callcenter": "door_to_door_crm.d2d_callcenter_queue_action",
    "installer": "door_to_door_crm.d2d_installation_action_my_jobs",
    "agent": "door_to_door_crm.d2d_agent_app_action",
}


@tagged("post_install", "-at_install")
class TestRoleHome(HttpCase, D2dCommon):
    """Each role opens on its own work: its home action, and the app icon,
    run the server action that picks the role's screen, as the web client
    runs it (/web/action/run)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = cls.env.ref("door_to_door_crm.action_server_d2d_home")

    def run_home(self, user):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request("/web/action/run", {"action_id": self.home.id})

    def test_each_role_lands_on_its_work(self):
        for role, xmlid in EXPECTED_HOMES.items():
            user = getattr(self, role)
            with self.subTest(role=role):
                self.assertEqual(user.action_id.id, self.home.id, "the users a role is given to open on it")
                action = self.run_home(user)
                self.assertEqual(action["id"], self.env.ref(xmlid).id)
        supervisor_action = self.run_home(self.supervisor)
        self.assertEqual(supervisor_action["context"].get("search_default_my_responsibility"), 1, "what waits for them")

    def test_the_app_icon_opens_the_role_home(self):
        root = self.env.ref("door_to_door_crm.door_to_door_crm_menu_root")
        self.assertEqual(root.action, self.home)

    def test_a_role_given_later_sets_the_home_but_keeps_a_chosen_one(self):
        plain = new_test_user(self.env, "home_plain", groups="base.group_user")
        self.assertFalse(plain.action_id)
        plain.write({"groups_id": [(4, self.env.ref("door_to_door_crm.group_d2d_installer").id)]})
        self.assertEqual(plain.action_id.id, self.home.id)
        chosen = self.env.ref("door_to_door_crm.d2d_call_action")
        self.coordinator.action_id = chosen.id
        self.coordinator.write({"groups_id": [(4, self.env.ref("door_to_door_crm.group_d2d_callcenter").id)]})
        self.assertEqual(self.coordinator.action_id.id, chosen.id)
