import ast

from lxml import etree, html

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


@tagged("post_install", "-at_install")
class TestTimesOnScreen(TransactionCase):
    """A time in the addon's lists, cards and forms reads as hours and
    minutes: the seconds of a booking, a deadline or a wait are noise. The
    presence report keeps them: it judges knocks seconds apart."""

    KEEP_SECONDS = ("door_to_door_crm.d2d_visit_view_list_presence", "door_to_door_crm.d2d_visit_view_form_presence")

    def datetimes_with_seconds(self, node, model, where):
        """The datetime fields under `node` (of `model`) shown with seconds,
        following one2many and many2many fields into their own views."""
        found = []
        for child in node.iterchildren("*"):
            field = model._fields.get(child.get("name")) if child.tag == "field" else None
            if field and field.type == "datetime" and child.get("invisible") not in ("1", "True"):
                options = child.get("options") or "{}"
                try:
                    shows_seconds = ast.literal_eval(options).get("show_seconds", True)
                except (ValueError, SyntaxError):
                    shows_seconds = "'show_seconds': False" not in options.replace("false", "False")
                if shows_seconds and child.get("widget") not in ("remaining_days", "date"):
                    found.append(f"{where}: {model._name}.{field.name}")
            inner = self.env[field.comodel_name] if field and field.type in ("one2many", "many2many") else model
            found += self.datetimes_with_seconds(child, inner, where)
        return found

    def test_no_seconds_in_lists_cards_and_forms(self):
        data = self.env["ir.model.data"].search([("module", "=", "door_to_door_crm"), ("model", "=", "ir.ui.view")])
        views = self.env["ir.ui.view"].browse(data.mapped("res_id"))
        views = views.filtered(
            lambda view: view.type in ("list", "kanban", "form")
            and view.model in self.env
            and view.xml_id not in self.KEEP_SECONDS
        )
        self.assertGreater(len(views), 20)
        found = []
        for view in views:
            found += self.datetimes_with_seconds(etree.fromstring(view.arch_db), self.env[view.model], view.xml_id)
        self.maxDiff = None
        self.assertEqual(found, [], "datetimes shown with seconds (options show_seconds: false)")
