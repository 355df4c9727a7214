"""The upgrade to 18.0.1.1.0 on a city: the pre-migration that gives every
record its company (``migrations/18.0.1.1.0/pre-migration.py``,
``fill_company_ids``) beside the plain way of doing it in SQL (add the column,
then one ``UPDATE ... FROM`` its parent per table).

Sets up a city of ``--houses`` houses of 75 apartments (the ORM) and
``--visits`` visits (one SQL INSERT), then puts the tables back as 18.0.1.0.0
had them (no ``company_id`` column on the addon's tables) and measures, in
rounds, each side filling the same rows; prints rows per second of each and
their ratio. Target: at least 100,000 rows/s for the migration.

Everything runs in one transaction rolled back at the end (each side in a
savepoint of its own): the bench database stays empty.

    bench/run migration [--rounds 3] [--houses 2000] [--visits 1000000]
"""

import importlib.util
import logging
from pathlib import Path

from benchlib import median, parse_args, rolled_back_env, savepoint, timed

MIGRATION = Path(__file__).resolve().parent.parent / "door_to_door_crm/migrations/18.0.1.1.0/pre-migration.py"
LAYOUT = {"entrance_count": 3, "floor_count": 5, "apartments_per_floor": 5}
TERRITORIES = 20


def load_migration():
    spec = importlib.util.spec_from_file_location("d2d_pre_migration_18_0_1_1_0", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup(env, houses, visits):
    agents = env["res.users"].create(
        [
            {
                "name": f"Migration agent {t}",
                "login": f"bench.migration.agent.{t}",
                "groups_id": [(6, 0, env.ref("door_to_door_crm.group_d2d_agent").ids)],
            }
            for t in range(TERRITORIES)
        ]
    )
    territories = env["d2d.territory"].create(
        [
            {"name": f"Migration territory {t}", "code": f"MT{t}", "agent_ids": [(6, 0, agents[t].ids)]}
            for t in range(TERRITORIES)
        ]
    )
    env["d2d.house"].create(
        [
            {"street": f"Migration street {i // 20}", "house_number": str(i % 20 + 1)}
            | {"territory_id": territories[i % TERRITORIES].id, "agent_id": agents[i % TERRITORIES].id}
            | LAYOUT
            for i in range(houses)
        ]
    )
    env.flush_all()
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_apartments ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY a.id) AS n, a.id, a.house_id, h.territory_id, h.agent_id
          FROM d2d_apartment a JOIN d2d_house h ON h.id = a.house_id WHERE h.territory_id = ANY(%(territories)s);
        CREATE UNIQUE INDEX ON bench_apartments (n);
        ANALYZE bench_apartments;
        """,
        {"territories": territories.ids},
    )
    env.cr.execute("SELECT count(*) FROM bench_apartments")
    (apartments,) = env.cr.fetchone()
    env.cr.execute(
        """
        INSERT INTO d2d_visit (uuid, apartment_id, house_id, territory_id, agent_id, visit_date, result,
                               company_id, device_id, create_uid, write_uid, create_date, write_date)
             SELECT md5(random()::text || s), a.id, a.house_id, a.territory_id, a.agent_id,
                    now() AT TIME ZONE 'UTC' - (s %% 2592000) * interval '1 second', 'closed',
                    %(company)s, 'bench', 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
               FROM generate_series(1, %(visits)s) AS s
               JOIN bench_apartments a ON a.n = 1 + (hashint4(s) & 2147483647) %% %(apartments)s
        """,
        {"visits": visits, "apartments": apartments, "company": env.company.id},
    )
    env.cr.execute("ANALYZE d2d_visit; ANALYZE d2d_apartment; ANALYZE d2d_house")
    print(f"setup: {houses:,} houses, {apartments:,} apartments, {visits:,} visits")  # noqa: T201


def as_release_18_0_1_0_0(env, tables):
    """The addon's tables without their company_id column, as before the upgrade."""
    for _model, table in tables:
        env.cr.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS company_id CASCADE")  # noqa: S608
    env.cr.execute(
        "DELETE FROM ir_model_fields WHERE name = 'company_id' AND model = ANY(%s)", ([m for m, _t in tables],)
    )


def plain_sql(env, tables, company):
    """The baseline: add the column, give territories the company,
    then copy each parent's company down with one UPDATE ... FROM per table."""
    rows = 0
    for _model, table in tables:
        env.cr.execute(f"ALTER TABLE {table} ADD COLUMN company_id integer")  # noqa: S608
    env.cr.execute("UPDATE d2d_territory SET company_id = %s", (company,))
    rows += env.cr.rowcount
    for child, parent, key in (
        ("d2d_house", "d2d_territory", "territory_id"),
        ("d2d_entrance", "d2d_house", "house_id"),
        ("d2d_apartment", "d2d_house", "house_id"),
        ("d2d_visit", "d2d_apartment", "apartment_id"),
        ("d2d_installation", "d2d_crew", "crew_id"),
    ):
        env.cr.execute(
            f"UPDATE {child} c SET company_id = p.company_id FROM {parent} p WHERE p.id = c.{key}"  # noqa: S608
        )
        rows += env.cr.rowcount
    return rows


def main():
    args = parse_args(
        __doc__,
        houses={"type": int, "default": 2000},
        visits={"type": int, "default": 1_000_000},
    )
    logging.getLogger("openupgradelib").setLevel(logging.ERROR)
    migration = load_migration()
    with rolled_back_env(args.database) as env:
        setup(env, args.houses, args.visits)
        as_release_18_0_1_0_0(env, migration.COMPANY_TABLES)
        company = migration.main_company(env.cr)
        times, baseline_times, ratios = [], [], []
        for _round in range(args.rounds):
            with savepoint(env):
                seconds, rows = timed(migration.fill_company_ids, env)
            with savepoint(env):
                base_seconds, base_rows = timed(plain_sql, env, migration.COMPANY_TABLES, company)
            times.append(rows / seconds)
            baseline_times.append(base_rows / base_seconds)
            ratios.append(base_seconds / seconds)
        print(  # noqa: T201
            f"company_id of {rows:,} rows: migration {median(times):,.0f} rows/s (target >= 100,000), "
            f"plain UPDATE ... FROM {median(baseline_times):,.0f} rows/s ({base_rows:,} rows): "
            f"the migration is {median(ratios):.1f}x faster"
        )


if __name__ == "__main__":
    main()
