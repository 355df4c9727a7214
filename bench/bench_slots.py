"""Finding the next free installation slots, against a naive day-by-day scan.

Sets up 20 crews (Monday-Friday 9:00-13:00 and 14:00-18:00, Moscow time, 5
jobs a day, a day of time off each) with 2,000 one-hour jobs booked at random
in the month, then
asks for the next 10 free two-hour slots over every crew: once with the slot
finder (one query for the jobs, one batch of working intervals per calendar)
and once by a naive scan that tries every half hour of every day of every
crew with the booking check. Prints both times and their ratio. Target: the
slot finder answers in under 100 ms. Everything is rolled back.

    bench/run slots [--rounds 3]
"""

import random
from datetime import datetime, time, timedelta

from benchlib import median, parse_args, rolled_back_env, timed

from odoo import fields


def setup(env, crews_count=20, jobs_count=2000):
    installer_group = env.ref("door_to_door_crm.group_d2d_installer")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench installer {i}",
                "login": f"bench.installer.{i}",
                "groups_id": [(6, 0, installer_group.ids)],
            }
            for i in range(crews_count)
        ]
    )
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench crews",
            "tz": "Europe/Moscow",
            "attendance_ids": [(5, 0, 0)]
            + [
                (0, 0, {"name": f"{d}{p}", "dayofweek": str(d), "hour_from": a, "hour_to": b, "day_period": p})
                for d in range(5)
                for p, a, b in (("morning", 9, 13), ("afternoon", 14, 18))
            ],
        }
    )
    crews = env["d2d.crew"].create(
        [
            {
                "name": f"Bench crew {i}",
                "leader_id": user.id,
                "member_ids": [(6, 0, user.ids)],
                "resource_calendar_id": calendar.id,
                "tz": "Europe/Moscow",
                "daily_capacity": 5,
            }
            for i, user in enumerate(users)
        ]
    )
    today = fields.Date.today()
    monday = datetime.combine(today + timedelta(days=7 - today.weekday()), time(0, 0))
    env["resource.calendar.leaves"].create(
        [
            {
                "name": "Time off",
                "resource_id": crew.resource_id.id,
                "calendar_id": calendar.id,
                "date_from": monday + timedelta(days=i % 5),
                "date_to": monday + timedelta(days=i % 5, hours=23),
            }
            for i, crew in enumerate(crews)
        ]
    )
    # 2,000 one-hour jobs spread at random over the month's working hours
    # (about 4.5 a day per crew against a capacity of 5).
    stage = env["crm.lead"]._d2d_stage("scheduled")
    leads = (
        env["crm.lead"]
        .with_context(tracking_disable=True, mail_create_nolog=True)
        .create([{"name": f"Bench lead {i}", "type": "opportunity", "stage_id": stage.id} for i in range(jobs_count)])
    )
    rnd = random.Random(7)
    days = [monday + timedelta(days=d) for d in range(31) if (monday + timedelta(days=d)).weekday() < 5]
    hours = (6, 7, 8, 9, 11, 12, 13, 14)  # 09:00 to 17:00 Moscow time, lunch excluded
    cells = rnd.sample([(day, crew, hour) for day in days for crew in crews for hour in hours], jobs_count)
    values = [
        {
            "lead_id": lead.id,
            "crew_id": crew.id,
            "start": day + timedelta(hours=hour),
            "stop": day + timedelta(hours=hour + 1),
        }
        for lead, (day, crew, hour) in zip(leads, cells, strict=True)
    ]
    rnd.shuffle(values)
    env["d2d.installation"].create(values)
    env.flush_all()
    return crews, monday


def naive_scan(crews, start, duration, count=10):
    """Every half hour of every day, crew by crew: the booking check, the
    crew's slots already proposed and its jobs that day, query by query."""
    found = []
    proposed = {crew: [] for crew in crews}
    Job = crews.env["d2d.installation"]
    moment = start
    while len(found) < count and moment < start + timedelta(days=62):
        for crew in crews:
            stop = moment + duration
            if crew._check_slot(moment, stop) or any(a < stop and b > moment for a, b in proposed[crew]):
                continue
            day = crew._local_date(moment)
            same_day = [a for a, _b in proposed[crew] if crew._local_date(a) == day]
            day_start = moment - timedelta(hours=12)
            booked = Job.search(
                [
                    ("crew_id", "=", crew.id),
                    ("state", "in", ("planned", "in_progress")),
                    ("start", ">=", day_start),
                    ("start", "<", moment + timedelta(hours=12)),
                ]
            )
            booked_that_day = len(booked.filtered(lambda job, crew=crew, day=day: crew._local_date(job.start) == day))
            if booked_that_day + len(same_day) >= crew.daily_capacity:
                continue
            proposed[crew].append((moment, stop))
            found.append((moment, stop, crew))
            if len(found) == count:
                break
        moment += timedelta(minutes=30)
    return found


def main():
    args = parse_args(__doc__)
    with rolled_back_env(args.database, context={"tracking_disable": True}) as env:
        crews, monday = setup(env)
        duration = timedelta(hours=2)
        finder_times, naive_times = [], []
        for _round in range(args.rounds):
            env.invalidate_all()
            seconds, slots = timed(crews._find_slots, monday, duration)
            finder_times.append(seconds)
            env.invalidate_all()
            seconds, naive = timed(naive_scan, crews, monday, duration)
            naive_times.append(seconds)
        assert len(slots) == 10 and len(naive) == 10, (len(slots), len(naive))
        assert [s[0] for s in slots] == [s[0] for s in naive], (slots, naive)
        finder, scan = median(finder_times), median(naive_times)
        print(
            f"20 crews, {env['d2d.installation'].search_count([]):,} booked jobs, next 10 free 2-hour slots "
            f"(median of {args.rounds} rounds); first slot {slots[0][0]} UTC"
        )
        print(f"slot finder         : {finder * 1000:8.1f} ms")
        print(f"naive day-by-day    : {scan * 1000:8.1f} ms")
        print(f"ratio finder/naive  : {finder / scan:.4f}")
        print(f"target < 100 ms     : {'met' if finder < 0.1 else 'NOT met'}")


if __name__ == "__main__":
    main()
