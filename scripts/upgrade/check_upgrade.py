"""Checks a database upgraded from the previous release against what the
release held before the upgrade (the JSON written by seed_release.py, named by
D2D_UPGRADE_SNAPSHOT): every row is still there, every record carries its
company, the values a migration converts were converted. Prints each check
and raises SystemExit(1) when one fails.

Run with `odoo-bin shell` on the NEW code (scripts/upgrade-test).
"""

# ruff: noqa: F821, T201  (env is given by odoo-bin shell; a script prints)
import json
import os
import re
from collections import Counter

snapshot = json.load(open(os.environ["D2D_UPGRADE_SNAPSHOT"]))
cr = env.cr
failures = []


def check(label, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {label}{f': {detail}' if detail and not ok else ''}")
    if not ok:
        failures.append(label)


def scalar(query, params=()):
    cr.execute(query, params)
    return cr.fetchone()[0]


def has_column(table, column):
    return bool(
        scalar(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
    )


print("every row of the release is still there:")
for table, ids in snapshot["tables"].items():
    cr.execute(f"SELECT id FROM {table} WHERE id = ANY(%s)", (ids,))  # noqa: S608 (names from our own list)
    kept = {row[0] for row in cr.fetchall()}
    check(f"{table}: {len(ids)} rows", kept == set(ids), f"{len(set(ids) - kept)} missing")

print("every record carries its company, the one of its territory:")
# table, the query that must find no row (a record without its company, or
# with another company than the record it derives from)
DERIVED = [
    ("d2d_territory", "SELECT id FROM d2d_territory WHERE company_id IS NULL"),
    (
        "d2d_house",
        """SELECT h.id FROM d2d_house h JOIN d2d_territory t ON t.id = h.territory_id
            WHERE h.company_id IS NULL OR h.company_id != t.company_id""",
    ),
    (
        "d2d_entrance",
        """SELECT e.id FROM d2d_entrance e JOIN d2d_house h ON h.id = e.house_id
            WHERE e.company_id IS NULL OR e.company_id != h.company_id""",
    ),
    (
        "d2d_apartment",
        """SELECT a.id FROM d2d_apartment a JOIN d2d_house h ON h.id = a.house_id
            WHERE a.company_id IS NULL OR a.company_id != h.company_id""",
    ),
    (
        "d2d_visit",
        """SELECT v.id FROM d2d_visit v JOIN d2d_apartment a ON a.id = v.apartment_id
            WHERE v.company_id IS NULL OR v.company_id != a.company_id""",
    ),
    (
        "crm_lead",
        """SELECT l.id FROM crm_lead l JOIN d2d_territory t ON t.id = l.d2d_territory_id
            WHERE l.company_id IS NULL OR l.company_id != t.company_id""",
    ),
    ("d2d_crew", "SELECT id FROM d2d_crew WHERE company_id IS NULL"),
    (
        "d2d_installation",
        """SELECT j.id FROM d2d_installation j JOIN d2d_crew c ON c.id = j.crew_id
            WHERE j.company_id IS NULL OR j.company_id != c.company_id""",
    ),
    ("d2d_call", "SELECT id FROM d2d_call WHERE company_id IS NULL"),
]
for table, query in DERIVED:
    if not has_column(table, "company_id") or not has_column("d2d_territory", "company_id"):
        check(f"{table}.company_id", False, "no such column")
        continue
    cr.execute(query + " LIMIT 5")
    wrong = [row[0] for row in cr.fetchall()]
    check(f"{table}.company_id", not wrong, f"wrong on ids {wrong}")

print("the leads kept their step, client, territory and apartment:")
cr.execute(
    """SELECT l.id, l.active, s.d2d_code, l.d2d_territory_id, l.partner_name, l.phone, l.d2d_apartment_id
         FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id WHERE l.id = ANY(%s)""",
    ([lead["id"] for lead in snapshot["leads"]],),
)
now = {row[0]: row[1:] for row in cr.fetchall()}
changed = [
    lead["id"]
    for lead in snapshot["leads"]
    if now.get(lead["id"])
    != (lead["active"], lead["step"], lead["territory"], lead["partner_name"], lead["phone"], lead["apartment"])
]
check(f"{len(snapshot['leads'])} leads unchanged", not changed, f"changed: {changed[:10]}")

print("the tariffs and the equipment of the leads:")
Lead = env["crm.lead"].with_context(active_test=False, lang="en_US")
if "d2d_tariff_id" not in Lead._fields or "d2d_equipment_line_ids" not in Lead._fields:
    # the tariff and equipment stay texts in this version: they must be intact
    cr.execute(
        "SELECT id, d2d_tariff, d2d_equipment FROM crm_lead WHERE id = ANY(%s)",
        ([lead["id"] for lead in snapshot["leads"]],),
    )
    texts = {row[0]: row[1:] for row in cr.fetchall()}
    changed = [lead["id"] for lead in snapshot["leads"] if texts.get(lead["id"]) != (lead["tariff"], lead["equipment"])]
    check("tariffs and equipment texts kept", not changed, f"changed on leads {changed[:10]}")
else:
    with_tariff = [lead for lead in snapshot["leads"] if lead["tariff"]]
    leads = Lead.browse([lead["id"] for lead in with_tariff])
    tariffs = {lead.id: lead.d2d_tariff_id.name for lead in leads}
    wrong = [lead["id"] for lead in with_tariff if tariffs.get(lead["id"]) != lead["tariff"]]
    check(f"{len(with_tariff)} tariffs converted", with_tariff and not wrong, f"wrong on leads {wrong[:10]}")
    with_equipment = [lead for lead in snapshot["leads"] if lead["equipment"]]
    leads = Lead.browse([lead["id"] for lead in with_equipment])
    lines = {
        lead.id: sorted((line.equipment_id.name, line.quantity) for line in lead.d2d_equipment_line_ids)
        for lead in leads
    }
    written = {
        lead["id"]: sorted(
            Counter(part.strip() for part in re.split(r"[,;\n]", lead["equipment"]) if part.strip()).items()
        )
        for lead in with_equipment
    }
    wrong = [lead["id"] for lead in with_equipment if lines.get(lead["id"]) != written[lead["id"]]]
    check(f"{len(with_equipment)} equipment texts converted", with_equipment and not wrong, f"wrong on leads {wrong}")
    check(
        "the texts' legacy columns are gone",
        not has_column("crm_lead", "openupgrade_legacy_18_0_d2d_tariff")
        and not has_column("crm_lead", "openupgrade_legacy_18_0_d2d_equipment"),
    )

print("the settings of the release, now every company's:")
settings = snapshot["settings"]
cr.execute("SELECT d2d_hide_closed_after_days, d2d_coordinator_id, d2d_callcenter_id FROM res_company")
check(
    "hide-after days, coordinator and operator on every company",
    set(cr.fetchall()) == {(settings["hide_days"], settings["coordinator"], settings["callcenter"])},
)
check(
    "the old system parameters are gone",
    not scalar(
        "SELECT count(*) FROM ir_config_parameter WHERE key IN %s",
        (
            tuple(
                f"door_to_door_crm.{key}"
                for key in ("hide_closed_after_days", "default_coordinator_id", "default_callcenter_id")
            ),
        ),
    ),
)

print("the visits kept their results:")
cr.execute("SELECT result, count(*) FROM d2d_visit GROUP BY result")
check("visits by result", dict(cr.fetchall()) == snapshot["visits_by_result"])

if failures:
    print(f"upgrade check failed: {len(failures)} check(s): {', '.join(failures)}")
    raise SystemExit(1)
print("upgrade check passed")
