"""18.0.1.1.0: the door-to-door settings of each company, and the client
card's tariff and equipment as records.

Up to 18.0.1.0.0 the coordinator on duty, the quality-call operator and the
number of days after which closed leads are hidden were system parameters,
one for the whole database. From this version they belong to each company
(fields of `res.company`): every company takes the values the database had,
so that nothing changes on the day of the upgrade, and the parameters go.

The tariff and the equipment of a lead were free texts; they become a tariff
of the provider (one per distinct text and company) and equipment lines (one
per distinct item of the comma-separated text, its quantity the number of
times it was written), in set-based SQL. The legacy columns are dropped.
"""

import logging

from openupgradelib import openupgrade
from psycopg2 import sql

_logger = logging.getLogger(__name__)

# system parameter -> column of res_company
MOVED_PARAMETERS = {
    "door_to_door_crm.hide_closed_after_days": "d2d_hide_closed_after_days",
    "door_to_door_crm.default_coordinator_id": "d2d_coordinator_id",
    "door_to_door_crm.default_callcenter_id": "d2d_callcenter_id",
}


def move_parameters_to_companies(cr):
    for key, column in MOVED_PARAMETERS.items():
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
        row = cr.fetchone()
        value = int(row[0]) if row and (row[0] or "").strip().isdigit() else None
        if value is not None and column != "d2d_hide_closed_after_days":
            cr.execute("SELECT 1 FROM res_users WHERE id = %s", [value])
            if not cr.fetchone():
                value = None  # a user deleted meanwhile is not kept
        if value is not None:
            query = sql.SQL("UPDATE res_company SET {} = %s").format(sql.Identifier(column))
            openupgrade.logged_query(cr, query, [value])
        cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", [key])
    _logger.info("door-to-door settings moved from system parameters to every company")


# The audit columns of the rows the conversion inserts.
AUDIT = "1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'"


def convert_card_texts(cr):
    tariff, equipment = openupgrade.get_legacy_name("d2d_tariff"), openupgrade.get_legacy_name("d2d_equipment")
    if openupgrade.column_exists(cr, "crm_lead", tariff):
        convert_tariffs(cr, sql.Identifier(tariff))
    if openupgrade.column_exists(cr, "crm_lead", equipment):
        convert_equipment(cr, sql.Identifier(equipment))


def convert_tariffs(cr, legacy):
    queries = [
        f"""INSERT INTO d2d_tariff (name, sequence, active, company_id, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT btrim({{legacy}}), 10, true, company_id, {AUDIT}
              FROM crm_lead WHERE btrim(COALESCE({{legacy}}, '')) <> ''
            ON CONFLICT DO NOTHING""",
        """UPDATE crm_lead l SET d2d_tariff_id = t.id FROM d2d_tariff t
            WHERE t.name = btrim(l.{legacy}) AND t.company_id IS NOT DISTINCT FROM l.company_id""",
        "ALTER TABLE crm_lead DROP COLUMN {legacy}",
    ]
    for query in queries:
        openupgrade.logged_query(cr, sql.SQL(query).format(legacy=legacy))


def convert_equipment(cr, legacy):
    items = """SELECT l.id AS lead_id, l.company_id, btrim(item.name) AS name, item.position
                 FROM crm_lead l,
                      regexp_split_to_table(l.{legacy}, '[,;\n]') WITH ORDINALITY AS item(name, position)
                WHERE btrim(item.name) <> ''"""
    queries = [
        f"""INSERT INTO d2d_equipment (name, sequence, active, company_id,
                                       create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT name, 10, true, company_id, {AUDIT} FROM ({items}) i
            ON CONFLICT DO NOTHING""",
        f"""INSERT INTO d2d_equipment_line (lead_id, company_id, sequence, equipment_id, quantity,
                                            create_uid, create_date, write_uid, write_date)
            SELECT i.lead_id, i.company_id, min(i.position), e.id, count(*), {AUDIT}
              FROM ({items}) i
              JOIN d2d_equipment e ON e.name = i.name AND e.company_id IS NOT DISTINCT FROM i.company_id
             GROUP BY i.lead_id, i.company_id, e.id""",
        "ALTER TABLE crm_lead DROP COLUMN {legacy}",
    ]
    for query in queries:
        openupgrade.logged_query(cr, sql.SQL(query).format(legacy=legacy))


@openupgrade.migrate(use_env=False)
def migrate(cr, version):
    move_parameters_to_companies(cr)
    convert_card_texts(cr)
