from lxml import html

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestActionsHelp(TransactionCase):
    """Every list, kanban or calendar the addon opens says, when empty, what
    comes there and how: never the stock CRM help ("Create an opportunity")."""

    def test_every_window_action_has_its_own_empty_state(self):
        Action = self.env["ir.actions.act_window"]
        action_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "door_to_door_crm"), ("model", "=", Action._name)])
            .mapped("res_id")
        )
        actions = Action.browse(action_ids).filtered(
            lambda action: action.target != "new" and {"list", "kanban", "calendar"} & set(action.view_mode.split(","))
        )
        self.assertGreater(len(actions), 10)
        for action in actions:
            with self.subTest(action=action.xml_id):
                self.assertTrue(action.help, "an empty-state help")
                text = html.fromstring(action.help).text_content()
                self.assertTrue(text.strip())
                self.assertNotIn("opportunit", text.lower(), "no stock CRM help")
