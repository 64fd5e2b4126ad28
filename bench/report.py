"""The results as the issue judges them: ratios to both floors, goals met or not, tables, JSON."""

import json
import shutil

from bench import goals
from bench.config import RESULTS, ROOT
from bench.targets import FLOORS


def add_goals(dataset: dict) -> None:
    """Ratios of each target to both floors' same request, and each goal of the issue with its verdict."""
    targets = dataset["targets"]
    for result in targets.values():
        for floor in FLOORS:
            same = targets.get(f"{floor}_{result['kind']}")
            result[f"ratio_to_{floor}"] = (
                round(result["rps"] / same["rps"], 3) if same and same["rps"] else None
            )
            # Round by round: each pair of windows was taken in the same turn (bench/measure.py).
            result[f"round_ratios_to_{floor}"] = _round_ratios(result, same)
        baseline = targets.get(f"baseline_{result['kind']}")
        result["goals"] = _goals(result, baseline["rps"] if baseline else None)
        verdicts = [goal["met"] for goal in result["goals"]]
        result["meets_goals"] = None if not verdicts else all(v is True for v in verdicts)


def _round_ratios(result: dict, same: dict | None) -> list[float] | None:
    if not same or not all(found["rps"] for found in same["rounds"]):
        return None
    pairs = zip(result["rounds"], same["rounds"], strict=True)
    return [round(mine["rps"] / theirs["rps"], 3) for mine, theirs in pairs]


def _goals(result: dict, baseline_rps: float | None) -> list[dict]:
    found = []
    if result["server"] == "api":
        floor, share = goals.judging_floor(result["kind"])
        ratio = result[f"ratio_to_{floor}"]
        found.append(_goal(f">= {share} of {floor} floor", ratio, None if ratio is None else ratio >= share))
        p99 = result["open_loop"]["latency_ms"]["p99"] if result.get("open_loop") else None
        limit = goals.P99_MS_AT_HALF_SATURATION
        found.append(_goal(f"open-loop p99 < {limit:.0f} ms", p99, None if p99 is None else p99 < limit))
    elif result["server"] == "ui":
        # Averaged over the measured window (the first page of a process also reads /meta/).
        calls = result.get("api_calls_per_page") or 0.0
        most = goals.UI_API_CALLS_PER_PAGE
        found.append(_goal(f"<= {most} API calls/page (makes {calls:.1f})", calls, calls <= most))
        wanted = f">= {goals.UI_SPEEDUP_OVER_BASELINE:g}x the page at {goals.UI_BASELINE_COMMIT}"
        if baseline_rps:
            speedup = result["rps"] / baseline_rps
            found.append(
                _goal(
                    f"{wanted} ({speedup:.2f}x of {baseline_rps:.0f} pages/s)",
                    round(speedup, 3),
                    speedup >= goals.UI_SPEEDUP_OVER_BASELINE,
                )
            )
        else:  # not measured in this run (BENCH_ONLY): no verdict
            found.append(_goal(f"{wanted} (not measured)", None, None))
    return found


def _goal(text: str, value, met) -> dict:
    return {"goal": text, "value": value, "met": met}


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _verdict(met) -> str:
    return {True: "yes", False: "**no**", None: "-"}[met]


def table(dataset: dict) -> str:
    lines = [
        f"#### {dataset['tasks']:,} tasks in the database",
        "",
        "Rates over all rounds; the judging floor's ratio round by round (windows taken in the same turn) "
        "as lowest-highest.",
        "",
        "| target | req/s | p50 ms | p99 ms | / raw floor | / Django floor | by round | open-loop p99 ms "
        "| goals | met | server CPU ms/req | box busy |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for result in dataset["targets"].values():
        loop = result.get("open_loop")
        loop_p99 = f"{loop['latency_ms']['p99']:.1f} at {loop['rate']:,.0f}/s" if loop else "-"
        goal_text = "; ".join(f"{g['goal']}: {_verdict(g['met'])}" for g in result["goals"]) or "-"
        cpu = " + ".join(f"{ms:.2f}" for ms in result["cpu_ms_per_request"].values())
        ratios = result.get(f"round_ratios_to_{goals.judging_floor(result['kind'])[0]}")
        by_round = f"{min(ratios):.2f}-{max(ratios):.2f}" if result["server"] == "api" and ratios else "-"
        lines.append(
            f"| {result['label']} | {result['rps']:,.0f} | {result['latency_ms']['p50']:.1f} "
            f"| {result['latency_ms']['p99']:.1f} | {_ratio(result['ratio_to_raw'])} "
            f"| {_ratio(result['ratio_to_django'])} | {by_round} | {loop_p99} | {goal_text} "
            f"| {_verdict(result['meets_goals'])} "
            f"| {cpu} | {result['machine_cpu_busy_pct']:.0f}% |"
        )
    return "\n".join(lines)


def open_loop_table(dataset: dict) -> str:
    lines = [
        f"#### Open loop, {dataset['tasks']:,} tasks: API targets, and the floor each is judged against, "
        "at half their wrk rate",
        "",
        "wrk rate before -> after: the pass's rate is half the first; a pass counts as steady when the "
        "second is within the configured share of it, else it was repeated (passes). The goal is the "
        "API's; the floors' rows show what bare code gets on the same machine under the same rule.",
        "",
        "| target | rate/s | wrk rate before -> after | passes | steady | achieved/s | p50 ms | p90 ms "
        "| p99 ms | max ms | non-2xx | errors | client woke late p99 / max ms | client CPU ms/req |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for result in dataset["targets"].values():
        loop = result.get("open_loop")
        if not loop:
            continue
        latency, late = loop["latency_ms"], loop["client_woke_late_ms"]
        errors = ", ".join(f"{kind} {count}" for kind, count in loop["errors"].items()) or "0"
        rates = loop["saturation_rps"]
        lines.append(
            f"| {result['label']} | {loop['rate']:,.0f} | {rates['before']:,.0f} -> {rates['after']:,.0f} "
            f"| {len(loop['passes'])} | {'yes' if loop['steady'] else '**no**'} "
            f"| {loop['achieved_rps']:,.0f} | {latency['p50']:.1f} "
            f"| {latency['p90']:.1f} | {latency['p99']:.1f} | {latency['max']:.1f} | {loop['non_2xx']} "
            f"| {errors} | {late['p99']:.1f} / {late['max']:.1f} | {loop['client_cpu_ms_per_request']:.3f} |"
        )
    return "\n".join(lines) if len(lines) > 6 else ""


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
    names = list(datasets[0].get("queries", {})) if datasets else []
    if not names:
        return ""
    header = " | ".join(f"{d['tasks']:,} tasks" for d in datasets)
    lines = [f"| request | {header} |", "| --- |" + " ---: |" * len(datasets)]
    for name in names:
        counts = " | ".join(str(d["queries"][name]["queries"]) for d in datasets if name in d["queries"])
        lines.append(f"| {name} | {counts} |")
    return "\n".join(lines)


def write(report: dict, started) -> str:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=1))
    shutil.copyfile(out, RESULTS / "latest.json")
    return str(out.relative_to(ROOT))


def print_report(report: dict, out: str) -> None:
    print()
    print(f"machine: {report['machine']['nproc']} x {report['machine']['cpu_model']}, "
          f"{report['machine']['memory_gib']} GiB; server {report['server']}")  # fmt: skip
    print(f"before: {report['uptime_before']}\nafter:  {report['uptime_after']}\n")
    for dataset in report["datasets"]:
        print(table(dataset), end="\n\n")
        loop = open_loop_table(dataset)
        if loop:
            print(loop, end="\n\n")
    print(growth_table(report["datasets"]), end="\n\n")
    print("SQL queries per request (Django test client, CaptureQueriesContext):\n")
    print(queries_table(report["datasets"]), end="\n\n")
    print("Resident memory (VmRSS MiB, master + workers, sampled every 0.5 s):\n")
    print(memory_table(report["memory"]), end="\n\n")
    print(f"results: {out}")
