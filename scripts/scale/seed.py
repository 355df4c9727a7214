"""Data of the replica test (scripts/cluster-test), made with `odoo-bin shell`
on the cluster's database: a territory with a house, an agent with a
password, a manager, a call-centre user with an API key, a lead whose phone
is unique to this run. Prints one JSON line with what the test needs.
Re-running it makes a new set (logins carry a run number)."""

# ruff: noqa: F821, T201  (env is given by odoo-bin shell; a script prints)
import json
import random
from datetime import timedelta

from odoo import fields

run = random.randrange(10**6)
env = env(context=dict(env.context, tracking_disable=True))


def user(role, login):
    groups = [env.ref(f"door_to_door_crm.group_d2d_{role}").id, env.ref("base.group_user").id]
    return env["res.users"].create({"name": login, "login": login, "password": login, "groups_id": [(6, 0, groups)]})


agent = user("agent", f"replica_agent_{run}")
manager = user("manager", f"replica_manager_{run}")
operator = user("callcenter", f"replica_operator_{run}")
territory = env["d2d.territory"].create({"name": f"Replica {run}", "code": f"R{run}", "agent_ids": [(6, 0, agent.ids)]})
house = env["d2d.house"].create(
    {"street": f"Replica street {run}", "house_number": "1", "territory_id": territory.id, "floor_count": 5}
)
phone = f"+7916{run:07d}"
visit = env["d2d.visit"].create(
    {
        "apartment_id": house.apartment_ids[0].id,
        "agent_id": agent.id,
        "result": "lead",
        "contact_name": f"Replica client {run}",
        "phone": phone,
        "visit_date": fields.Datetime.now() - timedelta(minutes=30),
    }
)
key = (
    env["res.users.apikeys"]
    .with_user(operator)
    .sudo()
    ._generate(None, "Replica test", fields.Datetime.now() + timedelta(days=1))
)
env.cr.commit()
print(
    json.dumps(
        {
            "agent": agent.login,
            "manager": manager.login,
            "operator": operator.login,
            "key": key,
            "phone": phone,
            "apartments": house.apartment_ids.ids,
            "lead": visit.lead_id.id,
        }
    )
)
