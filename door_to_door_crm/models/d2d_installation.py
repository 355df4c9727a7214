import base64
import binascii
import io
import logging
import math
import threading
import warnings
from contextlib import contextmanager
from urllib.parse import quote_plus

from markupsafe import Markup
from PIL import Image, ImageOps, UnidentifiedImageError, WebPImagePlugin  # noqa: F401 -- see PHOTO_FORMATS
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_datetime, sql

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
# What phone cameras and galleries send (Pillow's JPEG reader also opens the
# MPO files of some cameras). Odoo loads only a few of Pillow's readers on
# purpose (odoo/tools/image.py): WebP's is imported above. HEIC is missing:
# Pillow reads it only with a plugin (pillow-heif), which Odoo does not ship.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# The "ftyp" brands of HEIF/HEIC files (iPhones' "High efficiency" photos).
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
# A crew is never in two open jobs at once, whatever the code path: the
# database refuses an open job whose time range overlaps another open job of
# the same crew (see `init`).
SLOT_CONSTRAINT = "d2d_installation_crew_slot_excl"
SLOT_CONSTRAINT_DEFINITION = (
    "EXCLUDE USING gist (crew_id WITH =, tsrange(start, stop) WITH &&) "
    f"WHERE (state IN ({', '.join(repr(state) for state in OPEN_JOB_STATES)}))"
)
# The job's fields that decide whether it holds its crew's time.
SLOT_FIELDS = frozenset(("crew_id", "start", "stop", "state"))

_logger = logging.getLogger(__name__)


class D2dInstallation(models.Model):
    """One installation job of a crew for a lead: the field-service order."""

    _name = "d2d.installation"
    _description = "Installation job"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "start desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    lead_id = fields.Many2one(
        "crm.lead", required=True, index=True, ondelete="restrict", readonly=True, check_company=True
    )
    crew_id = fields.Many2one("d2d.crew", required=True, index=True, readonly=True, tracking=True)
    company_id = fields.Many2one(related="crew_id.company_id", store=True, index=True, precompute=True)
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
    # The client's phone and name as the reader may see them on the lead (a
    # related field would read the lead as superuser, past its rules).
    phone = fields.Char(compute="_compute_client")
    contact_name = fields.Char(compute="_compute_client", string="Client")
    map_url = fields.Char(compute="_compute_contact")
    # the phone's own map app (Android's and iOS's geo: URI), on the point or the address
    geo_url = fields.Char(compute="_compute_contact", string="Map on the phone")
    crew_note = fields.Text(
        string="Notes for the crew",
        tracking=True,
        help="What the coordinator tells the crew: when the client is in, where the box is, what to bring.",
    )
    # What the crew needs at the door, from the lead and its apartment.
    entrance_number = fields.Integer(compute="_compute_at_the_door", string="Entrance")
    floor = fields.Integer(compute="_compute_at_the_door")
    intercom_code = fields.Char(compute="_compute_at_the_door", string="Intercom code")
    tariff_id = fields.Many2one("d2d.tariff", compute="_compute_at_the_door", string="Tariff")
    equipment_summary = fields.Char(compute="_compute_at_the_door", string="Equipment")
    result_note = fields.Text(string="Report", readonly=True)
    port = fields.Char(readonly=True)
    cable_mark_start = fields.Float(string="Cable mark at the start", readonly=True, digits=(10, 1))
    cable_mark_end = fields.Float(string="Cable mark at the end", readonly=True, digits=(10, 1))
    cable_length = fields.Float(compute="_compute_cable_length", store=True, digits=(10, 1), string="Cable (m)")
    # Seen by the crew that took it (the record rule gives installers their
    # crews' jobs only), the coordinators and the managers, through every
    # route: read, export, /web/image and the attachment check this group.
    photo_passport = fields.Image(
        string="Passport",
        attachment=True,
        groups="door_to_door_crm.group_d2d_installer,door_to_door_crm.group_d2d_coordinator",
    )
    photo_cable_entry = fields.Image(string="Cable entry", attachment=True)
    photo_box = fields.Image(string="Box after connection", attachment=True)

    @api.depends("lead_id.name", "crew_id.name")
    def _compute_name(self):
        for job in self:
            job.name = f"{job.lead_id.name or ''} — {job.crew_id.name or ''}"

    @api.depends("lead_id.phone", "lead_id.contact_name")
    @api.depends_context("uid")
    def _compute_client(self):
        readable = self.lead_id._filtered_access("read")
        for job in self:
            lead = job.lead_id if job.lead_id in readable else job.lead_id.browse()
            job.phone = lead.phone
            job.contact_name = lead.contact_name

    @api.depends(
        "lead_id.d2d_apartment_id.floor",
        "lead_id.d2d_apartment_id.entrance_id.number",
        "lead_id.d2d_apartment_id.entrance_id.intercom_code",
        "lead_id.d2d_tariff_id",
        "lead_id.d2d_equipment_line_ids.quantity",
        "lead_id.d2d_equipment_line_ids.equipment_id",
    )
    @api.depends_context("uid")
    def _compute_at_the_door(self):
        readable = self.lead_id._filtered_access("read")
        for job in self:
            lead = job.lead_id if job.lead_id in readable else job.lead_id.browse()
            apartment = lead.sudo().d2d_apartment_id
            job.entrance_number = apartment.entrance_id.number
            job.floor = apartment.floor
            job.intercom_code = apartment.entrance_id.intercom_code
            job.tariff_id = lead.d2d_tariff_id
            job.equipment_summary = ", ".join(lead.d2d_equipment_line_ids.mapped("display_name"))

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
            # the building, not the apartment: a map knows streets and houses
            place = ", ".join(filter(None, [lead.street, lead.city]))
            if house.latitude or house.longitude:
                lat, lon = house.latitude, house.longitude
                job.map_url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
                job.geo_url = f"geo:{lat},{lon}?q={lat},{lon}({quote_plus(place)})"
            elif job.address:
                job.map_url = f"https://www.openstreetmap.org/search?query={quote_plus(place)}"
                job.geo_url = f"geo:0,0?q={quote_plus(place)}"
            else:
                job.map_url = job.geo_url = False

    @api.depends("cable_mark_start", "cable_mark_end")
    def _compute_cable_length(self):
        for job in self:
            job.cable_length = abs(job.cable_mark_end - job.cable_mark_start)

    def init(self):
        super().init()
        # btree_gist gives GiST indexes the equality of integers (crew_id).
        # The test and demo roles are superusers; on a deployment whose Odoo
        # role is not, a superuser runs "CREATE EXTENSION btree_gist" in the
        # database once (PostgreSQL 13+ lets a database owner do it too, the
        # extension being trusted).
        self.env.cr.execute(SQL("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        definition = sql.constraint_definition(self.env.cr, self._table, SLOT_CONSTRAINT)
        if definition != SLOT_CONSTRAINT_DEFINITION:
            if definition:
                sql.drop_constraint(self.env.cr, self._table, SLOT_CONSTRAINT)
            sql.add_constraint(self.env.cr, self._table, SLOT_CONSTRAINT, SLOT_CONSTRAINT_DEFINITION)

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

    @api.model
    def _d2d_action_owned_fields(self):
        """Fields that only the job's actions write (and managers): the
        workflow's own and the stored values derived from them, which the ORM
        would otherwise let a write overwrite (a stored computed or related
        column is not read-only to `write()`)."""
        derived = {name for name, field in self._fields.items() if field.store and (field.compute or field.related)}
        return WORKFLOW_FIELDS | derived

    @api.model_create_multi
    def create(self, vals_list):
        if not self._d2d_may_bypass_actions():
            raise UserError(self.env._("A job is booked from its lead, with “Book a crew”."))
        for vals in vals_list:
            self._process_photo_values(vals)
        crews = self.env["d2d.crew"].browse(sorted({vals["crew_id"] for vals in vals_list if vals.get("crew_id")}))
        with self._d2d_refuse_taken_slots(crews):
            return super().create(vals_list)

    def write(self, vals):
        if "crew_note" in vals and not (
            self.env.su or self.env.user.has_group("door_to_door_crm.group_d2d_coordinator")
        ):
            raise AccessError(self.env._("Only a coordinator writes the notes for the crew."))
        owned = self._d2d_action_owned_fields() & set(vals)
        if owned and not self._d2d_may_bypass_actions():
            labels = ", ".join(sorted(self._fields[name].get_description(self.env)["string"] for name in owned))
            raise UserError(
                self.env._(
                    "%(fields)s of a job change only through its buttons (book, start, report, reschedule, cancel).",
                    fields=labels,
                )
            )
        self._process_photo_values(vals)
        if not SLOT_FIELDS & set(vals):
            return super().write(vals)
        crews = self.crew_id | self.env["d2d.crew"].browse(vals.get("crew_id") or [])
        with self._d2d_refuse_taken_slots(crews):
            super().write(vals)
            self.flush_recordset(list(SLOT_FIELDS))  # the constraint is checked now, inside the savepoint
        return True

    @contextmanager
    def _d2d_refuse_taken_slots(self, crews):
        """Run the block in a savepoint and turn the database's refusal of
        an overlapping open job (`SLOT_CONSTRAINT`) into the plain words of
        `d2d.crew._check_slot`; the transaction stays usable."""
        try:
            with self.env.cr.savepoint(), _expected_sql_error(SLOT_CONSTRAINT):
                yield
        except pg_errors.ExclusionViolation as error:
            if error.diag.constraint_name != SLOT_CONSTRAINT:
                raise
            _logger.info("Refused an overlapping job of crews %s", crews.ids)
            raise UserError(crews._d2d_slot_taken_message()) from None

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
        without location). Accepts what Pillow decodes to its last pixel in
        the formats of a phone camera (bytes after the image, as motion photos
        carry their video, are ignored); refuses bombs, cut files and the rest."""
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError, TypeError) as error:
            raise UserError(self.env._("The photo could not be read: it is not an uploaded file.")) from error
        try:
            image = self._decode_photo(raw)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise UserError(
                self.env._("The photo is far too large (%(pixels)s pixels): take it again.", pixels=str(error))
            ) from error
        except UnidentifiedImageError as error:
            if raw[4:8] == b"ftyp" and raw[8:12] in HEIF_BRANDS:
                raise UserError(
                    self.env._(
                        "HEIC photos cannot be read here: set the phone's camera to JPEG "
                        "(“Most compatible”) or send the photo as JPEG."
                    )
                ) from error
            raise UserError(self.env._("The file is not a photo: send a JPEG, PNG or WebP picture.")) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise UserError(self.env._("The photo is damaged and cannot be opened: take it again.")) from error
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        if image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata dropped
        return base64.b64encode(out.getvalue())

    @api.model
    def _decode_photo(self, raw):
        """The image of `raw`, decoded to its last pixel, or the error of
        Pillow (an OSError for a file cut short)."""
        stream = _EndWatchingStream(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=PHOTO_FORMATS)
            stream.read_past_end = False  # the header is read; what counts is the decoding
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise Image.DecompressionBombError(image.width * image.height)
            image.load()
        # Odoo lets Pillow pad a cut image with grey (LOAD_TRUNCATED_IMAGES,
        # set for reports, for every thread): a decoder that still asked for
        # data at the end of the file is what tells a cut file.
        if stream.read_past_end:
            raise OSError("truncated image")
        return image

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def _check_crew_member(self):
        user = self.env.user
        if self.env.su or user.has_group("door_to_door_crm.group_d2d_manager"):
            return
        foreign = self.filtered(lambda job: user not in job.sudo().crew_id.member_ids)
        if foreign:
            # no name: the caller may not see the job, its client or its crew
            raise UserError(self.env._("This job belongs to another crew: only its own crew works on it."))

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
        crew._d2d_lock_bookings()
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


class _EndWatchingStream(io.BytesIO):
    """The bytes of a file that remembers whether a reader asked for more
    after its end."""

    read_past_end = False

    def read(self, size=-1):
        data = super().read(size)
        if size and not data:
            self.read_past_end = True
        return data


@contextmanager
def _expected_sql_error(constraint):
    """Odoo logs every failed query as an ERROR ("bad query"); a violation of
    `constraint` that the caller turns into a refusal is no error of the
    server. Drop that line for this thread only: a logger's filters are
    shared by every thread of the server."""
    thread = threading.current_thread()

    def keep(record):
        return threading.current_thread() is not thread or constraint not in record.getMessage()

    logger = logging.getLogger("odoo.sql_db")
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
