"""Before the servers start: the database, migrations, static files, seeding; facts about the machine."""

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from bench.config import DB_NAME, ROOT
from deploy.harness import commands, databases


def recreate_database() -> tuple[str, str]:
    """A fresh, empty BENCH_DB on the POSTGRES_URL server: its URL, and the server's version string."""
    return databases.recreate_database(DB_NAME), databases.server_version()


def manage(env: dict, *args: str, root: Path = ROOT) -> str:
    """``manage.py ARGS`` through the image's entry point; the migrations as the image runs them."""
    run = commands.migrate if args[:1] == ("migrate",) else commands.manage
    try:
        return run(*(args[1:] if run is commands.migrate else args), env=env, check=True, root=root).stdout
    except commands.CommandFailed as error:
        raise SystemExit(str(error)) from None


def python_module(env: dict, module: str, *args: str, root: Path = ROOT) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], env=env, cwd=root, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"{module} failed:\n{completed.stdout}\n{completed.stderr}")
    # The JSON is the last line; the settings' log handler also writes to stdout.
    return json.loads(completed.stdout.strip().splitlines()[-1])


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


def commit() -> str | None:
    git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return git.stdout.strip() or None
