"""Data of the load test (bench/run load), made with `odoo-bin shell` on the
cluster's database: AGENTS agents in territories of 10, each with a house of
their own, supervisors over two territories each, coordinators each with a
crew and leads waiting in coordination, call-centre operators with API keys.
Prints one JSON line with what the load test needs. A run number in every
login lets it run again on the same database."""

# ruff: noqa: F821, T201  (env is given by odoo-bin shell; a script prints)
import json
import os
import random
from datetime import timedelta

from odoo import fields

AGENTS = int(os.environ.get("D2D_LOAD_AGENTS", 200))
SUPERVISORS = int(os.environ.get("D2D_LOAD_SUPERVISORS", 10))
COORDINATORS = int(os.environ.get("D2D_LOAD_COORDINATORS", 5))
OPERATORS = int(os.environ.get("D2D_LOAD_OPERATORS", 5))
LEADS_PER_COORDINATOR = 8
run = random.randrange(10**6)
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
base = env.ref("base.group_user").id


def users(role, count):
    group = env.ref(f"door_to_door_crm.group_d2d_{role}").id
    return env["res.users"].create(
        [
            {"name": f"Load {role} {i}", "login": f"load_{role}_{run}_{i}", "password": f"load_{role}_{run}_{i}"}
            | {"groups_id": [(6, 0, [group, base])]}
            for i in range(count)
        ]
    )


agents = users("agent", AGENTS)
supervisors = users("supervisor", SUPERVISORS)
coordinators = users("coordinator", COORDINATORS)
operators = users("callcenter", OPERATORS)
installers = users("installer", COORDINATORS)
territories = env["d2d.territory"].create(
    [
        {
            "name": f"Load {run} territory {t}",
            "code": f"L{run}T{t}",
            "supervisor_id": supervisors[(t // 2) % SUPERVISORS].id,
            "agent_ids": [(6, 0, agents[t * 10 : (t + 1) * 10].ids)],
        }
        for t in range((AGENTS + 9) // 10)
    ]
)
houses = env["d2d.house"].create(
    [
        {
            "street": f"Load {run} street {i // 10}",
            "house_number": str(i % 10 + 1),
            "territory_id": territories[i // 10].id,
            "agent_id": agent.id,
            "entrance_count": 2,
            "floor_count": 5,
            "apartments_per_floor": 5,
        }
        for i, agent in enumerate(agents)
    ]
)
calendar = env["resource.calendar"].create(
    {
        "name": f"Load {run} crews",
        "tz": "UTC",
        "attendance_ids": [(5, 0, 0)]
        + [
            (0, 0, {"name": f"{d}", "dayofweek": str(d), "day_period": "morning", "hour_from": 6, "hour_to": 18})
            for d in range(7)
        ],
    }
)
crews = env["d2d.crew"].create(
    [
        {
            "name": f"Load {run} crew {i}",
            "leader_id": installer.id,
            "member_ids": [(6, 0, installer.ids)],
            "resource_calendar_id": calendar.id,
            "daily_capacity": 4,
        }
        for i, installer in enumerate(installers)
    ]
)
# leads waiting in coordination, their cards complete
lead_visits = env["d2d.visit"].create(
    [
        {
            # one lead per apartment: the last apartments of the houses, in turn
            "apartment_id": houses[i % len(houses)].apartment_ids[-1 - i // len(houses)].id,
            "agent_id": houses[i % len(houses)].agent_id.id,
            "result": "lead",
            "contact_name": f"Load client {i}",
            "phone": f"+7925{run % 1000:03d}{i:04d}",
            "visit_date": fields.Datetime.now() - timedelta(days=1),
        }
        for i in range(COORDINATORS * LEADS_PER_COORDINATOR)
    ]
)
leads = lead_visits.lead_id
leads.action_d2d_submit()
leads.action_d2d_send_to_coordination()
card = {"d2d_passport": "4510 123456", "d2d_passport_issued": "MVD, 2015-06-01"}
if "d2d_tariff_id" in leads._fields:
    card["d2d_tariff_id"] = env["d2d.tariff"].create({"name": f"Load {run} tariff"}).id
else:
    card["d2d_tariff"] = "Home 500"
leads.write(card)
keys = [
    env["res.users.apikeys"]
    .with_user(operator)
    .sudo()
    ._generate(None, "Load", fields.Datetime.now() + timedelta(days=1))
    for operator in operators
]
env.cr.commit()
print(
    json.dumps(
        {
            "run": run,
            "agents": [
                {"login": agent.login, "apartments": house.apartment_ids.ids}
                for agent, house in zip(agents, houses, strict=True)
            ],
            "supervisors": supervisors.mapped("login"),
            "coordinators": [
                {
                    "login": coordinator.login,
                    "crew": crew.id,
                    "leads": leads[i * LEADS_PER_COORDINATOR : (i + 1) * LEADS_PER_COORDINATOR].ids,
                }
                for i, (coordinator, crew) in enumerate(zip(coordinators, crews, strict=True))
            ],
            "operators": keys,
            "phones": [visit.phone for visit in lead_visits],
            "territories": territories.ids,
        }
    )
)
