from odoo import fields, models


class D2dLeadStageLog(models.Model):
    """Append-only log of the stages a lead went through: one row each time a
    lead enters a stage (at its creation, at every move) and one without a
    stage when it leaves the pipeline (lost, archived). `d2d.stage.time`
    reads the time spent at each step from it.

    Why a log of our own and not the stage tracking of the chatter: Odoo
    writes a tracking value once per transaction (the first and the last
    stage, see mail.thread._track_finalize), skips it under
    `tracking_disable`, and stamps it with the transaction's start; the log
    keeps every move, at the moment it was made."""

    _name = "d2d.lead.stage.log"
    _description = "Stage change of a lead"
    _order = "date, id"
    _log_access = False

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", readonly=True)
    stage_id = fields.Many2one(
        "crm.stage", ondelete="set null", readonly=True, help="Empty: the lead left the pipeline (lost or archived)."
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", string="Moved by", readonly=True, ondelete="set null")
    reason = fields.Text(readonly=True, help="Why the lead was moved, when the move asks for a reason (a return).")

    def init(self):
        # the steps of a lead in their order (d2d.stage.time reads them so)
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS d2d_lead_stage_log_lead_date_idx ON d2d_lead_stage_log (lead_id, date, id)"
        )
        # Leads older than the log (a database upgraded to it) start it at
        # their current stage, since they reached it: they show among the
        # leads waiting now. Their earlier moves are not known to the log.
        self.env.cr.execute(
            """
            INSERT INTO d2d_lead_stage_log (lead_id, stage_id, date)
            SELECT lead.id, lead.stage_id, COALESCE(lead.date_last_stage_update, lead.create_date)
              FROM crm_lead lead
             WHERE lead.active AND lead.stage_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM d2d_lead_stage_log log WHERE log.lead_id = lead.id)
            """
        )
