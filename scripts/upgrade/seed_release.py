"""Fills a database of the previous release (18.0.1.0.0) with a small city,
through that release's own code paths: territories split between agents,
houses with their entrances and apartments, a month of knocks, leads walked to
every step (lost and postponed ones too), crews and their jobs.

Run by scripts/upgrade-test with `odoo-bin shell` on the OLD code, so it uses
only the API of 18.0.1.0.0. At the end it writes what it made to the JSON file
named by D2D_UPGRADE_SNAPSHOT: the ids of every table and the values the
upgrade must keep, which scripts/upgrade/check_upgrade.py compares with the
upgraded database.
"""

# ruff: noqa: F821  (env is given by odoo-bin shell)
import json
import os
from datetime import timedelta

from odoo import fields

env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))  # noqa: F821
groups = "door_to_door_crm.group_d2d_%s"


def user(login, role, name):
    group = env.ref(groups % role)
    return env["res.users"].create(
        {
            "login": login,
            "name": name,
            "password": login,
            "groups_id": [(6, 0, [group.id, env.ref("base.group_user").id])],
        }
    )


supervisors = [user(f"upgrade_supervisor_{i}", "supervisor", f"Супервайзер {i}") for i in (1, 2)]
agents = [user(f"upgrade_agent_{i}", "agent", f"Агент {i}") for i in range(1, 5)]
installers = [user(f"upgrade_installer_{i}", "installer", f"Монтажник {i}") for i in (1, 2)]
coordinator = user("upgrade_coordinator", "coordinator", "Координатор")
operator = user("upgrade_callcenter", "callcenter", "Оператор")
# the settings of the release (system parameters), which the upgrade moves to the companies
parameters = env["ir.config_parameter"].sudo()
parameters.set_param("door_to_door_crm.hide_closed_after_days", 21)
parameters.set_param("door_to_door_crm.default_coordinator_id", coordinator.id)
parameters.set_param("door_to_door_crm.default_callcenter_id", operator.id)
user("upgrade_manager", "manager", "Руководитель")

competitors = env["d2d.competitor"].create([{"name": "Ростелеком"}, {"name": "МТС"}, {"name": "Билайн"}])
territories = env["d2d.territory"].create(
    [
        {
            "name": f"Участок {i + 1}",
            "code": f"UP{i + 1}",
            "supervisor_id": supervisors[i].id,
            "agent_ids": [(6, 0, [agents[2 * i].id, agents[2 * i + 1].id])],
        }
        for i in range(2)
    ]
)
houses = env["d2d.house"].create(
    [
        {
            "street": street,
            "house_number": str(number),
            "territory_id": territory.id,
            "agent_id": agents[2 * t + number % 2].id,
            "entrance_count": 2 + number % 3,
            "floor_count": 5 + number % 5,
            "apartments_per_floor": 4,
            "latitude": 55.75 + t / 100 + number / 1000,
            "longitude": 37.61 + number / 1000,
        }
        for t, (territory, street) in enumerate(zip(territories, ("ул. Бауманская", "Ленинский пр."), strict=True))
        for number in range(1, 6)
    ]
)
crew_calendar = env["resource.calendar"].create(
    {
        "name": "Бригады 9-18",
        "tz": "Europe/Moscow",
        "attendance_ids": [(5, 0, 0)]
        + [
            (
                0,
                0,
                {"name": f"{day} {period}", "dayofweek": str(day), "day_period": period, "hour_from": a, "hour_to": z},
            )
            for day in range(7)
            for period, a, z in (("morning", 9, 13), ("afternoon", 14, 18))
        ],
    }
)
env["d2d.crew"].create(
    [
        {
            "name": f"Бригада {i + 1}",
            "leader_id": installer.id,
            "member_ids": [(6, 0, installer.ids)],
            "resource_calendar_id": crew_calendar.id,
        }
        for i, installer in enumerate(installers)
    ]
)

generator = env["d2d.demo.generator"]
generator._generate_visits(days=10, visits_per_agent_day=40, seed=18010)
generator._walk_pipeline(review=4, coordination=4, scheduled=3, quality=2, done=2)

leads = env["crm.lead"].search([("d2d_stage_code", "=", "coordination")], order="id")
leads[:2].write({"d2d_equipment": "Роутер, ТВ-приставка"})
leads[-1:].action_d2d_postpone(fields.Datetime.now() + timedelta(days=5), "Клиент в отпуске")
new_leads = env["crm.lead"].search([("d2d_stage_code", "=", "new")], order="id")
called = env["crm.lead"].search([("d2d_stage_code", "=", "quality")], limit=1)
env["d2d.callcenter"].with_user(operator).log_call(
    called.phone, "in", 75, "answered", "Уточнил время", call_id="upgrade-call-1"
)
new_leads[:2].action_set_lost(lost_reason_id=env["crm.lost.reason"].create({"name": "Переехали"}).id)
env.flush_all()

# What the upgrade must keep: every row of every table of the addon, and the
# values that a migration moves or converts.
TABLES = [
    "d2d_territory",
    "d2d_house",
    "d2d_entrance",
    "d2d_apartment",
    "d2d_visit",
    "d2d_competitor",
    "d2d_crew",
    "d2d_installation",
    "d2d_call",
    "d2d_lead_stage_log",
    "d2d_agent_stats",
]
snapshot = {"tables": {}, "settings": {"hide_days": 21, "coordinator": coordinator.id, "callcenter": operator.id}}
for table in TABLES:
    env.cr.execute(f"SELECT id FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
    snapshot["tables"][table] = [row[0] for row in env.cr.fetchall()]
env.cr.execute(
    """SELECT l.id, l.active, s.d2d_code, l.d2d_tariff, l.d2d_equipment, l.d2d_territory_id, l.partner_name,
              l.phone, l.d2d_apartment_id
         FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
        WHERE l.d2d_territory_id IS NOT NULL ORDER BY l.id"""
)
snapshot["leads"] = [
    dict(
        zip(
            ("id", "active", "step", "tariff", "equipment", "territory", "partner_name", "phone", "apartment"),
            row,
            strict=False,
        )
    )
    for row in env.cr.fetchall()
]
env.cr.execute("SELECT result, count(*) FROM d2d_visit GROUP BY result")
snapshot["visits_by_result"] = dict(env.cr.fetchall())
env.cr.commit()
with open(os.environ["D2D_UPGRADE_SNAPSHOT"], "w") as out:
    json.dump(snapshot, out, indent=1, default=str)
steps = {}
for lead in snapshot["leads"]:
    key = lead["step"] if lead["active"] else "lost"
    steps[key] = steps.get(key, 0) + 1
print(  # noqa: T201
    "seeded the release database:",
    ", ".join(f"{len(ids)} {table}" for table, ids in snapshot["tables"].items()),
    "; leads by step:",
    steps,
)
