"""`make bench`: the API role, the UI role and a raw floor, side by side on this machine.

One run, from a fresh clone:
1. recreates the database BENCH_DB (default taskmanager_bench) on the local
   PostgreSQL, migrates it and collects both roles' static files;
2. starts three servers with deploy/serve.py, unchanged (the image's
   server: same workers, threads, access log on, DEBUG off): the API
   role, the UI role (talking to that API over HTTP) and the raw floor
   (bench/floor.py: the same list and detail straight from psycopg2);
3. for each dataset (100, then 10,000 tasks of one user, with tags) counts
   SQL queries per API request, then drives every target with wrk (2 threads,
   32 connections, a warm-up, then the measured window) and checks every
   answer was a 2xx, in wrk's counters and in the servers' access logs;
4. samples the resident memory of each server's master and workers
   throughout, and writes everything as JSON to bench/results/.

Ratios are to the floor measured in the same run: the machine is shared, so
absolute numbers move between runs; ratios move much less. The create target
runs last in each dataset because every POST adds a row; the next dataset
removes those rows before topping up, so each starts at its nominal size.

Environment knobs (for quicker iterations, not for the recorded run):
BENCH_DURATION (s, 10), BENCH_WARMUP (s, 3), BENCH_DATASETS ("100,10000"),
BENCH_ONLY (comma list of target names), BENCH_PORT_BASE (18400),
BENCH_DATABASE_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres).
"""

import contextlib
import http.client
import json
import os
import platform
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = RESULTS / "work"
SERVE = ROOT / "deploy" / "serve.py"
LUA = BENCH / "wrk" / "request.lua"

ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB", "taskmanager_bench")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
DATASETS = [int(n) for n in os.environ.get("BENCH_DATASETS", "100,10000").split(",")]
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "18400"))
CONNECTIONS = 32
WRK_THREADS = 2
MEMORY_SAMPLE_SECONDS = 0.5
P99_GOAL_MS = 100.0

PATCH_BODY = json.dumps({"title": "Edited under load", "priority": "high", "tags": ["bench", "urgent"]})
# The same title as bench.seed.CREATED_TITLE, which removes these rows before each dataset.
CREATE_BODY = json.dumps({"title": "Created under load", "priority": "high", "tags": ["bench", "work"]})


@dataclass
class Target:
    name: str
    label: str
    server: str
    method: str
    path: str
    body: str = ""
    floor: str = ""  # the floor target this one is compared with
    goal: float | None = None  # the lowest acceptable ratio to that floor
    write_floor: str = ""  # for writes: the floor doing the same transaction, for reference
    p99_goal_ms: float | None = None
    roles: tuple = ()  # servers whose processes do work for this target


# Run order within a dataset: reads first, writes after, create last.
TARGETS = [
    Target("floor_list_100", "floor list (limit=100)", "floor", "GET", "/api/v1/tasks/?limit=100"),
    Target("floor_list_50", "floor list (limit=50)", "floor", "GET", "/api/v1/tasks/?limit=50"),
    Target("floor_detail", "floor detail", "floor", "GET", "/api/v1/tasks/{id}/"),
    Target(
        "api_list_100", "API list (limit=100)", "api", "GET", "/api/v1/tasks/?limit=100",
        floor="floor_list_100", goal=0.6, p99_goal_ms=P99_GOAL_MS,
    ),
    Target(
        "api_detail", "API detail", "api", "GET", "/api/v1/tasks/{id}/",
        floor="floor_detail", goal=0.6, p99_goal_ms=P99_GOAL_MS,
    ),
    Target(
        "api_stats", "API stats", "api", "GET", "/api/v1/tasks/stats/",
        floor="floor_detail", p99_goal_ms=P99_GOAL_MS,
    ),
    Target(
        "ui_list_50", "UI list page (50/page)", "ui", "GET", "/?per_page=50",
        floor="floor_list_50", goal=0.35, roles=("ui", "api"),
    ),
    Target("floor_patch", "floor PATCH", "floor", "PATCH", "/api/v1/tasks/{id}/", PATCH_BODY),
    Target(
        "api_patch", "API PATCH", "api", "PATCH", "/api/v1/tasks/{id}/", PATCH_BODY,
        floor="floor_detail", goal=0.5, p99_goal_ms=P99_GOAL_MS, write_floor="floor_patch",
    ),
    Target("floor_create", "floor create", "floor", "POST", "/api/v1/tasks/", CREATE_BODY),
    Target(
        "api_create", "API create", "api", "POST", "/api/v1/tasks/", CREATE_BODY,
        floor="floor_detail", goal=0.5, p99_goal_ms=P99_GOAL_MS, write_floor="floor_create",
    ),
]  # fmt: skip
for _target in TARGETS:
    _target.roles = _target.roles or (_target.server,)

ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


# --- Servers ----------------------------------------------------------------------
@dataclass
class Server:
    name: str
    port: int
    env: dict
    app: str | None = None
    process: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    def __post_init__(self):
        self.log_path = WORK / f"{self.name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, str(SERVE)]
        if self.app:
            command.append(self.app)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, env={**self.env, "PORT": str(self.port)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str, headers=None, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                if http_request("GET", self.port, path, headers=headers)[0] == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"{self.name} not ready on :{self.port} after {timeout:.0f}s; see {self.log_path}")

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *children_of(self.process.pid)]

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name may hold spaces; the parent pid is 2 fields after its ')'.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return sorted(children)


def rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (all their threads)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class MemorySampler(threading.Thread):
    """Samples VmRSS of every server's master and workers until stopped."""

    def __init__(self, servers: dict[str, Server]):
        super().__init__(daemon=True)
        self.servers = servers
        self.samples: list[dict] = []
        self.marker = "boot"
        self.dataset = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._stop_event.is_set():
            sample = {
                "t": round(time.monotonic() - started, 2),
                "marker": self.marker,
                "dataset": self.dataset,
            }
            for name, server in self.servers.items():
                sample[name] = {str(pid): rss_kib(pid) for pid in server.pids()}
            self.samples.append(sample)
            self._stop_event.wait(MEMORY_SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def summary(self) -> dict:
        """Per server: at boot, at the start of its first measured window, at the end, and the peak."""
        result = {}
        for name in self.servers:
            all_samples = [s for s in self.samples if s.get(name)]
            measured = [s for s in all_samples if s["marker"].startswith("measure:") and name in s["marker"]]
            if not all_samples:
                continue
            first = measured[0] if measured else all_samples[0]
            last = measured[-1] if measured else all_samples[-1]
            totals = [sum(s[name].values()) for s in all_samples]
            per_dataset = {}
            for dataset in sorted({sample["dataset"] for sample in measured}):
                window = [sum(s[name].values()) for s in measured if s["dataset"] == dataset]
                per_dataset[dataset] = {
                    "first_mib": round(window[0] / 1024, 1),
                    "last_mib": round(window[-1] / 1024, 1),
                }
            result[name] = {
                "per_dataset": per_dataset,
                "boot_total_mib": round(totals[0] / 1024, 1),
                "first_measured_total_mib": round(sum(first[name].values()) / 1024, 1),
                "last_measured_total_mib": round(sum(last[name].values()) / 1024, 1),
                "peak_total_mib": round(max(totals) / 1024, 1),
                "processes_first": {pid: round(kib / 1024, 1) for pid, kib in first[name].items()},
                "processes_last": {pid: round(kib / 1024, 1) for pid, kib in last[name].items()},
                "samples": len(all_samples),
            }
        return result


# --- HTTP helpers -----------------------------------------------------------------
def http_request(method, port, path, headers=None, body=None, timeout=10.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def ui_login(port: int, username: str, password: str) -> str:
    """Log in through the UI's form like a browser; returns the Cookie header to send."""
    cookies = SimpleCookie()
    status, headers, body = http_request("GET", port, "/login/")
    if status != 200:
        raise SystemExit(f"UI GET /login/ answered {status}; the UI role cannot be benchmarked")
    _take_cookies(cookies, headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if match is None:
        raise SystemExit("UI login page has no CSRF token field")
    form = urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password}
    )
    status, headers, _body = http_request(
        "POST",
        port,
        "/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(cookies),
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
        body=form,
    )
    _take_cookies(cookies, headers)
    if status not in (302, 303):
        raise SystemExit(f"UI login answered {status}, expected a redirect")
    return _cookie_header(cookies)


def _take_cookies(jar: SimpleCookie, headers) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)


def _cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)


# --- wrk --------------------------------------------------------------------------
def run_wrk(port: int, target: Target, headers: dict, ids_file: Path, seconds: int) -> tuple[dict, str]:
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA),
        *[item for name, value in headers.items() for item in ("-H", f"{name}: {value}")],
        f"http://127.0.0.1:{port}/", "--", target.method, target.path, target.body or "-", str(ids_file),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    output = completed.stdout + completed.stderr
    match = re.search(r"^BENCH_RESULT (.*)$", output, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed for {target.name}:\n{output}")
    return json.loads(match.group(1)), output


def wait_for_quiet_log(server: Server, timeout: float = 5.0) -> int:
    """The log's size once the previous target's queued requests have drained."""
    deadline = time.monotonic() + timeout
    size = server.log_size()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if server.log_size() == size:
            break
        size = server.log_size()
    return size


def status_counts(log_text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in ACCESS_LINE.finditer(log_text):
        counts[match.group("status")] = counts.get(match.group("status"), 0) + 1
    return counts


def measure(target, servers, headers, ids_file, sampler, ids) -> dict:
    server = servers[target.server]
    path = target.path.replace("{id}", ids[0])
    request_headers = dict(headers)
    if target.body:
        request_headers["Content-Type"] = "application/json"
    api_offset = wait_for_quiet_log(servers["api"])
    status, _headers, body = http_request(
        target.method, server.port, path, headers=request_headers, body=target.body or None
    )
    if not 200 <= status < 300:
        raise SystemExit(f"{target.name}: {target.method} {path} answered {status}: {body[:300]!r}")
    # What one request of this target asks of the API role (for the UI: its API calls).
    time.sleep(0.2)
    api_calls = [m.group("request") for m in ACCESS_LINE.finditer(servers["api"].log_since(api_offset))]

    sampler.marker = f"warmup:{','.join(target.roles)}"
    run_wrk(server.port, target, headers, ids_file, WARMUP)
    offsets = {name: servers[name].log_size() for name in target.roles}
    load_before = os.getloadavg()
    pids = {name: servers[name].pids() for name in target.roles}
    cpu_before = {name: cpu_seconds(p) for name, p in pids.items()}
    machine_before = machine_cpu()
    sampler.marker = f"measure:{','.join(target.roles)}"
    result, output = run_wrk(server.port, target, headers, ids_file, DURATION)
    sampler.marker = "idle"
    machine_after = machine_cpu()
    cpu_used = {name: cpu_seconds(p) - cpu_before[name] for name, p in pids.items()}
    load_after = os.getloadavg()
    time.sleep(0.3)  # let the last access-log lines land
    statuses = {name: status_counts(servers[name].log_since(offsets[name])) for name in target.roles}

    served = statuses[target.server]
    non_2xx = sum(count for code, count in served.items() if not code.startswith("2"))
    errors = result["errors"]
    problems = []
    if "Non-2xx or 3xx responses" in output:
        problems.append("wrk reported non-2xx/3xx responses")
    if non_2xx:
        problems.append(f"access log shows non-2xx answers: {served}")
    if any(errors[kind] for kind in ("connect", "read", "write", "timeout")):
        problems.append(f"socket errors: {errors}")
    seconds = result["duration_us"] / 1e6
    return {
        "label": target.label,
        "server": target.server,
        "method": target.method,
        "path": target.path,
        "requests": result["requests"],
        "seconds": round(seconds, 2),
        "rps": round(result["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in result["latency_us"].items()},
        "bytes_per_response": round(result["bytes"] / max(result["requests"], 1)),
        # CPU the serving processes spent per request: unlike req/s, barely
        # moved by what else runs on the machine.
        "cpu_ms_per_request": {
            name: round(used * 1000 / max(result["requests"], 1), 3) for name, used in cpu_used.items()
        },
        "machine_cpu_busy_pct": round(
            100 * (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1), 1
        ),
        "wrk_errors": errors,
        "statuses": statuses,
        "api_calls_per_request": api_calls if target.server == "ui" else None,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "problems": problems,
    }


# --- Set-up -------------------------------------------------------------------------
def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def recreate_database() -> str:
    admin = urlparse(ADMIN_URL)
    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    connection.close()
    netloc = admin.netloc
    return f"{admin.scheme}://{netloc}/{DB_NAME}", version


def clean_env() -> dict:
    # Whatever the caller exported must not leak into the servers' settings:
    # the benchmark measures the defaults the image ships.
    drop = (
        *("SERVER_", "GUNICORN_", "ACCESS_LOG", "DJANGO_", "DATABASE_URL", "TASKMANAGER_"),
        *("STATIC", "DEBUG", "SECRET_KEY"),
    )
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


def manage(env: dict, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def python_module(env: dict, module: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"{module} failed:\n{completed.stdout}\n{completed.stderr}")
    # The JSON is the last line; the settings' log handler also writes to stdout.
    return json.loads(completed.stdout.strip().splitlines()[-1])


def server_settings(env: dict) -> dict:
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        options = runpy.run_path(str(SERVE))["server_options"]()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    keys = ("workers", "blocking_threads", "backlog", "workers_kill_timeout")
    return {"server": "granian", **{key: options[key] for key in keys}} | {
        "header_read_timeout_ms": options["http1_settings"].header_read_timeout,
        "access_log": "application",
    }


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kib = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else "unknown",
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].strip(),
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


# --- Report ---------------------------------------------------------------------------
def add_ratios(dataset: dict) -> None:
    targets = dataset["targets"]
    for name, result in targets.items():
        target = next(t for t in TARGETS if t.name == name)
        floor = targets.get(target.floor)
        result["floor"] = target.floor or None
        result["ratio"] = round(result["rps"] / floor["rps"], 3) if floor else None
        result["goal"] = target.goal
        write_floor = targets.get(target.write_floor)
        result["ratio_to_write_floor"] = round(result["rps"] / write_floor["rps"], 3) if write_floor else None
        checks = []
        if target.goal is not None and result["ratio"] is not None:
            checks.append(result["ratio"] >= target.goal)
        if target.p99_goal_ms is not None:
            checks.append(result["latency_ms"]["p99"] < target.p99_goal_ms)
        result["meets_goals"] = all(checks) if checks else None


def table(dataset: dict) -> str:
    lines = [
        f"#### {dataset['tasks']:,} tasks in the database",
        "",
        "| target | req/s | p50 ms | p99 ms | ratio to floor | goal | met | server CPU ms/req | box busy |",
        "| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |",
    ]
    for name, result in dataset["targets"].items():
        ratio = f"{result['ratio']:.2f} of {result['floor']}" if result["ratio"] is not None else "-"
        if result.get("ratio_to_write_floor") is not None:
            write_floor = next(t.write_floor for t in TARGETS if t.name == name)
            ratio += f" ({result['ratio_to_write_floor']:.2f} of {write_floor})"
        goal = f">= {result['goal']}" if result["goal"] is not None else "-"
        if result["server"] == "api":
            goal += f", p99 < {P99_GOAL_MS:.0f} ms"
        met = {True: "yes", False: "**no**", None: "-"}[result["meets_goals"]]
        cpu = " + ".join(f"{ms:.2f}" for ms in result["cpu_ms_per_request"].values())
        lines.append(
            f"| {result['label']} | {result['rps']:,.0f} | {result['latency_ms']['p50']:.1f} "
            f"| {result['latency_ms']['p99']:.1f} | {ratio} | {goal} | {met} | {cpu} "
            f"| {result['machine_cpu_busy_pct']:.0f}% |"
        )
    return "\n".join(lines)


def growth_table(datasets: list[dict]) -> str:
    if len(datasets) < 2:
        return ""
    small, large = datasets[0], datasets[-1]
    lines = [
        f"#### From {small['tasks']:,} to {large['tasks']:,} tasks",
        "",
        "| target | req/s | p50 ms | queries/request |",
        "| --- | --- | --- | --- |",
    ]
    for name, before in small["targets"].items():
        after = large["targets"].get(name)
        if after is None:
            continue
        queries = ""
        if name in small.get("queries", {}) and name in large.get("queries", {}):
            queries = f"{small['queries'][name]['queries']} -> {large['queries'][name]['queries']}"
        lines.append(
            f"| {before['label']} | {before['rps']:,.0f} -> {after['rps']:,.0f} "
            f"| {before['latency_ms']['p50']:.1f} -> {after['latency_ms']['p50']:.1f} | {queries} |"
        )
    return "\n".join(lines)


def memory_table(memory: dict) -> str:
    datasets = sorted({size for m in memory.values() for size in m["per_dataset"]})
    passes = " | ".join(f"{size:,}-task pass first -> last" for size in datasets)
    lines = [
        f"| server | at boot | {passes} | peak | processes |",
        "| --- | ---: |" + " ---: |" * len(datasets) + " ---: | ---: |",
    ]
    for name, m in memory.items():
        windows = " | ".join(
            f"{m['per_dataset'][size]['first_mib']} -> {m['per_dataset'][size]['last_mib']}"
            if size in m["per_dataset"]
            else "-"
            for size in datasets
        )
        processes = len(m["processes_last"])
        lines.append(f"| {name} | {m['boot_total_mib']} | {windows} | {m['peak_total_mib']} | {processes} |")
    return "\n".join(lines)


def queries_table(datasets: list[dict]) -> str:
    names = list(datasets[0].get("queries", {}))
    if not names:
        return ""
    header = " | ".join(f"{d['tasks']:,} tasks" for d in datasets)
    lines = [f"| request | {header} |", "| --- |" + " ---: |" * len(datasets)]
    for name in names:
        counts = " | ".join(str(d["queries"][name]["queries"]) for d in datasets if name in d["queries"])
        lines.append(f"| {name} | {counts} |")
    return "\n".join(lines)


# --- Main -------------------------------------------------------------------------------
def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    WORK.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "uptime_before": uptime(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
        "settings": {
            "duration_s": DURATION,
            "warmup_s": WARMUP,
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
        },
        "datasets": [],
    }
    git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    report["commit"] = git.stdout.strip() or None

    # The roles serve their metrics as deployed, each on its own port; the floor has none.
    ports = {
        "api": PORT_BASE + 1,
        "ui": PORT_BASE + 2,
        "floor": PORT_BASE + 3,
        "api-metrics": PORT_BASE + 4,
        "ui-metrics": PORT_BASE + 5,
    }
    busy = [str(port) for port in ports.values() if not port_is_free(port)]
    if busy:
        raise SystemExit(f"ports in use: {', '.join(busy)}; set BENCH_PORT_BASE to another range")

    print(f"recreating database {DB_NAME}", flush=True)
    database_url, pg_version = recreate_database()
    report["machine"]["postgresql"] = pg_version
    base_env = clean_env() | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "info",
    }
    api_env = base_env | {
        "TASKMANAGER_ROLE": "api",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(WORK / "static" / "api"),
        "METRICS_PORT": str(ports["api-metrics"]),
    }
    ui_env = base_env | {
        "TASKMANAGER_ROLE": "ui",
        "TASKMANAGER_API_URL": f"http://127.0.0.1:{ports['api']}",
        "STATIC_ROOT": str(WORK / "static" / "ui"),
        "METRICS_PORT": str(ports["ui-metrics"]),
    }
    report["server"] = server_settings(api_env)
    print("migrating and collecting static files", flush=True)
    manage(api_env, "migrate", "--noinput", "-v0")
    manage(api_env, "collectstatic", "--noinput", "--clear", "-v0")
    manage(ui_env, "collectstatic", "--noinput", "--clear", "-v0")

    password = secrets.token_urlsafe(16)
    print(f"seeding {DATASETS[0]:,} tasks", flush=True)
    seeded = python_module(api_env, "bench.seed", "--tasks", str(DATASETS[0]), "--password", password)
    floor_env = base_env | {
        "BENCH_FLOOR_DSN": f"dbname={DB_NAME} host=127.0.0.1 port=5432 user=postgres",
        "BENCH_FLOOR_OWNER_ID": str(seeded["user_id"]),
        "METRICS_PORT": "0",
    }
    servers = {
        "api": Server("api", ports["api"], api_env),
        "ui": Server("ui", ports["ui"], ui_env),
        "floor": Server("floor", ports["floor"], floor_env, app="bench.floor:application"),
    }
    sampler = MemorySampler(servers)
    exit_code = 0
    try:
        for server in servers.values():
            server.start()
        servers["api"].wait_ready("/readyz")
        servers["ui"].wait_ready("/healthz")
        servers["floor"].wait_ready("/api/v1/tasks/?limit=1")
        sampler.start()
        ui_cookie = None
        for index, size in enumerate(DATASETS):
            if index > 0:
                print(f"seeding {size:,} tasks", flush=True)
                seeded = python_module(api_env, "bench.seed", "--tasks", str(size), "--password", password)
            sampler.dataset = size
            ids_file = WORK / f"ids-{size}.txt"
            ids_file.write_text("\n".join(seeded["sample_ids"]) + "\n")
            dataset = {"tasks": seeded["tasks"], "uptime_before": uptime(), "targets": {}}
            print(f"counting queries per request ({size:,} tasks)", flush=True)
            dataset["queries"] = python_module(
                api_env | {"ALLOWED_HOSTS": "testserver"},
                "bench.queries",
                "--token",
                seeded["token"],
                "--task-id",
                seeded["sample_ids"][0],
            )
            api_headers = {"Authorization": f"Bearer {seeded['token']}"}
            for target in TARGETS:
                if ONLY and target.name not in ONLY:
                    continue
                if target.server == "ui" and ui_cookie is None:
                    ui_cookie = ui_login(servers["ui"].port, seeded["username"], password)
                headers = {"Cookie": ui_cookie} if target.server == "ui" else {}
                headers |= api_headers if target.server == "api" else {}
                print(f"  {size:>6,} tasks  {target.label:<26}", end="", flush=True)
                result = measure(target, servers, headers, ids_file, sampler, seeded["sample_ids"])
                dataset["targets"][target.name] = result
                print(
                    f" {result['rps']:>8,.0f} req/s  p50 {result['latency_ms']['p50']:>6.1f} ms  "
                    f"p99 {result['latency_ms']['p99']:>6.1f} ms"
                    + (f"  PROBLEM: {'; '.join(result['problems'])}" if result["problems"] else ""),
                    flush=True,
                )
                if result["problems"]:
                    exit_code = 1
            dataset["uptime_after"] = uptime()
            add_ratios(dataset)
            report["datasets"].append(dataset)
    finally:
        if sampler.is_alive():
            sampler.stop()
        for server in servers.values():
            server.stop()
    report["memory"] = sampler.summary()
    report["memory_samples"] = sampler.samples
    report["server_log_errors"] = {
        name: len(re.findall(r"Traceback|\[ERROR\]|\[CRITICAL\]", server.log_since(0)))
        for name, server in servers.items()
    }
    report["uptime_after"] = uptime()
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=1))
    shutil.copyfile(out, RESULTS / "latest.json")

    print()
    print(f"machine: {report['machine']['nproc']} x {report['machine']['cpu_model']}, "
          f"{report['machine']['memory_gib']} GiB; server {report['server']}")  # fmt: skip
    print(f"before: {report['uptime_before']}\nafter:  {report['uptime_after']}\n")
    for dataset in report["datasets"]:
        print(table(dataset), end="\n\n")
    print(growth_table(report["datasets"]), end="\n\n")
    print("SQL queries per request (Django test client, CaptureQueriesContext):\n")
    print(queries_table(report["datasets"]), end="\n\n")
    print("Resident memory (VmRSS MiB, master + workers, sampled every 0.5 s):\n")
    print(memory_table(report["memory"]), end="\n\n")
    if any(report["server_log_errors"].values()):
        print(f"errors in server logs: {report['server_log_errors']} (see {WORK})")
        exit_code = 1
    print(f"results: {out.relative_to(ROOT)}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
