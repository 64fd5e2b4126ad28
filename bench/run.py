"""`make bench`: the API role, the UI role and two floors, side by side on this machine.

One run, from a fresh clone:
1. recreates the database BENCH_DB (default taskmanager_bench) on the local
   PostgreSQL, migrates it and collects both roles' static files (prepare.py);
2. starts four servers with deploy/serve.py, unchanged (the image's server:
   same workers, threads, access log on, DEBUG off; servers.py): the API
   role, the UI role (talking to that API over HTTP), the raw floor
   (raw_floor.py: the API's statements from a bare WSGI function over
   psycopg) and the Django floor (django_floor/: the same from bare Django);
3. for each dataset (100, then 10,000 tasks of one user, with tags) counts
   SQL queries per API request (queries.py), checks that both floors answer
   the API's bytes (floor_check.py) and send its statements (sql_check.py),
   then drives every target (targets.py) with wrk, 2 threads and 32
   connections: the targets of one request (both floors and the API, or
   the two UI pages) side by side, a warm-up each, then the measured time
   in rounds of windows taken in turns, so that each ratio compares windows
   of the same moments; then each API target (and the floor it is judged
   against) again open-loop at half the rate wrk measured (open_loop.py),
   then wrk again to check the machine's speed held over that pass (else
   the pass is repeated at half the new rate, up to three passes), checking
   every answer was a 2xx, in the clients' counters and in the servers'
   access logs (measure.py);
4. samples the resident memory of each server's master and workers
   throughout (sampling.py), and reports ratios to both floors against the
   issue's goals (goals.py) as tables and as JSON in bench/results/
   (report.py).

Ratios are to the floors measured in the same run: the machine is shared, so
absolute numbers move between runs; ratios move much less. The create
targets run last in each dataset because every POST adds a row; the next
dataset removes those rows before topping up, so each starts at its nominal
size.

Environment knobs (for quicker iterations, not for the recorded run):
BENCH_DURATION (s, 10: a target's measured time, at least), BENCH_ROUNDS (3),
BENCH_WARMUP (s, 3), BENCH_OPEN_LOOP_SECONDS (s, as BENCH_DURATION),
BENCH_DATASETS ("100,10000"), BENCH_ONLY (comma list of target names, e.g.
api_detail,django_detail), BENCH_PORT_BASE (18400), BENCH_DB, and
POSTGRES_URL for the server (postgres://postgres@127.0.0.1:5432/postgres, as
for the tests and `make run`).
"""

import os
import re
import secrets
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import baseline
from bench import report as reporting
from bench.client import ui_login
from bench.config import (
    CONNECTIONS,
    DATASETS,
    DB_NAME,
    DURATION,
    ONLY,
    OPEN_LOOP_ATTEMPTS,
    OPEN_LOOP_CONNECTIONS,
    OPEN_LOOP_RECHECK_SECONDS,
    OPEN_LOOP_SECONDS,
    OPEN_LOOP_STEADY_WITHIN,
    PORT_BASE,
    ROUND_SECONDS,
    ROUNDS,
    WARMUP,
    WORK,
    WRK_THREADS,
)
from bench.floor_check import check_floors
from bench.measure import measure_interleaved
from bench.prepare import commit, machine, manage, python_module, recreate_database, uptime
from bench.sampling import MemorySampler
from bench.servers import Server, clean_env, port_is_free, server_settings
from bench.sql_check import check_statements
from bench.targets import TARGETS, by_request

# The roles serve their metrics as deployed, each on its own port; the floors have none.
PORTS = {
    "api": PORT_BASE + 1,
    "ui": PORT_BASE + 2,
    "raw": PORT_BASE + 3,
    "api-metrics": PORT_BASE + 4,
    "ui-metrics": PORT_BASE + 5,
    "django": PORT_BASE + 6,
    "baseline_api": PORT_BASE + 7,
    "baseline_ui": PORT_BASE + 8,
}


def environments(database_url: str) -> dict[str, dict]:
    base = clean_env() | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "info",
    }
    return {
        "base": base,
        "api": base | {
            "TASKMANAGER_ROLE": "api",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(WORK / "static" / "api"),
            "METRICS_PORT": str(PORTS["api-metrics"]),
        },
        "ui": base | {
            "TASKMANAGER_ROLE": "ui",
            "TASKMANAGER_API_URL": f"http://127.0.0.1:{PORTS['api']}",
            "STATIC_ROOT": str(WORK / "static" / "ui"),
            "METRICS_PORT": str(PORTS["ui-metrics"]),
        },
    }  # fmt: skip


def start_servers(env: dict, database_url: str, owner_id: int, tree: Path) -> dict[str, Server]:
    floor_env = env["base"] | {
        # The entry point serves only a role that may serve; the floors ignore it.
        "TASKMANAGER_ROLE": "api",
        "BENCH_FLOOR_DSN": database_url,
        "BENCH_FLOOR_OWNER_ID": str(owner_id),
        "DATABASE_URL": database_url,
        "METRICS_PORT": "0",
    }
    servers = {
        "api": Server("api", PORTS["api"], env["api"]),
        "ui": Server("ui", PORTS["ui"], env["ui"]),
        "raw": Server("raw", PORTS["raw"], floor_env, app="bench.raw_floor:application"),
        "django": Server("django", PORTS["django"], floor_env, app="bench.django_floor.wsgi:application"),
        **baseline.servers(tree, env, PORTS),
    }
    for server in servers.values():
        server.start()
    for api, ui in (("api", "ui"), ("baseline_api", "baseline_ui")):
        servers[api].wait_ready("/readyz")
        servers[ui].wait_ready("/healthz")
    servers["raw"].wait_ready("/api/v1/tasks/?limit=1")
    servers["django"].wait_ready("/api/v1/tasks/?limit=1")
    return servers


def run_dataset(size: int, seeded: dict, servers: dict, env: dict, sampler, logins) -> tuple[dict, bool]:
    sampler.dataset = size
    ids_file = WORK / f"ids-{size}.txt"
    ids_file.write_text("\n".join(seeded["sample_ids"]) + "\n")
    dataset = {"tasks": seeded["tasks"], "uptime_before": uptime(), "targets": {}}
    print(f"counting queries per request ({size:,} tasks)", flush=True)
    dataset["queries"] = python_module(
        env["api"] | {"ALLOWED_HOSTS": "testserver"},
        "bench.queries",
        *("--token", seeded["token"], "--task-id", seeded["sample_ids"][0], "--ids-file", str(ids_file)),
    )
    api_headers = {"Authorization": f"Bearer {seeded['token']}"}
    print("checking the floors answer the API's bytes", flush=True)
    dataset["floor_check"] = check_floors(servers, api_headers, seeded["sample_ids"][0])
    print("checking the floors send the API's statements", flush=True)
    dataset["sql_check"] = check_statements(servers, seeded)
    failed = False
    for group in by_request([target for target in TARGETS if not ONLY or target.name in ONLY]):
        headers = {}
        for target in group:
            if target.is_page:
                headers[target.name] = {"Cookie": logins[target.server]()}
            else:
                headers[target.name] = api_headers if target.server == "api" else {}
        labels = ", ".join(target.label for target in group)
        print(f"  {size:>6,} tasks  {labels}: {ROUNDS} rounds of {ROUND_SECONDS} s each", flush=True)
        results = measure_interleaved(group, servers, headers, ids_file, sampler, seeded["sample_ids"])
        for target in group:
            result = dataset["targets"][target.name] = results[target.name]
            _print_result(target, result)
            failed |= bool(result["problems"])
    dataset["uptime_after"] = uptime()
    reporting.add_goals(dataset)
    return dataset, failed


def _print_result(target, result: dict) -> None:
    loop = result["open_loop"]
    passes = ""
    if loop:
        passes = f" (pass {len(loop['passes'])}{'' if loop['steady'] else ', speed never held'})"
    rounds = "/".join(f"{found['rps']:,.0f}" for found in result["rounds"])
    print(
        f"    {target.label:<36} {result['rps']:>8,.0f} req/s ({rounds})  "
        f"p50 {result['latency_ms']['p50']:>6.1f} ms  p99 {result['latency_ms']['p99']:>6.1f} ms"
        + (f"  open-loop p99 {loop['latency_ms']['p99']:.1f} ms at {loop['rate']:,.0f}/s" if loop else "")
        + passes
        + (f"  PROBLEM: {'; '.join(result['problems'])}" if result["problems"] else ""),
        flush=True,
    )


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    WORK.mkdir(parents=True, exist_ok=True)
    busy = [str(port) for port in PORTS.values() if not port_is_free(port)]
    if busy:
        raise SystemExit(f"ports in use: {', '.join(busy)}; set BENCH_PORT_BASE to another range")
    started = datetime.now(UTC)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "uptime_before": uptime(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
        "commit": commit(),
        "settings": {
            "duration_s": DURATION,
            "rounds": ROUNDS,
            "round_s": ROUND_SECONDS,
            "warmup_s": WARMUP,
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
            "open_loop_s": OPEN_LOOP_SECONDS,
            "open_loop_connections": OPEN_LOOP_CONNECTIONS,
            "open_loop_recheck_s": OPEN_LOOP_RECHECK_SECONDS,
            "open_loop_steady_within": OPEN_LOOP_STEADY_WITHIN,
            "open_loop_attempts": OPEN_LOOP_ATTEMPTS,
        },
        "datasets": [],
    }

    print(f"recreating database {DB_NAME}", flush=True)
    database_url, report["machine"]["postgresql"] = recreate_database()
    env = environments(database_url)
    report["server"] = server_settings(env["api"])
    print("migrating and collecting static files", flush=True)
    manage(env["api"], "migrate", "-v0")
    manage(env["api"], "collectstatic", "--noinput", "--clear", "-v0")
    manage(env["ui"], "collectstatic", "--noinput", "--clear", "-v0")

    password = secrets.token_urlsafe(16)

    def seed(size: int) -> dict:
        print(f"seeding {size:,} tasks", flush=True)
        return python_module(env["api"], "bench.seed", "--tasks", str(size), "--password", password)

    print(
        f"exporting the UI baseline's tree (commit {baseline.UI_BASELINE_COMMIT}), migrating its database",
        flush=True,
    )
    tree = baseline.export_tree()
    env |= baseline.baseline_environments(env, tree, PORTS)
    baseline.prepare(tree, env)

    def seed_baseline(size: int) -> None:
        print(f"seeding {size:,} tasks for the UI baseline", flush=True)
        baseline.seed(tree, env, size, password)

    seeded = seed(DATASETS[0])
    seed_baseline(DATASETS[0])
    servers = start_servers(env, database_url, seeded["user_id"], tree)
    sampler = MemorySampler(servers)
    cookies: dict[str, str] = {}

    def login(server: str):
        def cookie() -> str:
            if server not in cookies:
                cookies[server] = ui_login(servers[server].port, seeded["username"], password)
            return cookies[server]

        return cookie

    logins = {server: login(server) for server in ("ui", "baseline_ui")}

    failed = False
    try:
        sampler.start()
        for index, size in enumerate(DATASETS):
            if index:
                seeded = seed(size)
                seed_baseline(size)
            dataset, problems = run_dataset(size, seeded, servers, env, sampler, logins)
            report["datasets"].append(dataset)
            failed |= problems
    finally:
        if sampler.is_alive():
            sampler.stop()
        for server in servers.values():
            server.stop()
        baseline.remove(tree)
    report["memory"] = sampler.summary()
    report["memory_samples"] = sampler.samples
    report["server_log_errors"] = {
        name: len(re.findall(r"Traceback|\[ERROR\]|\[CRITICAL\]", server.log_since(0)))
        for name, server in servers.items()
    }
    report["uptime_after"] = uptime()
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    reporting.print_report(report, reporting.write(report, started))
    if any(report["server_log_errors"].values()):
        print(f"errors in server logs: {report['server_log_errors']} (see {WORK})")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
