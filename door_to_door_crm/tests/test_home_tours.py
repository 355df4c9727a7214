from odoo.tests import HttpCase, tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestHomeTours(HttpCase, D2dCommon):
    """Each office role signs in with its password, opens /odoo and is at its
    work: the tour checks the screen's title and view (and, for the
    pipeline, its columns). The agent's home is the tablet page, a page of
    its own (tests/test_home.py and the agent app's browser tests)."""

    def test_each_role_lands_on_its_work_in_the_browser(self):
        for role in ("manager", "supervisor", "coordinator", "callcenter", "installer"):
            user = getattr(self, role)
            with self.subTest(role=role):
                self.start_tour("/odoo", f"d2d_home_{role}_tour", login=user.login)

    def test_the_agent_lands_on_the_tablet_page(self):
        self.authenticate(self.agent.login, self.agent.login)
        action = self.make_jsonrpc_request(
            "/web/action/run", {"action_id": self.env.ref("door_to_door_crm.action_server_d2d_home").id}
        )
        self.assertEqual((action["type"], action["url"]), ("ir.actions.act_url", "/d2d/agent"))
        page = self.url_open(action["url"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("d2d", page.text)
