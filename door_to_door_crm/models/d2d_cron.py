"""The batches of the addon's crons.

Odoo's cron runner commits after each call of a cron's code and calls it
again at once while the code reports work remaining (`ir.cron._notify_progress`).
A cron of the addon therefore handles one short batch per call, and never
waits for a row a request holds: it skips it, and a later run takes it.
"""

from odoo.tools import SQL

# Records a cron handles in one transaction: short transactions, so that a
# request never waits long on a row a cron holds.
CRON_BATCH_SIZE = 200


def locked_batch(model, candidates, batch_size, fnames=None):
    """The first `batch_size` records (all of them with None) of the SQL
    query `candidates` (ids of `model`), locked for this transaction; those a
    request is changing at this moment are skipped, never waited for. The
    lock is the one an UPDATE of non-key columns takes (FOR NO KEY UPDATE):
    a request inserting rows that refer to these (a visit of a lead) is not
    blocked by it. Tells the cron runner how many remain."""
    model.flush_model(fnames)
    model.env.cr.execute(
        SQL(
            """SELECT id FROM %(table)s WHERE id IN (%(candidates)s)
                ORDER BY id LIMIT %(limit)s FOR NO KEY UPDATE SKIP LOCKED""",
            table=SQL.identifier(model._table),
            candidates=candidates,
            limit=batch_size,
        )
    )
    records = model.browse(row[0] for row in model.env.cr.fetchall())
    model.env.cr.execute(SQL("SELECT count(*) FROM (%s) c", candidates))
    model.env["ir.cron"]._notify_progress(done=len(records), remaining=model.env.cr.fetchone()[0] - len(records))
    return records
