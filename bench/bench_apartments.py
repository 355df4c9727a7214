"""Generating apartments from house layouts, against plain SQL.

Creates 2,000 houses whose layouts hold 150,000 apartments in all, through the
ORM (the way the office does it: houses with a layout, entrances and
apartments generated in one batch), and measures the rate in apartments per
second beside the rate of one SQL ``INSERT ... SELECT`` of as many rows into
the same table, on the same machine, in the same run. Everything is rolled
back. Target: ORM >= 8,000 apartments/s.

    bench/run apartments [--houses 2000] [--rounds 3]
"""

from benchlib import median, parse_args, rolled_back_env, savepoint, timed

# (entrances, floors, apartments per floor): 60 and 90 apartments, 75 on average
LAYOUTS = [(2, 5, 6), (3, 5, 6)]


def house_values(territory, count, prefix):
    return [
        {
            "street": f"{prefix} street {index // 50}",
            "house_number": str(index),
            "territory_id": territory.id,
            "entrance_count": LAYOUTS[index % 2][0],
            "floor_count": LAYOUTS[index % 2][1],
            "apartments_per_floor": LAYOUTS[index % 2][2],
        }
        for index in range(count)
    ]


def orm_generation(env, territory, houses):
    houses = env["d2d.house"].create(house_values(territory, houses, "ORM"))
    env.flush_all()
    return houses


def sql_insert(env, territory, houses):
    """Houses and entrances are made beforehand (not timed); the timed part
    inserts the apartments of every entrance with one INSERT ... SELECT."""
    env.cr.execute(
        """
        INSERT INTO d2d_house (street, house_number, name, territory_id, layout_type, entrance_count,
                               floor_count, first_floor, apartments_per_floor, first_apartment_number, active)
             SELECT 'SQL street', n::text, 'SQL street, ' || n, %s, 'custom', 0, 5, 1, 6, 1, true
               FROM generate_series(0, %s - 1) n
          RETURNING id
        """,
        [territory.id, houses],
    )
    house_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(
        """
        INSERT INTO d2d_entrance
                    (house_id, number, floor_count, first_floor, first_number, last_number, apartment_count)
             SELECT h.id, e.n, 5, 1, (e.n - 1) * 30 + 1, e.n * 30, 0
               FROM unnest(%s::int[]) WITH ORDINALITY AS h(id, i)
               JOIN LATERAL generate_series(1, CASE WHEN h.i %% 2 = 0 THEN 3 ELSE 2 END) AS e(n) ON true
        """,
        [house_ids],
    )

    def insert():
        env.cr.execute(
            """
            INSERT INTO d2d_apartment (house_id, entrance_id, floor, number, status,
                                       create_uid, write_uid, create_date, write_date)
                 SELECT e.house_id, e.id, 1 + (a.n - e.first_number) / 6, a.n, 'none',
                        1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
                   FROM d2d_entrance e
                   JOIN LATERAL generate_series(e.first_number, e.last_number) AS a(n) ON true
                  WHERE e.house_id = ANY(%s)
            """,
            [house_ids],
        )
        return env.cr.rowcount

    return insert


def main():
    args = parse_args(__doc__, houses={"type": int, "default": 2000})
    with rolled_back_env(args.database, context={"tracking_disable": True}) as env:
        territory = env["d2d.territory"].create({"name": "Bench territory"})
        expected = sum(e * f * p for e, f, p in (LAYOUTS[i % 2] for i in range(args.houses)))
        orm_times, sql_times = [], []
        for _round in range(args.rounds):
            with savepoint(env):
                seconds, rows = timed(sql_insert(env, territory, args.houses))
                sql_times.append(seconds)
                assert rows == expected, (rows, expected)
            with savepoint(env):
                seconds, houses = timed(orm_generation, env, territory, args.houses)
                orm_times.append(seconds)
                count = env["d2d.apartment"].search_count([("house_id", "in", houses.ids)])
                assert count == expected, (count, expected)
        orm_rate = expected / median(orm_times)
        sql_rate = expected / median(sql_times)
        print(f"apartments generated per run: {expected:,} in {args.houses:,} houses (median of {args.rounds} rounds)")
        print(f"ORM layout generation : {orm_rate:10,.0f} apartments/s  ({median(orm_times):.2f} s)")
        print(f"SQL INSERT ... SELECT : {sql_rate:10,.0f} apartments/s  ({median(sql_times):.2f} s)")
        print(f"ratio ORM/SQL         : {orm_rate / sql_rate:.3f}")
        print(f"target >= 8,000/s     : {'met' if orm_rate >= 8000 else 'NOT met'}")


if __name__ == "__main__":
    main()
