"""Prints the addon's schema as the database holds it: one line per field the
addon defines (model, field, type, relation, required, stored), sorted.

Run with `odoo-bin shell` (scripts/upgrade-test): the upgrade test compares
the schema of the previous release with the new one (a change needs a new
version) and with the schema recorded for the manifest's version in
scripts/upgrade/schema-<version>.txt.
"""

# ruff: noqa: F821  (env is given by odoo-bin shell)
import os

env.cr.execute(
    """SELECT f.model, f.name, f.ttype, coalesce(f.relation, ''), f.required, f.store
         FROM ir_model_fields f
         JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
        WHERE d.module = 'door_to_door_crm'
        ORDER BY f.model, f.name"""
)
lines = [
    f"{model} {name} {ttype} {relation or '-'}{' required' if required else ''}{' stored' if store else ''}"
    for model, name, ttype, relation, required, store in env.cr.fetchall()
]
with open(os.environ["D2D_SCHEMA_OUT"], "w") as out:
    out.write("\n".join(lines) + "\n")
