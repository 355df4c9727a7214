"""The scale-out, proved on the cluster scripts/cluster starts (primary,
streaming replica, Odoo with workers and --db_replica_host): which server
runs what is read in the two servers' statement logs (log_statement = all,
each line with its connection's application name), not assumed.

1. The tablet's snapshot, the PBX's look-up and the reports' reads are run by
   the replica, and not by the primary.
2. A sync's writes go to the primary.
3. With the replica's replay paused (pg_wal_replay_pause), a sync's answer is
   still right (it is the primary's); the replica catches up once resumed.
4. With the replica down, the read routes keep answering (Odoo falls back
   to the primary).

Run by scripts/cluster-test; prints one line per check and exits 1 when one
fails.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import requests

URL = os.environ["D2D_CLUSTER_URL"]
DB = os.environ["D2D_CLUSTER_DB"]
PG_DIR = Path(os.environ["D2D_CLUSTER_PG_DIR"])
PRIMARY = int(os.environ["D2D_CLUSTER_PRIMARY_PORT"])
REPLICA = int(os.environ["D2D_CLUSTER_REPLICA_PORT"])
ROLE = os.environ.get("D2D_PG_ROLE", "d2d")
SEED = json.loads(os.environ["D2D_CLUSTER_SEED"])
failures = []


def check(label, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {label}{f' ({detail})' if detail else ''}", flush=True)
    if not ok:
        failures.append(label)


def sql(port, query, params=None):
    with psycopg2.connect(host="127.0.0.1", port=port, user=ROLE, dbname=DB) as conn, conn.cursor() as cr:
        conn.autocommit = True
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


class Logs:
    """What each server logged from a point on."""

    def __init__(self):
        self.files = {"primary": PG_DIR / "primary.log", "replica": PG_DIR / "replica.log"}
        self.mark()

    def mark(self):
        self.offsets = {name: path.stat().st_size for name, path in self.files.items()}

    def since_mark(self, name):
        with open(self.files[name], "rb") as log:
            log.seek(self.offsets[name])
            text = log.read().decode(errors="replace")
        # an entry starts with its time; a statement of several lines goes on
        # in lines of its own
        entries = []
        for line in text.splitlines():
            if line[:2] == "20" or not entries:
                entries.append(line)
            else:
                entries[-1] += "\n" + line
        return [entry for entry in entries if " odoo-" in entry.split("\n", 1)[0]]

    def statements(self, name, *fragments):
        """The Odoo statements logged since the mark that hold every fragment."""
        return [line for line in self.since_mark(name) if all(fragment in line for fragment in fragments)]


def session(login):
    http = requests.Session()
    answer = http.post(
        f"{URL}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": DB, "login": login, "password": login}},
        timeout=60,
    )
    answer.raise_for_status()
    assert answer.json().get("result", {}).get("uid"), answer.text
    return http


def rpc(http, path, params):
    answer = http.post(f"{URL}{path}", json={"jsonrpc": "2.0", "id": 1, "params": params}, timeout=120)
    answer.raise_for_status()
    body = answer.json()
    if "error" in body:
        raise AssertionError(body["error"])
    return body["result"]


def wait_for_replay(timeout=30):
    # The cluster runs with synchronous_commit = off: a commit record may still
    # sit in the WAL buffers, past pg_current_wal_lsn(); the insert position
    # covers every commit already answered.
    (lsn,) = sql(PRIMARY, "SELECT pg_current_wal_insert_lsn()::text")[0]
    deadline = time.time() + timeout
    while time.time() < deadline:
        (done,) = sql(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0]
        if done:
            return True
        time.sleep(0.2)
    return False


def visit_event(apartment_id, result):
    return {
        "type": "visit",
        "uuid": str(uuid.uuid4()),
        "apartment_id": apartment_id,
        "result": result,
        "time": int(time.time() * 1000) - 60_000,
    }


def pg_ctl(action, node):
    command = [os.environ["D2D_PG_BINDIR"] + "/pg_ctl", "-D", str(PG_DIR / node), "-w", action]
    if action == "start":
        command += ["-l", str(PG_DIR / f"{node}.log")]
    if action == "stop":
        command += ["-m", "fast"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main():
    logs = Logs()
    agent = session(SEED["agent"])
    manager = session(SEED["manager"])
    wait_for_replay()

    print("reads run on the replica:")
    logs.mark()
    snapshot = rpc(agent, "/d2d/agent/snapshot", {})
    check("the snapshot answers with the agent's house", bool(snapshot.get("houses")))
    on_replica = logs.statements("replica", "json_build_object(")
    on_primary = logs.statements("primary", "json_build_object(")
    check("the snapshot's query ran on the replica", bool(on_replica), f"{len(on_replica)} statement(s)")
    check("and not on the primary", not on_primary, f"{len(on_primary)} statement(s)")

    digits = SEED["phone"][-10:]
    logs.mark()
    answer = requests.get(
        f"{URL}/d2d/callcenter/lookup",
        params={"number": "8" + digits},
        headers={"Authorization": f"Bearer {SEED['key']}"},
        timeout=60,
    )
    check("the PBX look-up finds the caller", answer.ok and SEED["phone"][-7:] in answer.text, answer.status_code)
    check("its queries ran on the replica", bool(logs.statements("replica", digits[-7:])))
    check("and not on the primary", not logs.statements("primary", digits[-7:]))

    logs.mark()
    groups = rpc(
        manager,
        "/web/dataset/call_kw/d2d.agent.stats/read_group",
        {
            "model": "d2d.agent.stats",
            "method": "read_group",
            "args": [[], ["doors:sum"], ["agent_id"]],
            "kwargs": {},
        },
    )
    check("the agents' statistics answer", isinstance(groups, list))
    check("read on the replica", bool(logs.statements("replica", "d2d_agent_stats")))
    check("and not on the primary", not logs.statements("primary", "d2d_agent_stats"))

    print("writes go to the primary:")
    logs.mark()
    event = visit_event(SEED["apartments"][1], "refusal")
    answer = rpc(agent, "/d2d/agent/sync", {"device_id": "replica-test", "events": [event]})
    check("the sync accepts the visit", event["uuid"] in answer.get("accepted", []), answer.get("rejected"))
    check("its INSERT ran on the primary", bool(logs.statements("primary", "INSERT INTO d2d_visit")))
    (count,) = sql(PRIMARY, "SELECT count(*) FROM d2d_visit WHERE uuid = %s", (event["uuid"],))[0]
    check("the visit is on the primary", count == 1)

    print("a replica that lags:")
    sql(REPLICA, "SELECT pg_wal_replay_pause()")
    try:
        event = visit_event(SEED["apartments"][2], "pensioner")
        answer = rpc(agent, "/d2d/agent/sync", {"device_id": "replica-test", "events": [event]})
        check(
            "the sync accepts the visit while the replica is paused",
            event["uuid"] in answer.get("accepted", []),
            answer.get("rejected"),
        )
        (on_primary,) = sql(PRIMARY, "SELECT count(*) FROM d2d_visit WHERE uuid = %s", (event["uuid"],))[0]
        (on_replica,) = sql(REPLICA, "SELECT count(*) FROM d2d_visit WHERE uuid = %s", (event["uuid"],))[0]
        check("the primary has it, the paused replica not yet", (on_primary, on_replica) == (1, 0))
        again = rpc(agent, "/d2d/agent/sync", {"device_id": "replica-test", "events": [event]})
        check("sent again, it is accepted once (answered by the primary)", event["uuid"] in again.get("accepted", []))
        (count,) = sql(PRIMARY, "SELECT count(*) FROM d2d_visit WHERE uuid = %s", (event["uuid"],))[0]
        check("and recorded once", count == 1)
    finally:
        sql(REPLICA, "SELECT pg_wal_replay_resume()")
    check("the replica catches up once resumed", wait_for_replay())
    (on_replica,) = sql(REPLICA, "SELECT count(*) FROM d2d_visit WHERE uuid = %s", (event["uuid"],))[0]
    check("and then holds the visit", on_replica == 1)

    print("the replica down:")
    pg_ctl("stop", "replica")
    try:
        logs.mark()
        snapshot = rpc(agent, "/d2d/agent/snapshot", {})
        check("the snapshot still answers", bool(snapshot.get("houses")))
        check("from the primary", bool(logs.statements("primary", "json_build_object(")))
        answer = requests.get(
            f"{URL}/d2d/callcenter/lookup",
            params={"number": "8" + digits},
            headers={"Authorization": f"Bearer {SEED['key']}"},
            timeout=60,
        )
        check("the PBX look-up still answers", answer.ok and SEED["phone"][-7:] in answer.text, answer.status_code)
    finally:
        pg_ctl("start", "replica")
    check("the replica is back and catches up", wait_for_replay())

    if failures:
        print(f"replica test failed: {', '.join(failures)}")
        sys.exit(1)
    print("replica test passed")


if __name__ == "__main__":
    main()
