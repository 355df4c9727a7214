from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import D2dLeadCommon


@tagged("post_install", "-at_install")
class TestSettings(D2dLeadCommon):
    def test_saving_the_days_hides_old_closed_leads_at_once(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            done = self.walk(self.knock_lead(), "done")
        with freeze_time(start + timedelta(days=5)):
            self.assertEqual(self.env["crm.lead"].with_user(self.agent).search([("id", "=", done.id)]), done)
            settings = Form(self.env["d2d.settings"])
            settings.d2d_hide_closed_after_days = 3
            settings.save().execute()
            self.assertEqual(self.env.company.d2d_hide_closed_after_days, 3)
            self.assertFalse(self.env["crm.lead"].with_user(self.agent).search([("id", "=", done.id)]))

    def test_negative_days_are_refused(self):
        with self.assertRefused(ValidationError, "cannot be negative"):
            self.env["d2d.settings"].create({"d2d_hide_closed_after_days": -1})
