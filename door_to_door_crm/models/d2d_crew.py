from collections import Counter, defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .d2d_installation import OPEN_JOB_STATES


class D2dCrew(models.Model):
    """An installer crew: its members, working hours and time off (through
    its resource), and how many jobs it takes a day."""

    _name = "d2d.crew"
    _description = "Installer crew"
    _inherit = ["resource.mixin", "mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(related="resource_id.active", store=True, readonly=False)
    color = fields.Integer(default=lambda self: self._default_color(), help="The crew's colour on the calendar.")
    leader_id = fields.Many2one("res.users", string="Leader", required=True, tracking=True, index=True)
    member_ids = fields.Many2many(
        "res.users",
        "d2d_crew_member_rel",
        "crew_id",
        "user_id",
        string="Members",
        domain=lambda self: [("groups_id", "in", self.env.ref("door_to_door_crm.group_d2d_installer").id)],
    )
    daily_capacity = fields.Integer(string="Jobs per day", default=4, required=True, tracking=True)
    installation_ids = fields.One2many("d2d.installation", "crew_id", string="Jobs")
    leave_ids = fields.One2many("resource.calendar.leaves", related="resource_id.leave_ids", string="Time off")

    @api.model
    def _default_color(self):
        """A colour no other crew has yet, while there are some left (Odoo's
        palette has 11 besides "none")."""
        used = set(self.with_context(active_test=False).search([]).mapped("color"))
        return next((color for color in range(1, 12) if color not in used), len(used) % 11 + 1)

    @api.constrains("member_ids", "leader_id")
    def _check_members(self):
        for crew in self:
            if not crew.member_ids:
                raise ValidationError(self.env._("Crew %(crew)s needs at least one member.", crew=crew.name))
            if crew.leader_id not in crew.member_ids:
                raise ValidationError(
                    self.env._("The leader of crew %(crew)s must be one of its members.", crew=crew.name)
                )

    @api.constrains("daily_capacity")
    def _check_daily_capacity(self):
        if any(crew.daily_capacity < 1 for crew in self):
            raise ValidationError(self.env._("A crew takes at least one job a day."))

    # ------------------------------------------------------------------
    # AVAILABILITY
    # ------------------------------------------------------------------

    def _work_intervals(self, start, stop):
        """{crew: Intervals} of working time between naive UTC `start` and
        `stop`, less time off, one batch per calendar."""
        start_utc, stop_utc = pytz.utc.localize(start), pytz.utc.localize(stop)
        result = {}
        for calendar, crews in self.grouped("resource_calendar_id").items():
            intervals = calendar._work_intervals_batch(start_utc, stop_utc, resources=crews.resource_id)
            for crew in crews:
                result[crew] = intervals[crew.resource_id.id]
        return result

    @api.model
    def _d2d_bookable_crew(self, crew_id):
        """The active crew of `crew_id` (an id from a form or an RPC call), or
        a UserError in plain words."""
        try:
            crew = self.browse(int(crew_id)).exists() if crew_id else self
        except (TypeError, ValueError):
            crew = self
        if not crew:
            raise UserError(self.env._("Choose an existing crew."))
        if not crew.active:
            raise UserError(self.env._("Crew %(crew)s is archived: choose another crew.", crew=crew.name))
        return crew

    def _busy_jobs(self, start, stop, exclude=None):
        domain = [
            ("crew_id", "in", self.ids),
            ("state", "in", OPEN_JOB_STATES),
            ("start", "<", stop),
            ("stop", ">", start - timedelta(days=1)),
        ]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        return self.env["d2d.installation"].sudo().search_fetch(domain, ["crew_id", "start", "stop"])

    def _local_date(self, moment):
        tz = pytz.timezone(self.resource_id.tz or "UTC")
        return pytz.utc.localize(moment).astimezone(tz).date()

    def _find_slots(self, start, duration, count=10, horizon_days=31, step_minutes=30, exclude=None):
        """The `count` earliest free slots of `duration` (timedelta) from
        naive UTC `start`, over these crews: inside working hours, outside
        time off and other jobs (but the jobs `exclude`, being moved), and no
        more on a day than the crew's remaining capacity.
        Returns [(start, stop, crew)] sorted by start, then crew."""
        stop = start + timedelta(days=horizon_days)
        work = self._work_intervals(start, stop)
        jobs = self._busy_jobs(start, stop, exclude=exclude)
        busy = defaultdict(list)
        per_day = Counter()
        for job in jobs:
            busy[job.crew_id].append((job.start, job.stop))
            per_day[(job.crew_id, job.crew_id._local_date(job.start))] += 1
        step = timedelta(minutes=step_minutes)
        slots = []
        for crew in self:
            found = 0
            crew_busy = sorted(busy[crew])
            for interval_start, interval_stop, _records in work[crew]:
                begin = max(interval_start.astimezone(pytz.utc).replace(tzinfo=None), start)
                end = interval_stop.astimezone(pytz.utc).replace(tzinfo=None)
                begin = _round_up(begin, step)
                while begin + duration <= end and found < count:
                    if per_day[(crew, crew._local_date(begin))] >= crew.daily_capacity:
                        break  # the rest of this interval is on a full day
                    clash = next((b for b in crew_busy if b[0] < begin + duration and b[1] > begin), None)
                    if clash:
                        begin = _round_up(clash[1], step)
                        continue
                    slots.append((begin, begin + duration, crew))
                    # a day never offers more slots than the crew can still take
                    per_day[(crew, crew._local_date(begin))] += 1
                    found += 1
                    begin += duration
                if found >= count:
                    break
        slots.sort(key=lambda slot: (slot[0], slot[2].id))
        return slots[:count]

    def _d2d_lock_bookings(self):
        """Make the bookings of this crew wait for each other, before
        `_check_slot` counts its jobs: two coordinators booking the crew at
        the same moment would both find the slot free and the day not full.

        Odoo's transactions are REPEATABLE READ: a lock alone (SELECT ... FOR
        UPDATE, an advisory lock) would let the second booking go on with the
        snapshot taken before the first one committed, blind to its job. An
        UPDATE of the crew's row makes PostgreSQL refuse the second one with a
        serialization failure instead, which Odoo answers by running the
        request again on fresh data (`odoo.service.model.retrying`), where
        `_check_slot` sees the first job and refuses in plain words. Not
        logged: the retry is expected (Odoo logs it at INFO)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL("UPDATE d2d_crew SET write_date = write_date WHERE id = %s", self.id), log_exceptions=False
        )

    def _d2d_slot_taken_message(self):
        return self.env._("Crew %(crew)s already has a job at that time.", crew=", ".join(self.mapped("name")))

    def _check_slot(self, start, stop, exclude=None):
        """Explain in plain words why this crew cannot take a job from
        `start` to `stop` (naive UTC), or return None."""
        self.ensure_one()
        if stop <= start:
            return self.env._("The job must end after it starts.")
        # the superuser records jobs already done (imports, the demo)
        if start < fields.Datetime.now() and not self.env.su:
            return self.env._("That time has already begun: choose a slot in the future.")
        work = self._work_intervals(start - timedelta(days=1), stop + timedelta(days=1))[self]
        covered = any(
            interval_start.astimezone(pytz.utc).replace(tzinfo=None) <= start
            and interval_stop.astimezone(pytz.utc).replace(tzinfo=None) >= stop
            for interval_start, interval_stop, _records in work
        )
        if not covered:
            return self.env._(
                "Crew %(crew)s does not work then (outside its working hours or on time off).", crew=self.name
            )
        jobs = self._busy_jobs(start, stop + timedelta(days=1), exclude=exclude)
        if any(job.start < stop and job.stop > start for job in jobs):
            return self._d2d_slot_taken_message()
        day = self._local_date(start)
        if sum(1 for job in jobs if self._local_date(job.start) == day) >= self.daily_capacity:
            return self.env._(
                "Crew %(crew)s already has %(count)s jobs that day, its daily capacity.",
                crew=self.name,
                count=self.daily_capacity,
            )
        return None


def _round_up(moment, step):
    """`moment` rounded up to the next multiple of `step` past the hour."""
    seconds = step.total_seconds()
    offset = (moment.minute * 60 + moment.second + moment.microsecond / 1e6) % seconds
    return moment if not offset else moment + timedelta(seconds=seconds - offset)
