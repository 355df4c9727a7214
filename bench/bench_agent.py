"""The offline agent app's two routes, against plain SQL and against XML-RPC.

Sets up an agent whose territory holds 50 houses of 100 apartments (5,000 in
all) with a month of visits (notes, leads), then measures, side by side:

(a) the snapshot of the territory: the route ``/d2d/agent/snapshot`` over real
    HTTP and ``d2d.agent.sync._snapshot_json`` in process, beside its one SQL
    ``json_agg`` query run alone (the data asserted equal); the size of the
    answer gzipped. Targets: at most 1.5x the SQL, at most 50 KB gzipped.
(b) a sync of 200 new visit events (the tablet's token sent along):
    ``d2d.agent.sync._sync_json`` in process beside one ``INSERT ... ON
    CONFLICT DO NOTHING`` of the same rows, both rolled back (target: at most
    2x); the route ``/d2d/agent/sync`` over HTTP beside the same INSERT
    committed (the same target, HTTP included) and beside 200 separate
    XML-RPC ``create`` calls (target: at least 40x faster); the same batch
    sent again (target: under 10 ms, where the issue's INSERT took 15 ms:
    judged both as it is and as a ratio, at most 10/15 of the INSERT), in
    process and over HTTP.

Also printed: the time of an empty JSON-RPC call, the floor of any route
on this machine (Odoo's handling of a request, its HTTP server, the client),
and the HTTP figures without it, measured in the same round.

The routes and XML-RPC need a running Odoo server and committed data: they
run against a scratch copy of the bench database (``<db>_agent_scratch``,
made from it as a template and dropped at the end, also after an error or
Ctrl-C; a copy left by a killed run is dropped by the next one), served by
an ``odoo-bin`` of its own on a free port. The bench database itself is never
written. In-process measurements are rolled back.

    bench/run agent [--rounds 5] [--houses 50] [--events 200]
"""

import contextlib
import gzip
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
import xmlrpc.client
from datetime import timedelta
from pathlib import Path

import requests
from benchlib import median, parse_args, rolled_back_env, timed

import odoo
from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import SQL

AGENT_LOGIN = "bench.agent"
AGENT_PASSWORD = "bench-agent-password"
# 4 entrances x 5 floors x 5 apartments: 100 apartments a house
LAYOUT = {"entrance_count": 4, "floor_count": 5, "apartments_per_floor": 5}
# results of plain knocks (a "lead" opens a crm.lead, which the SQL baseline does not)
KNOCKS = ["closed"] * 40 + ["refusal"] * 18 + ["competitor"] * 16 + ["pensioner"] * 8 + ["client"] * 10
GZIP_LEVEL = 6  # nginx and most proxies use 1 to 6
# The replay's target as a ratio: "under 10 ms" where the issue measured the
# INSERT of the same rows at 15 ms; the absolute 10 ms is printed beside it.
REPLAY_RATIO = 10 / 15
# Rounds run before those measured: each round knocks 200 other doors, so that
# the first ones read into memory the pages of the territory that later ones
# find there.
WARMUP = 3

BASELINE_INSERT_SQL = """
    INSERT INTO d2d_visit (uuid, apartment_id, house_id, territory_id, agent_id, visit_date, result,
                           competitor_id, device_id, note, create_uid, write_uid, create_date, write_date)
         SELECT e.uuid, e.apartment_id, a.house_id, h.territory_id, %(uid)s,
                to_timestamp(e.time / 1000.0) at time zone 'UTC', e.result, e.competitor_id, %(device)s, e.note,
                %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
           FROM json_to_recordset(%(events)s) AS e(uuid varchar, apartment_id int, result varchar,
                                                  competitor_id int, time bigint, note text)
           JOIN d2d_apartment a ON a.id = e.apartment_id
           JOIN d2d_house h ON h.id = a.house_id
    ON CONFLICT (uuid) DO NOTHING
"""


# ----------------------------------------------------------------------
# The scratch database and its server
# ----------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(database):
    """A copy of `database`, dropped at the end whatever happens."""
    name = f"{database}_agent_scratch"
    drop_database(name)  # left by a killed run
    db_service.exp_duplicate_database(database, name)
    try:
        yield name
    finally:
        drop_database(name)
    assert name not in list_databases(), f"the scratch database {name} is still there"


def drop_database(name):
    """As odoo.service.db.exp_drop, which only sees the databases of -d."""
    Registry.delete(name)
    sql_db.close_db(name)
    with contextlib.closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
    shutil.rmtree(odoo.tools.config.filestore(name), ignore_errors=True)


def list_databases():
    with contextlib.closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cr.fetchall()}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def odoo_server(config, database):
    """odoo-bin serving `database` alone on a free port, stopped at the end."""
    port = free_port()
    odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
    command = [
        sys.executable,
        str(odoo_bin),
        "-c",
        config,
        "-d",
        database,
        "--db-filter",
        f"^{database}$",
        "--http-port",
        str(port),
        "--http-interface",
        "127.0.0.1",
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
        "--no-database-list",
    ]
    log = open(Path(config).parent / "bench-agent-server.log", "w")  # noqa: SIM115 -- closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
    url = f"http://127.0.0.1:{port}"
    try:
        for _i in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"the Odoo server stopped at start (see {log.name})")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{url}/web/login", timeout=30).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the Odoo server did not answer in 60 s (see {log.name})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class JsonRpc:
    """A signed-in tablet: one HTTP session, JSON-RPC calls to the routes."""

    def __init__(self, url, database, login, password):
        self.url = url
        self.http = requests.Session()
        self.call("/web/session/authenticate", {"db": database, "login": login, "password": password})

    def call(self, path, params):
        """(seconds, body, result): the time is the request's round trip, the
        request already encoded and the answer as it came on the wire, not
        yet decompressed nor decoded (the client's own work is not the
        server's). The size of what came on the wire is kept in self.wire."""
        data = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        start = time.perf_counter()
        response = self.http.post(
            f"{self.url}{path}", data=data, headers={"Content-Type": "application/json"}, timeout=120, stream=True
        )
        raw = response.raw.read(decode_content=False)
        seconds = time.perf_counter() - start
        response.raise_for_status()
        self.wire = len(raw)
        body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        answer = json.loads(body)
        if "error" in answer:
            raise RuntimeError(f"{path}: {answer['error']['data']['message']}")
        return seconds, body, answer["result"]


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def setup(env, houses):
    """The agent, a territory of `houses` houses of 100 apartments, a month
    of visits by the agent (leads included) and a note on one door in 20."""
    agent = env["res.users"].create(
        {
            "name": "Bench agent",
            "login": AGENT_LOGIN,
            "password": AGENT_PASSWORD,
            "groups_id": [(6, 0, env.ref("door_to_door_crm.group_d2d_agent").ids)],
        }
    )
    env["d2d.competitor"].create([{"name": f"Bench rival {i}"} for i in range(5)])
    territory = env["d2d.territory"].create(
        {"name": "Bench territory", "code": "BENCH", "agent_ids": [(6, 0, agent.ids)]}
    )
    house_records = env["d2d.house"].create(
        [
            {"street": f"Bench street {i // 10}", "house_number": str(i), "territory_id": territory.id, **LAYOUT}
            for i in range(houses)
        ]
    )
    env["d2d.entrance"].search([("house_id", "in", house_records.ids)]).write({"intercom_code": "K1234"})
    env["d2d.demo.generator"]._generate_visits(days=30, visits_per_agent_day=70)
    apartments = house_records.apartment_ids
    rnd = random.Random(5)
    for apartment in rnd.sample(list(apartments), len(apartments) // 20):
        apartment.note = rnd.choice(["Dog behind the door", "Call before", "Back after 18:00", "Ring twice"])
    env.flush_all()
    # a territory worked for a month, not one made a minute ago: nothing in it
    # falls within the margin that a sync sends again (CHANGES_MARGIN)
    age(env)
    return agent, apartments


def setup_city(env, houses, visits, rnd):
    """The rest of the city around the agent's territory, as the design sizes
    a district: other territories and agents, `houses` more houses of 75
    apartments (generated by the ORM, as in production) and `visits` visits
    over the last year in the log (one SQL INSERT, then every apartment moved
    to its latest visit), then ANALYZE: the agent's routes must stay fast with
    a whole city in the tables, not only with their own territory."""
    if houses <= 0:
        return
    agent_group = env.ref("door_to_door_crm.group_d2d_agent")
    agents = env["res.users"].create(
        [
            {"name": f"City agent {i}", "login": f"city.agent.{i}", "groups_id": [(6, 0, agent_group.ids)]}
            for i in range(20)
        ]
    )
    territories = env["d2d.territory"].create(
        [
            {"name": f"City territory {i}", "code": f"CITY{i}", "agent_ids": [(6, 0, agents[i::10].ids)]}
            for i in range(10)
        ]
    )
    env["d2d.house"].create(
        [
            {
                "street": f"City street {i // 12}",
                "house_number": str(i % 12 + 1),
                "territory_id": territories[i % 10].id,
                "entrance_count": 3,
                "floor_count": 5,
                "apartments_per_floor": 5,
            }
            for i in range(houses)
        ]
    )
    env.flush_all()
    env.cr.execute(
        "SELECT min(a.id), count(*) FROM d2d_apartment a JOIN d2d_house h ON h.id = a.house_id"
        " WHERE h.territory_id = ANY(%s)",
        [territories.ids],
    )
    first_id, count = env.cr.fetchone()
    env.cr.execute(
        """
        INSERT INTO d2d_visit (uuid, apartment_id, house_id, territory_id, agent_id, visit_date, result,
                               device_id, create_uid, write_uid, create_date, write_date)
             SELECT md5(random()::text || n), a.id, a.house_id, h.territory_id, (%(agents)s::int[])[1 + n %% 20],
                    v.at, (ARRAY['closed','closed','refusal','competitor','pensioner','client'])[1 + n %% 6],
                    'city', 1, 1, v.at, v.at
               FROM generate_series(1, %(visits)s) AS n
               JOIN LATERAL (SELECT %(first_id)s + (hashint4(n) & 2147483647) %% %(count)s AS apartment_id,
                                    (now() at time zone 'UTC') - interval '2 days'
                                    - (hashint4(n + 7) & 2147483647) %% (365 * 86400) * interval '1 second' AS at
                            ) v ON true
               JOIN d2d_apartment a ON a.id = v.apartment_id
               JOIN d2d_house h ON h.id = a.house_id
        """,
        {"agents": agents.ids, "visits": visits, "first_id": first_id, "count": count},
    )
    env.cr.execute(
        """
        UPDATE d2d_apartment a
           SET status = v.result, last_visit_date = v.visit_date, last_agent_id = v.agent_id
          FROM (SELECT DISTINCT ON (apartment_id) id, apartment_id, result, visit_date, agent_id
                  FROM d2d_visit WHERE device_id = 'city'
              ORDER BY apartment_id, visit_date DESC, id DESC) v
         WHERE a.id = v.apartment_id
        """
    )
    env.invalidate_all()


def vacuum_analyze(database):
    """VACUUM ANALYZE the tables the routes read, as autovacuum would after
    the city's million rows, but now: not in the middle of the measures."""
    with contextlib.closing(sql_db.db_connect(database).cursor()) as cr:
        cr._cnx.autocommit = True
        for table in ("d2d_house", "d2d_entrance", "d2d_apartment", "d2d_visit", "crm_lead", "d2d_territory_agent_rel"):
            cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def age(env):
    """Move what was written in the last hour one day back."""
    for table in ("d2d_house", "d2d_entrance", "d2d_apartment", "d2d_visit", "crm_lead"):
        env.cr.execute(
            f"""UPDATE {table} SET create_date = create_date - interval '1 day',
                                   write_date = write_date - interval '1 day'
                 WHERE write_date > (now() at time zone 'UTC') - interval '1 hour'"""
        )
    env.invalidate_all()


def new_events(apartments, competitors, count, rnd):
    now_ms = int(time.time() * 1000)
    events = []
    for apartment_id in rnd.sample(apartments, count):
        result = rnd.choice(KNOCKS)
        event = {
            "type": "visit",
            "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "apartment_id": apartment_id,
            "result": result,
            "time": now_ms - rnd.randint(60_000, 6 * 3_600_000),
            "note": rnd.choice([None, None, None, "Back on Saturday"]),
            "competitor_id": rnd.choice(competitors) if result == "competitor" else None,
        }
        events.append(event)
    return events


def xmlrpc_values(event, agent_id):
    visit_date = fields.Datetime.to_string(
        fields.Datetime.from_string("1970-01-01") + timedelta(milliseconds=event["time"])
    )
    values = {
        "uuid": event["uuid"],
        "apartment_id": event["apartment_id"],
        "result": event["result"],
        "visit_date": visit_date,
        "agent_id": agent_id,
        "device_id": "bench-xmlrpc",
    }
    if event["note"]:
        values["note"] = event["note"]
    if event["competitor_id"]:
        values["competitor_id"] = event["competitor_id"]
    return values


# ----------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------


def measure_snapshot(env, agent, tablet, rounds):
    """The baseline is the snapshot's json_agg query alone, run on the bench's
    cursor and fetched as text: the ratios are what the agent's checks, and
    then the HTTP round trip (session, JSON-RPC envelope), add to it."""
    Sync = env["d2d.agent.sync"].with_user(agent)
    baseline_sql = SQL("SELECT snapshot::text FROM (%s) AS query(snapshot)", Sync._snapshot_query())
    sql_times, orm_times, route_times = [], [], []
    for _round in range(WARMUP + rounds):
        seconds, text = timed(run_sql, env, baseline_sql)
        sql_times.append(seconds)
        env.invalidate_all()
        seconds, snapshot = timed(Sync._snapshot_json)
        snapshot = json.loads(snapshot)
        orm_times.append(seconds)
        seconds, body, served = tablet.call("/d2d/agent/snapshot", {})
        route_times.append(seconds)
        wire = tablet.wire
    baseline = json.loads(text)
    for key in ("houses", "entrances", "apartments", "visits", "agents", "leads", "competitors"):
        assert snapshot[key] == baseline[key] == served[key], f"the snapshot and the SQL baseline differ on {key}"
    return {
        "sql": measured(sql_times),
        "orm_ratio": paired_ratio(orm_times, sql_times),
        "route_ratio": paired_ratio(route_times, sql_times),
        "orm": measured(orm_times),
        "route": measured(route_times),
        "bytes": len(body),
        "wire": wire,
        "gzip": len(gzip.compress(body, GZIP_LEVEL)),
        "sql_gzip": len(gzip.compress(text.encode(), GZIP_LEVEL)),
        "counts": {
            "houses": len(baseline["houses"]),
            "apartments": len(baseline["apartments"]["id"]),
            "visits": len(baseline["visits"]["time"]),
            "leads": len(baseline["leads"]),
        },
        "token": snapshot["token"],
    }


def measure_web_lists(env, agent, rounds):
    """The agent's apartments and visits as the web client lists them (first
    80 and the count, under the record rules), beside the same lists for the
    superuser, who has no rule: the rules must not make an agent's lists
    slower than the whole city's."""
    spec = {"display_name": {}, "house_id": {"fields": {"display_name": {}}}}
    result = {}
    for model in ("d2d.apartment", "d2d.visit"):
        for who, user_env in (("agent", env(user=agent)), ("all", env)):
            times = []
            for _round in range(WARMUP + rounds):
                env.invalidate_all()
                seconds, answer = timed(user_env[model].web_search_read, [], spec, 0, 80)
                times.append(seconds)
            result[model, who] = (measured(times), answer["length"])
    return result


def paired_ratio(times, baseline_times):
    """The median of the ratios of each round after the warm-up: both sides
    measured within a round, a slow phase of the machine weighs on both."""
    return median([time_ / base for time_, base in zip(times[WARMUP:], baseline_times[WARMUP:], strict=True)])


def measured(times):
    """The median of the rounds after the warm-up."""
    return median(times[WARMUP:])


def run_sql(env, query):
    env.cr.execute(query)
    return env.cr.fetchone()[0]


def measure_sync_in_process(env, agent, token, apartments, competitors, count, rounds, rnd):
    """Each round stands for one request: the sync and the replay in one
    transaction, the INSERT of the same rows in another, both rolled back.
    The side that runs second finds in memory the pages of the rows the
    first one read (the index entries of their uuids, their apartments):
    the two sides take turns to run first.

    (Rounds run as savepoints of one long transaction would not stand for
    requests: the row versions that a rolled back round leaves in the pages
    stay there until the long transaction ends, and every later round pays
    for them: an UPDATE finds no room left in the page for its new row.)"""
    sync_times, replay_times, insert_times = [], [], []

    def sync(payload):
        with rolled_back_env(env.cr.dbname) as round_env:
            Sync = round_env["d2d.agent.sync"].with_user(agent.id)
            seconds, answer = timed(Sync._sync_json, payload)
            answer = json.loads(answer)
            assert len(answer["accepted"]) == count and not answer["rejected"], answer["rejected"][:3]
            sync_times.append(seconds)
            seconds, again = timed(Sync._sync_json, payload)
            assert sorted(json.loads(again)["accepted"]) == sorted(answer["accepted"])
            replay_times.append(seconds)

    def insert(payload):
        with rolled_back_env(env.cr.dbname) as round_env:
            params = {"uid": agent.id, "device": "bench", "events": json.dumps(payload["events"])}
            seconds, _none = timed(round_env.cr.execute, BASELINE_INSERT_SQL, params)
            assert round_env.cr.rowcount == count
            insert_times.append(seconds)

    for round_ in range(WARMUP + rounds):
        events = new_events(apartments, competitors, count, rnd)
        payload = {"uid": agent.id, "device_id": "bench", "token": token, "events": events}
        for side in (sync, insert) if round_ % 2 else (insert, sync):
            side(payload)
    return {
        "sync": measured(sync_times),
        "replay": measured(replay_times),
        "insert": measured(insert_times),
        "ratio": paired_ratio(sync_times, insert_times),
        "replay_ratio": paired_ratio(replay_times, insert_times),
    }


def measure_sync_over_http(env, tablet, url, database, agent, token, apartments, competitors, count, rounds, rnd):
    """The route commits what it writes: beside it, the INSERT committed too
    (as psql runs it, in autocommit), on the bench's cursor. Each round
    stands for a sync some minutes after the previous one: what the previous
    rounds wrote is aged past the margin within which a sync sends changes
    again (else every answer would carry the thousands of visits the bench
    writes in a minute, many times what a territory sees in ten)."""
    route_times, replay_times, xmlrpc_times, empty_times, committed_times = [], [], [], [], []
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(database, AGENT_LOGIN, AGENT_PASSWORD, {})
    assert uid == agent.id
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    for round_ in range(WARMUP + rounds):
        events = new_events(apartments, competitors, count, rnd)
        payload = {"uid": agent.id, "device_id": "bench", "token": token, "events": events}
        seconds, _body, answer = tablet.call("/d2d/agent/sync", payload)
        token = answer["token"]
        assert len(answer["accepted"]) == count and not answer["rejected"], answer["rejected"][:3]
        route_times.append(seconds)
        seconds, _body, again = tablet.call("/d2d/agent/sync", payload)
        assert sorted(again["accepted"]) == sorted(answer["accepted"])
        replay_times.append(seconds)
        seconds, _body, _answer = tablet.call("/web/webclient/version_info", {})
        empty_times.append(seconds)
        events = new_events(apartments, competitors, count, rnd)
        params = {"uid": agent.id, "device": "bench", "events": json.dumps(events)}
        start = time.perf_counter()
        env.cr.execute(BASELINE_INSERT_SQL, params)
        env.cr.commit()
        committed_times.append(time.perf_counter() - start)
        if round_ in (WARMUP - 1, WARMUP):  # 200 round trips are slow and steady: one round after a warm-up
            events = new_events(apartments, competitors, count, rnd)
            start = time.perf_counter()
            for event in events:
                models.execute_kw(database, uid, AGENT_PASSWORD, "d2d.visit", "create", [xmlrpc_values(event, uid)])
            xmlrpc_times.append(time.perf_counter() - start)
        age(env)
        env.cr.commit()
    # what a route adds to any request (Odoo's handling of a request, the
    # server, the client): the empty call's time, in the same round
    route_net = [route - empty for route, empty in zip(route_times, empty_times, strict=True)]
    replay_net = [replay - empty for replay, empty in zip(replay_times, empty_times, strict=True)]
    return {
        "route": measured(route_times),
        "ratio": paired_ratio(route_times, committed_times),
        "net_ratio": paired_ratio(route_net, committed_times),
        "replay": measured(replay_times),
        "replay_ratio": paired_ratio(replay_times, committed_times),
        "replay_net": measured(replay_net),
        "replay_net_ratio": paired_ratio(replay_net, committed_times),
        "xmlrpc": xmlrpc_times[1],
        "empty": measured(empty_times),
        "committed": measured(committed_times),
    }


def main():
    args = parse_args(
        __doc__,
        houses={"type": int, "default": 50, "help": "houses of 100 apartments in the agent's territory"},
        events={"type": int, "default": 200, "help": "visit events in a sync"},
        city_houses={"type": int, "default": 1950, "help": "houses of 75 apartments in the rest of the city"},
        city_visits={"type": int, "default": 1_000_000, "help": "visits in the log of the rest of the city"},
    )
    rnd = random.Random(11)
    with scratch_database(args.database) as scratch:
        registry = Registry(scratch)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
            agent, apartments = setup(env, args.houses)
            setup_city(env, args.city_houses, args.city_visits, rnd)
            age(env)
            cr.commit()
            vacuum_analyze(scratch)
            cr.execute(
                "SELECT (SELECT count(*) FROM d2d_house), (SELECT count(*) FROM d2d_apartment),"
                " (SELECT count(*) FROM d2d_visit)"
            )
            city = dict(zip(("houses", "apartments", "visits"), cr.fetchone(), strict=True))
            apartment_ids, agent_id = apartments.ids, agent.id
            competitor_ids = env["d2d.competitor"].search([]).ids
            cr.commit()
            with odoo_server(args.config, scratch) as url:
                env = api.Environment(cr, SUPERUSER_ID, {})
                agent = env["res.users"].browse(agent_id)
                tablet = JsonRpc(url, scratch, AGENT_LOGIN, AGENT_PASSWORD)
                snap = measure_snapshot(env, agent, tablet, args.rounds)
                cr.rollback()
                lists = measure_web_lists(env, agent, args.rounds)
                cr.rollback()
                token = snap["token"]
                sync = measure_sync_in_process(
                    env, agent, token, apartment_ids, competitor_ids, args.events, args.rounds, rnd
                )
                cr.rollback()
                http = measure_sync_over_http(
                    env,
                    tablet,
                    url,
                    scratch,
                    agent,
                    token,
                    apartment_ids,
                    competitor_ids,
                    args.events,
                    args.rounds,
                    rnd,
                )
            cr.rollback()
        registry = None

    counts = snap["counts"]
    ms = 1000
    print(
        f"City around the agent: {city['houses']:,} houses, {city['apartments']:,} apartments, "
        f"{city['visits']:,} visits in the log"
    )
    print(
        f"Agent with {counts['houses']} houses, {counts['apartments']:,} apartments, {counts['leads']} leads, "
        f"{counts['visits']:,} visits of history; "
        f"sync of {args.events} new visits (median of {args.rounds} rounds after {WARMUP} of warm-up)"
    )
    print("(a) snapshot")
    print(f"  SQL json_agg (baseline)        : {snap['sql'] * ms:8.1f} ms  {snap['sql_gzip'] / 1024:6.1f} KB gzipped")
    print(f"  _snapshot_json in process      : {snap['orm'] * ms:8.1f} ms  ratio {snap['orm_ratio']:.2f}x")
    print(
        f"  /d2d/agent/snapshot over HTTP  : {snap['route'] * ms:8.1f} ms  ratio {snap['route_ratio']:.2f}x"
        f"  {snap['bytes'] / 1024:.1f} KB of JSON, sent as {snap['wire'] / 1024:.1f} KB;"
        f" {snap['gzip'] / 1024:.1f} KB gzipped at level {GZIP_LEVEL}"
    )
    print(
        f"  target <= 1.5x the SQL         : {verdict(snap['route_ratio'] <= 1.5)} (route), "
        f"{verdict(snap['orm_ratio'] <= 1.5)} (in process)"
    )
    print(f"  target <= 50 KB gzipped        : {verdict(snap['gzip'] <= 50 * 1024)}")
    print(f"(b) sync of {args.events} new visit events")
    print(f"  INSERT ... ON CONFLICT (base)  : {sync['insert'] * ms:8.1f} ms")
    print(
        f"  _sync_json in process          : {sync['sync'] * ms:8.1f} ms  ratio {sync['ratio']:.2f}x"
        f"  target <= 2x: {verdict(sync['ratio'] <= 2)}"
    )
    print(f"  the INSERT, committed          : {http['committed'] * ms:8.1f} ms")
    print(
        f"  /d2d/agent/sync over HTTP      : {http['route'] * ms:8.1f} ms  "
        f"ratio {http['ratio']:.2f}x the committed INSERT  target <= 2x: {verdict(http['ratio'] <= 2)}"
    )
    print(
        f"    without an empty call's time : ratio {http['net_ratio']:.2f}x  "
        f"target <= 2x: {verdict(http['net_ratio'] <= 2)}"
    )
    print(
        f"  {args.events} XML-RPC creates over HTTP  : {http['xmlrpc'] * ms:8.1f} ms  "
        f"the route is {http['xmlrpc'] / http['route']:.0f}x faster  "
        f"target >= 40x: {verdict(http['xmlrpc'] / http['route'] >= 40)}"
    )
    print(
        f"  replay of the batch in process : {sync['replay'] * ms:8.1f} ms  "
        f"{sync['replay_ratio']:.2f}x the INSERT  target < 10 ms: {verdict(sync['replay'] < 0.010)}, "
        f"<= {REPLAY_RATIO:.2f}x: {verdict(sync['replay_ratio'] <= REPLAY_RATIO)}"
    )
    print(
        f"  replay of the batch over HTTP  : {http['replay'] * ms:8.1f} ms  "
        f"{http['replay_ratio']:.2f}x the committed INSERT  target < 10 ms: {verdict(http['replay'] < 0.010)}, "
        f"<= {REPLAY_RATIO:.2f}x: {verdict(http['replay_ratio'] <= REPLAY_RATIO)}"
    )
    print(
        f"    without an empty call's time : {http['replay_net'] * ms:8.1f} ms  "
        f"{http['replay_net_ratio']:.2f}x  target < 10 ms: {verdict(http['replay_net'] < 0.010)}, "
        f"<= {REPLAY_RATIO:.2f}x: {verdict(http['replay_net_ratio'] <= REPLAY_RATIO)}"
    )
    print(f"an empty JSON-RPC call over HTTP : {http['empty'] * ms:8.1f} ms (the floor of any route here)")
    print("(c) the web client's lists (first 80 and the count), the agent under the record rules")
    for model in ("d2d.apartment", "d2d.visit"):
        (mine, mine_count), (everything, all_count) = lists[model, "agent"], lists[model, "all"]
        print(
            f"  {model:14}: agent {mine * ms:6.1f} ms ({mine_count:,} rows)   "
            f"whole city {everything * ms:6.1f} ms ({all_count:,} rows)   ratio {mine / everything:.2f}x"
        )


def verdict(ok):
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
