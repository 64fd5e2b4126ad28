"""Where the benchmark works and the knobs it reads from the environment (bench/run.py lists them)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / "work"

DB_NAME = os.environ.get("BENCH_DB", "taskmanager_bench")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
OPEN_LOOP_SECONDS = int(os.environ.get("BENCH_OPEN_LOOP_SECONDS", str(DURATION)))
# The measured time of each target, cut into ROUNDS windows taken in turns with the other targets of
# its request (bench/measure.py), each of whole seconds (as wrk takes them), together at least
# DURATION. Three rounds of 4 s: the requests in flight when a window ends (up to 8 a server,
# unfinished, uncounted) stay a small share of a window of UI pages (about 50 pages/s).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROUND_SECONDS = max(-(-DURATION // ROUNDS), 1)
DATASETS = [int(n) for n in os.environ.get("BENCH_DATASETS", "100,10000").split(",")]
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "18400"))

CONNECTIONS = 32
WRK_THREADS = 2
OPEN_LOOP_CONNECTIONS = 16
# After each open-loop pass wrk measures the target's rate again (for this long): the pass counts
# only if the machine's speed held, the two rates within this share of each other; otherwise the
# pass is repeated at half the new rate, up to OPEN_LOOP_ATTEMPTS passes (bench/measure.py).
OPEN_LOOP_RECHECK_SECONDS = max(DURATION // 2, 1)
OPEN_LOOP_STEADY_WITHIN = 0.15
OPEN_LOOP_ATTEMPTS = 3
MEMORY_SAMPLE_SECONDS = 0.5
