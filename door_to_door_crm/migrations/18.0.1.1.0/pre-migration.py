"""18.0.1.1.0: several companies in one database.

Before the new models load, every record of the addon gets the company it
belongs to, so that the ORM finds the new `company_id` columns filled (and
neither computes a million related values one by one nor refuses a required
column): a territory belongs to the main company; what hangs from it (houses,
entrances, apartments, visits) to the territory's company; a door-to-door lead
to its territory's company; a job to its crew's company (a crew has had one
since 18.0.1.0.0, through its resource).

The client card's tariff and equipment, texts until now, are kept aside
under openupgrade's legacy column names: post-migration.py turns them into
the provider's tariffs and equipment lines once the new tables exist.

Set-based: each column is added with the main company as its value for
existing rows (`ADD COLUMN ... DEFAULT`, which PostgreSQL does without
rewriting the table), then one UPDATE per table corrects the rows whose
parent belongs to another company (none, coming from 18.0.1.0.0, whose
territories all take the main company; the statements keep the rule true
whatever the data).
"""

import logging
import time

from openupgradelib import openupgrade

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

# (model, table) carrying company_id from this version on, parents first.
COMPANY_TABLES = [
    ("d2d.territory", "d2d_territory"),
    ("d2d.house", "d2d_house"),
    ("d2d.entrance", "d2d_entrance"),
    ("d2d.apartment", "d2d_apartment"),
    ("d2d.visit", "d2d_visit"),
    ("d2d.installation", "d2d_installation"),
]

# Each derived company, as one UPDATE ... FROM its parent: only the rows that
# differ are written.
DERIVED_COMPANIES = [
    """UPDATE d2d_house h SET company_id = t.company_id FROM d2d_territory t
        WHERE t.id = h.territory_id AND h.company_id IS DISTINCT FROM t.company_id""",
    """UPDATE d2d_entrance e SET company_id = h.company_id FROM d2d_house h
        WHERE h.id = e.house_id AND e.company_id IS DISTINCT FROM h.company_id""",
    """UPDATE d2d_apartment a SET company_id = h.company_id FROM d2d_house h
        WHERE h.id = a.house_id AND a.company_id IS DISTINCT FROM h.company_id""",
    """UPDATE d2d_visit v SET company_id = a.company_id FROM d2d_apartment a
        WHERE a.id = v.apartment_id AND v.company_id IS DISTINCT FROM a.company_id""",
    """UPDATE crm_lead l SET company_id = t.company_id FROM d2d_territory t
        WHERE t.id = l.d2d_territory_id AND l.company_id IS DISTINCT FROM t.company_id""",
    # a crew's company is its resource's (resource.mixin), there since 18.0.1.0.0
    """UPDATE d2d_installation j SET company_id = c.company_id FROM d2d_crew c
        WHERE c.id = j.crew_id AND j.company_id IS DISTINCT FROM c.company_id""",
]


def main_company(cr):
    cr.execute("SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'main_company'")
    row = cr.fetchone()
    if row:
        return row[0]
    cr.execute("SELECT min(id) FROM res_company")
    return cr.fetchone()[0]


def fill_company_ids(env):
    """Add and fill company_id on every table of COMPANY_TABLES; returns the
    number of rows that got a company."""
    cr = env.cr
    company = main_company(cr)
    start = time.perf_counter()
    rows = 0
    for model, table in COMPANY_TABLES:
        if not openupgrade.table_exists(cr, table) or openupgrade.column_exists(cr, table, "company_id"):
            continue
        openupgrade.add_fields(env, [("company_id", model, table, "many2one", False, "door_to_door_crm", company)])
        cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (names from our own list)
        rows += cr.fetchone()[0]
    for query in DERIVED_COMPANIES:
        openupgrade.logged_query(cr, query)
    elapsed = time.perf_counter() - start
    _logger.info(
        "door_to_door_crm 18.0.1.1.0: company_id of %d rows filled in %.2f s (%.0f rows/s)",
        rows,
        elapsed,
        rows / elapsed if elapsed else 0,
    )
    return rows


# The client card's texts that become records (a tariff, equipment lines):
# kept under openupgrade's legacy names for post-migration.py to convert.
LEGACY_CARD_COLUMNS = [("d2d_tariff", None), ("d2d_equipment", None)]


# The view of the previous version that shows those texts: loaded after its
# parent view, it would fail the parent's validation (a field gone); it is
# dropped here and made again from this version's file.
CARD_VIEW = "door_to_door_crm.crm_lead_view_form_installation"


def keep_card_texts(env):
    cr = env.cr
    present = [(old, new) for old, new in LEGACY_CARD_COLUMNS if openupgrade.column_exists(cr, "crm_lead", old)]
    if present:
        openupgrade.rename_columns(cr, {"crm_lead": present})
        openupgrade.delete_records_safely_by_xml_id(env, [CARD_VIEW])


# Odoo 18 calls migrate(cr, version) and checks those names: openupgradelib's
# decorator (logging, skipped on a fresh install) gets the cursor, as it
# passes it with use_env=False.
@openupgrade.migrate(use_env=False)
def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    fill_company_ids(env)
    keep_card_texts(env)
