"""Driving the targets of one request: a first request and wrk's warm-up each, the measured windows
in turns, then for API targets (and the floor each is judged against) the open-loop pass; with
the CPU the servers spent, and whether every answer was a 2xx."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.client import http_request
from bench.config import (
    CONNECTIONS,
    OPEN_LOOP_ATTEMPTS,
    OPEN_LOOP_CONNECTIONS,
    OPEN_LOOP_RECHECK_SECONDS,
    OPEN_LOOP_SECONDS,
    OPEN_LOOP_STEADY_WITHIN,
    ROOT,
    ROUND_SECONDS,
    ROUNDS,
    WARMUP,
    WRK_THREADS,
)
from bench.goals import OPEN_LOOP_SHARE_OF_SATURATION, judging_floor
from bench.sampling import cpu_seconds, machine_cpu
from bench.targets import Target, fill

LUA = ROOT / "bench" / "wrk" / "request.lua"
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def run_wrk(port: int, target: Target, headers: dict, ids_file: Path, seconds: int) -> tuple[dict, str]:
    request = target.request
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA),
        *[item for name, value in headers.items() for item in ("-H", f"{name}: {value}")],
        f"http://127.0.0.1:{port}/", "--",
        request.method, request.path, request.body or "-", str(ids_file), str(WRK_THREADS),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    output = completed.stdout + completed.stderr
    match = re.search(r"^BENCH_RESULT (.*)$", output, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed for {target.name}:\n{output}")
    return json.loads(match.group(1)), output


def run_open_loop(port: int, target: Target, headers: dict, ids_file: Path, rate: float) -> dict:
    request = target.request
    command = [
        sys.executable, "-m", "bench.open_loop", "--port", str(port), "--rate", f"{rate:.1f}",
        "--seconds", str(OPEN_LOOP_SECONDS), "--connections", str(OPEN_LOOP_CONNECTIONS),
        "--method", request.method, "--path", request.path, "--body", request.body, "--ids", str(ids_file),
        *[item for name, value in headers.items() for item in ("--header", f"{name}: {value}")],
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        raise SystemExit(f"open-loop client failed for {target.name}:\n{completed.stdout}{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def wrk_problems(result: dict, output: str) -> list[str]:
    """What wrk itself reported wrong in one window: non-2xx/3xx answers, socket errors."""
    problems = []
    if "Non-2xx or 3xx responses" in output:
        problems.append("wrk reported non-2xx/3xx responses")
    errors = result["errors"]
    if any(errors[kind] for kind in ("connect", "read", "write", "timeout")):
        problems.append(f"socket errors: {errors}")
    return problems


def wait_for_quiet_log(*servers, timeout: float = 5.0) -> int:
    """Once the requests still queued from the last window have drained from every one of ``servers``
    (their logs stopped growing): the first one's log size."""
    deadline = time.monotonic() + timeout
    sizes = [server.log_size() for server in servers]
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = [server.log_size() for server in servers]
        if now == sizes:
            break
        sizes = now
    return sizes[0]


def status_counts(log_text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in ACCESS_LINE.finditer(log_text):
        counts[match.group("status")] = counts.get(match.group("status"), 0) + 1
    return counts


def _non_2xx(statuses: dict[str, int]) -> int:
    return sum(count for code, count in statuses.items() if not code.startswith("2"))


def first_request(target: Target, servers: dict, headers: dict, ids: list[str]) -> list[str]:
    """One request, which must succeed; answers the API calls it caused (those of a UI page)."""
    path, body = fill(target.request.path, target.request.body, ids, 0)
    request_headers = dict(headers)
    if body:
        request_headers["Content-Type"] = "application/json"
    api = servers[target.roles[-1]]  # for a page, the API it calls
    api_offset = wait_for_quiet_log(api)
    status, _headers, answer = http_request(
        target.request.method, servers[target.server].port, path, headers=request_headers, body=body or None
    )
    if not 200 <= status < 300:
        raise SystemExit(f"{target.name}: {target.request.method} {path} answered {status}: {answer[:300]!r}")
    time.sleep(0.2)
    return [m.group("request") for m in ACCESS_LINE.finditer(api.log_since(api_offset))]


def measure_interleaved(
    group: list[Target], servers: dict, headers: dict, ids_file: Path, sampler, ids: list[str]
) -> dict:
    """The targets of one request (the floors and the API, or the two UI pages), side by side.

    Each target gets its first request and its warm-up, then the measured
    time is cut into ROUNDS windows per target, run in turns (the order
    rotated each round), so that every target sees the machine at the same
    moments: this 2-core virtual machine has run the same code 40% slower
    from one minute to the next, and a ratio of two windows taken minutes
    apart measured that as much as the code. Then the open-loop passes.
    ``headers``: per target name. Answers each target's result by name.
    """
    calls = {}
    for target in group:
        calls[target.name] = first_request(target, servers, headers[target.name], ids)
        sampler.marker = f"warmup:{','.join(target.roles)}"
        run_wrk(servers[target.server].port, target, headers[target.name], ids_file, WARMUP)
    windows: dict[str, list] = {target.name: [] for target in group}
    working = [servers[name] for name in dict.fromkeys(name for target in group for name in target.roles)]
    for turn in range(ROUNDS):
        for target in group[turn % len(group) :] + group[: turn % len(group)]:
            # Not while the servers still answer the last window's queued requests (a page's take 0.7 s).
            wait_for_quiet_log(*working)
            windows[target.name].append(_window(target, servers, headers[target.name], ids_file, sampler))
    results = {}
    for target in group:
        measured = _summary(target, windows[target.name], calls[target.name])
        # The floor an API request is judged against runs the same pass: what bare code gets here.
        if target.server in ("api", judging_floor(target.request.kind)[0]):
            server = servers[target.server]
            measured["open_loop"] = open_loop(
                target, server, headers[target.name], ids_file, sampler, measured["rps"]
            )
            measured["problems"].extend(measured["open_loop"]["problems"])
        results[target.name] = measured
    return results


def _window(target: Target, servers: dict, headers: dict, ids_file: Path, sampler) -> dict:
    """One measured wrk window of ROUND_SECONDS, with the servers' CPU and access-log statuses in it."""
    offsets = {name: servers[name].log_size() for name in target.roles}
    load_before = os.getloadavg()
    pids = {name: servers[name].pids() for name in target.roles}
    cpu_before = {name: cpu_seconds(p) for name, p in pids.items()}
    machine_before = machine_cpu()
    sampler.marker = f"measure:{','.join(target.roles)}"
    result, output = run_wrk(servers[target.server].port, target, headers, ids_file, ROUND_SECONDS)
    sampler.marker = "idle"
    machine_after = machine_cpu()
    cpu_used = {name: cpu_seconds(p) - cpu_before[name] for name, p in pids.items()}
    load_after = os.getloadavg()
    time.sleep(0.3)  # let the last access-log lines land
    statuses = {name: status_counts(servers[name].log_since(offsets[name])) for name in target.roles}
    problems = wrk_problems(result, output)
    if _non_2xx(statuses[target.server]):
        problems.append(f"access log shows non-2xx answers: {statuses[target.server]}")
    return {
        "wrk": result,
        "cpu_seconds": cpu_used,
        "machine_cpu": (machine_after[0] - machine_before[0], machine_after[1] - machine_before[1]),
        "statuses": statuses,
        "load": (load_before, load_after),
        "problems": problems,
    }


def _summary(target: Target, windows: list[dict], api_calls: list[str]) -> dict:
    """A target's windows as one measurement: counts summed, the rate over the time of all of them."""
    results = [window["wrk"] for window in windows]
    requests = sum(result["requests"] for result in results)
    seconds = sum(result["duration_us"] for result in results) / 1e6
    per_request = max(requests, 1)
    statuses = {name: _added([window["statuses"][name] for window in windows]) for name in target.roles}
    cpu = {name: sum(window["cpu_seconds"][name] for window in windows) for name in target.roles}
    busy, total = (sum(window["machine_cpu"][i] for window in windows) for i in (0, 1))
    p50s = sorted(result["latency_us"]["p50"] for result in results)
    return {
        "label": target.label,
        "server": target.server,
        "kind": target.request.kind,
        "method": target.request.method,
        "path": target.request.path,
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1),
        # Over windows: the median window's p50, the worst window's p90, p99 and max.
        "latency_ms": {
            "p50": round(p50s[len(p50s) // 2] / 1000, 2),
            **{
                key: round(max(result["latency_us"][key] for result in results) / 1000, 2)
                for key in ("p90", "p99", "max")
            },
        },
        "rounds": [_round(found) for found in results],
        "bytes_per_response": round(sum(result["bytes"] for result in results) / per_request),
        # CPU the serving processes spent per request: unlike req/s, barely
        # moved by what else runs on the machine.
        "cpu_ms_per_request": {name: round(used * 1000 / per_request, 3) for name, used in cpu.items()},
        "machine_cpu_busy_pct": round(100 * busy / max(total, 1), 1),
        "wrk_errors": _added([result["errors"] for result in results]),
        "statuses": statuses,
        # The calls a cold UI process makes for its first page (server facts included)...
        "api_calls_per_request": api_calls if target.is_page else None,
        # ...and per page over the measured windows: what a page costs once /meta/ is cached.
        "api_calls_per_page": _calls_per_page(statuses, *target.roles) if target.is_page else None,
        "load_before": [round(x, 2) for x in windows[0]["load"][0]],
        "load_after": [round(x, 2) for x in windows[-1]["load"][1]],
        "problems": [problem for window in windows for problem in window["problems"]],
        "open_loop": None,
    }


def _round(result: dict) -> dict:
    return {
        "rps": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "p99_ms": round(result["latency_us"]["p99"] / 1000, 2),
    }


def _added(counters: list[dict]) -> dict:
    total: dict = {}
    for counter in counters:
        for key, count in counter.items():
            total[key] = total.get(key, 0) + count
    return total


def _calls_per_page(statuses: dict, page_server: str, api_server: str) -> float:
    # To one decimal: pages in flight at the window's edges have only some of their calls inside it.
    pages = sum(statuses[page_server].values())
    return round(sum(statuses[api_server].values()) / pages, 1) if pages else 0.0


def open_loop(target: Target, server, headers: dict, ids_file: Path, sampler, saturation_rps: float) -> dict:
    """The target at a fixed share of the rate wrk just measured, latency from each request's due time.

    "Half its saturation" holds only while the machine's speed holds: this
    2-core virtual machine has run the same code 40% slower from one window
    to the next. So wrk measures the rate again right after the pass; when
    the two rates differ by more than OPEN_LOOP_STEADY_WITHIN the pass ran
    at some other share of what the server could do then, and is repeated at
    half the new rate. The pass reported is the first steady one (else the
    last); every pass is kept under "passes". The choice looks only at the
    rates around a pass, never at its latencies.
    """
    passes = []
    for _attempt in range(OPEN_LOOP_ATTEMPTS):
        result = _open_loop_pass(target, server, headers, ids_file, sampler, saturation_rps)
        sampler.marker = f"recheck:{target.server}"
        recheck, output = run_wrk(server.port, target, headers, ids_file, OPEN_LOOP_RECHECK_SECONDS)
        sampler.marker = "idle"
        after_rps = recheck["requests"] / max(recheck["duration_us"] / 1e6, 1e-9)
        result["problems"] += [f"open loop's recheck: {problem}" for problem in wrk_problems(recheck, output)]
        result["saturation_rps"] = {"before": round(saturation_rps, 1), "after": round(after_rps, 1)}
        result["steady"] = abs(after_rps / saturation_rps - 1) <= OPEN_LOOP_STEADY_WITHIN
        passes.append(result)
        if result["steady"]:
            break
        saturation_rps = after_rps
    chosen = next((found for found in passes if found["steady"]), passes[-1])
    summaries = [
        {key: found[key] for key in ("rate", "saturation_rps", "steady", "latency_ms")} for found in passes
    ]
    problems = [problem for found in passes for problem in found["problems"]]
    return chosen | {"passes": summaries, "problems": problems}


def _open_loop_pass(target: Target, server, headers: dict, ids_file: Path, sampler, saturation_rps) -> dict:
    rate = max(saturation_rps * OPEN_LOOP_SHARE_OF_SATURATION, 1.0)
    offset = wait_for_quiet_log(server)
    sampler.marker = f"open-loop:{target.server}"
    result = run_open_loop(server.port, target, headers, ids_file, rate)
    sampler.marker = "idle"
    time.sleep(0.3)
    statuses = status_counts(server.log_since(offset))
    result["access_log_statuses"] = statuses
    result["problems"] = []
    if result["non_2xx"] or _non_2xx(statuses):
        result["problems"].append(f"open loop: non-2xx answers: {result['statuses']} (log {statuses})")
    if result["errors"]:
        result["problems"].append(f"open loop: errors: {result['errors']}")
    return result
