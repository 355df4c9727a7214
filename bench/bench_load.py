"""The load test, against the cluster of scripts/cluster (PostgreSQL primary
and streaming replica, Odoo with workers reading on the replica).

AGENTS agents sync VISITS visits of "an hour" compressed into --seconds: each
agent sends its share in batches of 20 to 200 events, spread over the
period; some batches are sent again afterwards (a tablet that lost the
answer), some twice at the same moment (two tabs). Meanwhile SUPERVISORS
supervisors read the agents' statistics and the leaderboard, COORDINATORS
coordinators book crews for the leads waiting for them, and OPERATORS
call-centre operators look callers up (the PBX's route). Prints throughput,
p50/p95/p99 latency per kind of request and the errors (must be 0), then
verifies in SQL on the primary that every event was recorded exactly once
and every apartment shows its latest knock.

    bench/run load [--agents 200] [--visits 20000] [--seconds 180]
                   [--supervisors 10] [--coordinators 5] [--operators 5]

The same script with other numbers is the capacity test a provider runs on
its own hardware (see the README's sizing).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ["closed", "closed", "closed", "refusal", "pensioner", "client", "closed"]


class Recorder:
    """Latencies and errors per kind of request, from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(list)
        self.refused = defaultdict(int)

    def call(self, kind, func, *args):
        start = time.perf_counter()
        try:
            result = func(*args)
        except Exception as error:  # noqa: BLE001 (every failure is counted and shown)
            with self.lock:
                self.errors[kind].append(repr(error)[:300])
            return None
        with self.lock:
            self.latencies[kind].append(time.perf_counter() - start)
        return result

    def report(self, elapsed):
        total = sum(len(values) for values in self.latencies.values())
        print(f"\n{total:,} requests in {elapsed:.0f} s: {total / elapsed:.1f} requests/s")
        print(f"{'kind':<22}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for kind in sorted(set(self.latencies) | set(self.errors)):
            values = sorted(self.latencies[kind]) or [0]
            quantiles = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
            print(
                f"{kind:<22}{len(self.latencies[kind]):>8}{statistics.median(values) * 1000:>10.0f}"
                f"{quantiles[94] * 1000:>10.0f}{quantiles[98] * 1000:>10.0f}{len(self.errors[kind]):>8}"
            )
        for kind, errors in self.errors.items():
            for error in errors[:3]:
                print(f"  error in {kind}: {error}")
        return sum(len(errors) for errors in self.errors.values())


class Client:
    def __init__(self, url, db, login):
        self.url = url
        self.http = requests.Session()
        answer = self.http.post(
            f"{url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": login}},
            timeout=300,
        )
        answer.raise_for_status()
        if not (answer.json().get("result") or {}).get("uid"):
            raise RuntimeError(f"{login} could not sign in: {answer.text[:200]}")

    def rpc(self, path, params):
        answer = self.http.post(f"{self.url}{path}", json={"jsonrpc": "2.0", "id": 1, "params": params}, timeout=300)
        answer.raise_for_status()
        body = answer.json()
        if "error" in body:
            raise RuntimeError(json.dumps(body["error"])[:300])
        return body["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )


def agent_plan(agent, visits, seconds, rnd):
    """The agent's batches: (when, events), with some re-sent and some doubled."""
    start = datetime.utcnow() - timedelta(hours=1)
    events = [
        {
            "type": "visit",
            "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "apartment_id": rnd.choice(agent["apartments"]),
            "result": rnd.choice(RESULTS),
            # an hour of knocks, in order
            "time": int((start + timedelta(seconds=3600 * i / visits)).timestamp() * 1000),
        }
        for i in range(visits)
    ]
    batches, index = [], 0
    while index < len(events):
        size = rnd.randint(20, 200)
        batches.append(events[index : index + size])
        index += size
    offsets = sorted(rnd.uniform(0, seconds) for _batch in batches)
    return events, list(zip(offsets, batches, strict=True))


def run_agent(client, plan, recorder, began, rnd, stats):
    _events, batches = plan
    token = None
    for offset, batch in batches:
        time.sleep(max(0, began + offset - time.time()))
        payload = {"device_id": f"load-{id(client)}", "token": token, "events": batch}
        mode = rnd.random()
        if mode < 0.05:  # sent twice at once: two tabs of the same tablet
            threads = [
                threading.Thread(
                    target=recorder.call, args=("sync (twice at once)", client.rpc, "/d2d/agent/sync", payload)
                )
                for _copy in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stats["doubled"] += 1
            continue
        answer = recorder.call("sync", client.rpc, "/d2d/agent/sync", payload)
        if answer:
            token = answer.get("token", token)
            for rejected in answer.get("rejected") or []:
                stats["rejected"] += 1
                stats[f"refused: {rejected.get('reason')}"] += 1
        if mode > 0.9:  # the answer was lost: the tablet sends the batch again
            recorder.call("sync (re-sent)", client.rpc, "/d2d/agent/sync", payload)
            stats["resent"] += 1


def run_supervisor(client, recorder, territories, until):
    while time.time() < until:
        recorder.call(
            "stats read_group",
            client.call_kw,
            "d2d.agent.stats",
            "read_group",
            [[("territory_id", "in", territories)], ["doors:sum", "leads:sum"], ["agent_id"]],
        )
        recorder.call("leaderboard", client.call_kw, "d2d.agent.stats", "get_leaderboard", [])
        time.sleep(1)


def run_coordinator(client, recorder, coordinator, stats):
    day = datetime.utcnow().replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=2)
    for index, lead in enumerate(coordinator["leads"]):
        start = day + timedelta(days=index // 4, hours=2 * (index % 4))
        answer = recorder.call(
            "booking",
            client.call_kw,
            "crm.lead",
            "action_d2d_schedule",
            [
                [lead],
                coordinator["crew"],
                start.strftime("%Y-%m-%d %H:%M:%S"),
                (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
            ],
        )
        if answer is not None:
            stats["booked"] += 1
        time.sleep(2)


def run_operator(url, key, phones, recorder, until, rnd):
    http = requests.Session()

    def lookup():
        phone = rnd.choice(phones)
        answer = http.get(
            f"{url}/d2d/callcenter/lookup",
            params={"number": "8" + phone[-10:]},
            headers={"Authorization": f"Bearer {key}"},
            timeout=300,
        )
        answer.raise_for_status()
        if not answer.json().get("contacts"):
            raise RuntimeError(f"no card for {phone}")

    while time.time() < until:
        recorder.call("callcenter lookup", lookup)
        time.sleep(0.3)


def verify(env, events):
    """Every event recorded exactly once; every apartment shows its latest knock."""
    uuids = [event["uuid"] for event in events]
    with psycopg2.connect(host="127.0.0.1", port=env["primary"], user=env["role"], dbname=env["db"]) as conn:
        cr = conn.cursor()
        cr.execute(
            "SELECT count(*), count(DISTINCT uuid) FROM d2d_visit WHERE uuid = ANY(%s)",
            (uuids,),
        )
        rows, distinct = cr.fetchone()
        apartments = list({event["apartment_id"] for event in events})
        cr.execute(
            """
            SELECT count(*) FROM d2d_apartment a
              JOIN LATERAL (SELECT v.result, v.visit_date FROM d2d_visit v WHERE v.apartment_id = a.id
                             ORDER BY v.visit_date DESC, v.id DESC LIMIT 1) latest ON true
             WHERE a.id = ANY(%s) AND (a.status != latest.result OR a.last_visit_date != latest.visit_date)
            """,
            (apartments,),
        )
        (wrong,) = cr.fetchone()
    print(f"\nverified in SQL: {len(uuids):,} events sent, {rows:,} recorded ({distinct:,} distinct uuids)")
    print(f"{len(apartments):,} apartments knocked: {wrong} do not show their latest knock")
    return rows == len(uuids) == distinct and wrong == 0


def cluster_env():
    output = subprocess.run(
        [str(ROOT / "scripts/cluster"), "env"], check=True, capture_output=True, text=True
    ).stdout.split()
    values = dict(item.split("=", 1) for item in output)
    return {
        "url": values["D2D_CLUSTER_URL"],
        "db": values["D2D_CLUSTER_DB"],
        "primary": int(values["D2D_CLUSTER_PRIMARY_PORT"]),
        "role": os.environ.get("D2D_PG_ROLE", "d2d"),
    }


def seed(args):
    env = dict(
        os.environ,
        D2D_LOAD_AGENTS=str(args.agents),
        D2D_LOAD_SUPERVISORS=str(args.supervisors),
        D2D_LOAD_COORDINATORS=str(args.coordinators),
        D2D_LOAD_OPERATORS=str(args.operators),
    )
    odoo = os.environ["ODOO_PATH"]
    conf = ROOT / ".local/cluster/odoo.conf"
    with open(ROOT / "scripts/scale/load_seed.py") as script:
        output = subprocess.run(
            [
                os.sys.executable,
                f"{odoo}/odoo-bin",
                "shell",
                "-c",
                str(conf),
                "--no-http",
                "--workers",
                "0",
                "--logfile",
                str(ROOT / ".local/cluster/load_seed.log"),
            ],
            stdin=script,
            capture_output=True,
            text=True,
            env=dict(env, PYTHONPATH=odoo),
            check=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config")  # given by bench/run, unused: the load runs on the cluster
    parser.add_argument("-d", "--database")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--supervisors", type=int, default=10)
    parser.add_argument("--coordinators", type=int, default=5)
    parser.add_argument("--operators", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    subprocess.run([str(ROOT / "scripts/cluster"), "start"], check=True)
    env = cluster_env()
    print("seeding the cluster's database", flush=True)
    data = seed(args)
    # the run number of the seed: events of another run on the same database never share a uuid
    rnd = random.Random(args.seed * 10**6 + data["run"])
    recorder = Recorder()
    stats = defaultdict(int)
    print(f"signing in {args.agents} agents and the office", flush=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        agents = list(pool.map(lambda agent: Client(env["url"], env["db"], agent["login"]), data["agents"]))
        supervisors = list(pool.map(lambda login: Client(env["url"], env["db"], login), data["supervisors"]))
        coordinators = list(
            pool.map(lambda coordinator: Client(env["url"], env["db"], coordinator["login"]), data["coordinators"])
        )
    per_agent = args.visits // args.agents
    plans = [agent_plan(agent, per_agent, args.seconds, random.Random(rnd.random())) for agent in data["agents"]]
    events = [event for plan in plans for event in plan[0]]
    print(f"load: {len(events):,} visits by {args.agents} agents over {args.seconds} s, with the office", flush=True)
    began = time.time()
    until = began + args.seconds
    threads = [
        threading.Thread(target=run_agent, args=(client, plan, recorder, began, random.Random(i), stats))
        for i, (client, plan) in enumerate(zip(agents, plans, strict=True))
    ]
    threads += [
        threading.Thread(target=run_supervisor, args=(client, recorder, data["territories"], until))
        for client in supervisors
    ]
    threads += [
        threading.Thread(target=run_coordinator, args=(client, recorder, coordinator, stats))
        for client, coordinator in zip(coordinators, data["coordinators"], strict=True)
    ]
    threads += [
        threading.Thread(target=run_operator, args=(env["url"], key, data["phones"], recorder, until, random.Random(i)))
        for i, key in enumerate(data["operators"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - began
    errors = recorder.report(elapsed)
    print(
        f"batches re-sent: {stats['resent']}, sent twice at once: {stats['doubled']}, "
        f"events refused by the server: {stats['rejected']}, bookings: {stats['booked']}"
    )
    for key, count in sorted(stats.items()):
        if key.startswith("refused: "):
            print(f"  {count} events {key}")
    print(f"visits/s recorded: {len(events) / elapsed:,.0f}")
    ok = verify(env, events)
    print(f"errors: {errors}; nothing lost: {'yes' if ok else 'NO'}")
    raise SystemExit(0 if ok and errors == 0 else 1)


if __name__ == "__main__":
    main()
