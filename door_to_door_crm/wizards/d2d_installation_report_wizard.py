from odoo import fields, models


class D2dInstallationReportWizard(models.TransientModel):
    """The installer's report from the phone: result, port, cable marks,
    photos; the job's action_d2d_report checks and applies it."""

    _name = "d2d.installation.report.wizard"
    _description = "Installation report"

    installation_id = fields.Many2one("d2d.installation", required=True)
    result = fields.Selection([("connected", "Connected"), ("not_connected", "Not connected")], required=True)
    port = fields.Char()
    # Text, not numbers: an empty mark must stay empty (a float would be 0),
    # and what is typed is checked by action_d2d_report in plain words.
    cable_mark_start = fields.Char(string="Cable mark at the start", help="The metre mark printed on the cable.")
    cable_mark_end = fields.Char(string="Cable mark at the end", help="The metre mark printed on the cable.")
    reason = fields.Text(string="Why not connected")
    photo_passport = fields.Image(string="Passport")
    photo_cable_entry = fields.Image(string="Cable entry")
    photo_box = fields.Image(string="Box after connection")

    def action_confirm(self):
        self.ensure_one()
        job = self.installation_id
        job._check_crew_member()
        photos = {name: self[name] for name in ("photo_passport", "photo_cable_entry", "photo_box") if self[name]}
        if photos:
            job.sudo().write(photos)
        job.action_d2d_report(
            self.result,
            port=self.port,
            cable_mark_start=self.cable_mark_start,
            cable_mark_end=self.cable_mark_end,
            reason=self.reason,
        )
        return {"type": "ir.actions.act_window_close"}
