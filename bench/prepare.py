"""Before the servers start: the database, migrations, static files, seeding; facts about the machine."""

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg

from bench.config import ADMIN_URL, DB_NAME, ROOT


def recreate_database() -> tuple[str, str]:
    """A fresh, empty BENCH_DB: its URL, and the server's version string."""
    admin = urlparse(ADMIN_URL)
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
        version = connection.execute("SELECT version()").fetchone()[0]
    return f"{admin.scheme}://{admin.netloc}/{DB_NAME}", version


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
