import base64
import binascii
import io
import math
import warnings
from urllib.parse import quote_plus

from markupsafe import Markup
from PIL import Image, ImageOps, UnidentifiedImageError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_datetime

PHOTO_FIELDS = ("photo_passport", "photo_cable_entry", "photo_box")
# States of a job still ahead of its crew: it holds the crew's time and the lead waits on it.
OPEN_JOB_STATES = ("planned", "in_progress")
# Fields that only the job's actions (schedule, start, report, cancel,
# reschedule) write; the crew writes the photos, nobody writes these by hand.
WORKFLOW_FIELDS = frozenset(
    (
        "lead_id",
        "crew_id",
        "start",
        "stop",
        "state",
        "started_at",
        "result_note",
        "port",
        "cable_mark_start",
        "cable_mark_end",
    )
)
PHOTO_MAX_SIDE = 1920
# Refuse images that decode to more pixels than this (decompression bombs).
PHOTO_MAX_PIXELS = 40_000_000


class D2dInstallation(models.Model):
    """One installation job of a crew for a lead: the field-service order."""

    _name = "d2d.installation"
    _description = "Installation job"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="restrict", readonly=True)
    crew_id = fields.Many2one("d2d.crew", required=True, index=True, readonly=True, tracking=True)
    color = fields.Integer(related="crew_id.color")
    start = fields.Datetime(required=True, index=True, readonly=True, tracking=True)
    stop = fields.Datetime(required=True, readonly=True)
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("in_progress", "On the way / working"),
            ("done", "Connected"),
            ("failed", "Not connected"),
            ("cancelled", "Cancelled"),
        ],
        default="planned",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    started_at = fields.Datetime(readonly=True)
    address = fields.Char(compute="_compute_contact")
    phone = fields.Char(related="lead_id.phone")
    contact_name = fields.Char(related="lead_id.contact_name", string="Client")
    map_url = fields.Char(compute="_compute_contact")
    result_note = fields.Text(string="Report", readonly=True)
    port = fields.Char(readonly=True)
    cable_mark_start = fields.Float(string="Cable mark at the start", readonly=True, digits=(10, 1))
    cable_mark_end = fields.Float(string="Cable mark at the end", readonly=True, digits=(10, 1))
    cable_length = fields.Float(compute="_compute_cable_length", store=True, digits=(10, 1), string="Cable (m)")
    photo_passport = fields.Image(string="Passport", attachment=True)
    photo_cable_entry = fields.Image(string="Cable entry", attachment=True)
    photo_box = fields.Image(string="Box after connection", attachment=True)

    @api.depends("lead_id.name", "crew_id.name")
    def _compute_name(self):
        for job in self:
            job.name = f"{job.lead_id.name or ''} — {job.crew_id.name or ''}"

    @api.depends(
        "lead_id.street",
        "lead_id.street2",
        "lead_id.city",
        "lead_id.d2d_house_id.latitude",
        "lead_id.d2d_house_id.longitude",
    )
    def _compute_contact(self):
        for job in self:
            lead = job.lead_id
            job.address = ", ".join(filter(None, [lead.street, lead.street2, lead.city]))
            house = lead.sudo().d2d_house_id
            if house.latitude or house.longitude:
                lat, lon = house.latitude, house.longitude
                job.map_url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
            elif job.address:
                # the building, not the apartment: a map knows streets and houses
                place = ", ".join(filter(None, [lead.street, lead.city]))
                job.map_url = f"https://www.openstreetmap.org/search?query={quote_plus(place)}"
            else:
                job.map_url = False

    @api.depends("cable_mark_start", "cable_mark_end")
    def _compute_cable_length(self):
        for job in self:
            job.cable_length = abs(job.cable_mark_end - job.cable_mark_start)

    @api.constrains("start", "stop")
    def _check_times(self):
        if any(job.stop <= job.start for job in self):
            raise ValidationError(self.env._("A job must end after it starts."))

    # ------------------------------------------------------------------
    # CRUD: photos are cleaned on their way in
    # ------------------------------------------------------------------

    def _d2d_may_bypass_actions(self):
        # not a context key: a context comes with every RPC call
        return self.env.su or self.env.user.has_group("door_to_door_crm.group_d2d_manager")

    @api.model_create_multi
    def create(self, vals_list):
        if not self._d2d_may_bypass_actions():
            raise UserError(self.env._("A job is booked from its lead, with “Book a crew”."))
        for vals in vals_list:
            self._process_photo_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        owned = WORKFLOW_FIELDS & set(vals)
        if owned and not self._d2d_may_bypass_actions():
            labels = ", ".join(sorted(self._fields[name].get_description(self.env)["string"] for name in owned))
            raise UserError(
                self.env._(
                    "%(fields)s of a job change only through its buttons (book, start, report, reschedule, cancel).",
                    fields=labels,
                )
            )
        self._process_photo_values(vals)
        return super().write(vals)

    @api.model
    def _d2d_parse_times(self, start, stop):
        """`start` and `stop` (strings or datetimes, UTC) as datetimes, the
        stop after the start, or a UserError in plain words."""
        try:
            start, stop = fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(stop)
        except (TypeError, ValueError):
            start = stop = None
        if not (start and stop):
            raise UserError(self.env._("The start and the end must be dates with a time."))
        if stop <= start:
            raise UserError(self.env._("The job must end after it starts."))
        return start, stop

    @api.model
    def _process_photo_values(self, vals):
        for name in PHOTO_FIELDS:
            if vals.get(name):
                vals[name] = self._process_photo(vals[name])

    @api.model
    def _process_photo(self, data):
        """A base64 photo from a phone made safe and small: EXIF orientation
        applied, at most 1920 px a side, re-encoded as JPEG without EXIF (so
        without location). Refuses what is not a sound image."""
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError, TypeError) as error:
            raise UserError(self.env._("The photo could not be read: it is not an uploaded file.")) from error
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(raw))
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    raise Image.DecompressionBombError(image.width * image.height)
                # Odoo lets Pillow pad truncated images (LOAD_TRUNCATED_IMAGES):
                # check the file's own integrity first.
                image.verify()
                if image.format == "JPEG" and not raw.rstrip(b"\0").endswith(b"\xff\xd9"):
                    raise OSError("truncated JPEG")
                image = Image.open(io.BytesIO(raw))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise UserError(
                self.env._("The photo is far too large (%(pixels)s pixels): take it again.", pixels=str(error))
            ) from error
        except UnidentifiedImageError as error:
            raise UserError(self.env._("The file is not a photo: send a JPEG or PNG picture.")) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise UserError(self.env._("The photo is damaged and cannot be opened: take it again.")) from error
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        if image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata dropped
        return base64.b64encode(out.getvalue())

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def _check_crew_member(self):
        user = self.env.user
        if self.env.su or user.has_group("door_to_door_crm.group_d2d_manager"):
            return
        foreign = self.filtered(lambda job: user not in job.sudo().crew_id.member_ids)
        if foreign:
            raise UserError(self.env._("Job %(job)s belongs to another crew.", job=foreign[0].sudo().name))

    def action_start(self):
        """The crew sets off: the office sees who is on the way."""
        self._check_crew_member()
        not_planned = self.filtered(lambda job: job.state != "planned")
        if not_planned:
            raise UserError(self.env._("Job %(job)s is not waiting to start.", job=not_planned[0].name))
        self.sudo().write({"state": "in_progress", "started_at": fields.Datetime.now()})
        return True

    def action_d2d_report(self, result, port=None, cable_mark_start=None, cable_mark_end=None, reason=None):
        """The crew's report. `connected` needs the port, both cable marks
        and the three photos, and sends the lead to the quality call; `not
        connected` needs a reason and sends the lead back to coordination."""
        self.ensure_one()
        self._check_crew_member()
        if self.state not in OPEN_JOB_STATES:
            raise UserError(self.env._("Job %(job)s is already closed.", job=self.name))
        if result == "connected":
            values = self._connected_values(port, cable_mark_start, cable_mark_end)
            job = self.sudo()
            job.write(values)
            job.lead_id._d2d_move("quality", ("scheduled",))
        elif result == "not_connected":
            reason = (reason or "").strip()
            if not reason:
                raise UserError(self.env._("Say why the client could not be connected."))
            job = self.sudo()
            job.write({"state": "failed", "result_note": reason})
            job.lead_id._d2d_move("coordination", ("scheduled",), reason=reason)
        else:
            raise UserError(
                self.env._("“%(result)s” is not a job result: use connected or not_connected.", result=result)
            )
        return True

    def _connected_values(self, port, cable_mark_start, cable_mark_end):
        port = (port or "").strip() if isinstance(port, str) else port
        if not port:
            raise UserError(self.env._("A connection needs the port the client is plugged into."))
        marks = []
        for label, mark in (
            (self.env._("at the start"), cable_mark_start),
            (self.env._("at the end"), cable_mark_end),
        ):
            if isinstance(mark, str):
                mark = mark.strip().replace(",", ".")  # "12,5" as typed on a Russian keyboard
            if mark is None or mark is False or mark == "":
                raise UserError(self.env._("A connection needs the cable mark %(where)s.", where=label))
            try:
                if isinstance(mark, bool):
                    raise TypeError(mark)
                value = float(mark)
            except (TypeError, ValueError):
                raise UserError(
                    self.env._("The cable mark %(where)s must be a number of metres.", where=label)
                ) from None
            if not math.isfinite(value):  # "nan", "inf"
                raise UserError(self.env._("The cable mark %(where)s must be a number of metres.", where=label))
            if value < 0:
                raise UserError(self.env._("The cable mark %(where)s cannot be negative.", where=label))
            marks.append(value)
        labels = {
            "photo_passport": self.env._("the client's passport"),
            "photo_cable_entry": self.env._("the cable entry into the apartment"),
            "photo_box": self.env._("the box after connection"),
        }
        missing = [labels[name] for name in PHOTO_FIELDS if not self[name]]
        if missing:
            raise UserError(self.env._("A connection needs the photos of %(photos)s.", photos=", ".join(missing)))
        return {
            "state": "done",
            "port": str(port),
            "cable_mark_start": marks[0],
            "cable_mark_end": marks[1],
        }

    def action_cancel(self, reason=None):
        """Coordinator: cancel a job; the lead goes back to coordination."""
        self.env["crm.lead"]._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the job is cancelled."))
        open_jobs = self._d2d_open()
        if open_jobs != self:
            raise UserError(self.env._("Only a planned job can be cancelled."))
        self.sudo().write({"state": "cancelled", "result_note": reason})
        self.lead_id.filtered(lambda lead: lead.d2d_stage_code == "scheduled")._d2d_move(
            "coordination", ("scheduled",), reason=reason
        )
        return True

    def action_d2d_reschedule(self, crew_id, start, stop, reason=None):
        """Coordinator: move this planned job to another slot, of the same
        crew or another one. The job is kept, cancelled with a note, beside
        the new one, so the lead's history shows both; the lead stays
        scheduled. Returns the new job's id."""
        self.ensure_one()
        self.env["crm.lead"]._d2d_check_role("door_to_door_crm.group_d2d_coordinator")
        if self.state != "planned":
            raise UserError(self.env._("Job %(job)s is not planned any more: it cannot be moved.", job=self.name))
        crew = self.env["d2d.crew"]._d2d_bookable_crew(crew_id)
        start, stop = self._d2d_parse_times(start, stop)
        problem = crew._check_slot(start, stop, exclude=self)
        if problem:
            raise UserError(problem)
        reason = (reason or "").strip()
        moved = self.env._(
            "Moved from %(old)s (%(old_crew)s) to %(new)s (%(new_crew)s).",
            old=format_datetime(self.env, self.start),
            old_crew=self.crew_id.name,
            new=format_datetime(self.env, start),
            new_crew=crew.name,
        )
        old_leader = self.crew_id.leader_id
        job = self.sudo()
        job.write({"state": "cancelled", "result_note": "\n".join(filter(None, [moved, reason]))})
        new_job = job.create({"lead_id": job.lead_id.id, "crew_id": crew.id, "start": start, "stop": stop})
        lead = job.lead_id
        lead._message_log_batch(bodies={lead.id: Markup("<br/>").join(filter(None, [moved, reason]))})
        if crew.leader_id != old_leader:
            # the new crew's leader takes the step over
            lead._d2d_close_step_activities()
            lead._d2d_plan_step_activities("scheduled")
        return new_job.id

    def _d2d_open(self):
        """The jobs of these that are still open (see `OPEN_JOB_STATES`)."""
        return self.filtered(lambda job: job.state in OPEN_JOB_STATES)
