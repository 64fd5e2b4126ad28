"""The servers under test: started with deploy/serve.py as the image starts them, and stopped.

Deliberately small: process handling moves to the shared harness
(deploy/harness) later. What the rest of the benchmark needs from a server
is its port, its processes' pids and its access log.
"""

import contextlib
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.client import http_request
from bench.config import ROOT, WORK

SERVE = ROOT / "deploy" / "serve.py"


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

    def start(self) -> None:
        command = [sys.executable, str(SERVE), *([self.app] if self.app else [])]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env={**self.env, "PORT": str(self.port)},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                if http_request("GET", self.port, path)[0] == 200:
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


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def clean_env() -> dict:
    # Whatever the caller exported must not leak into the servers' settings:
    # the benchmark measures the defaults the image ships.
    drop = (
        *("SERVER_", "GUNICORN_", "ACCESS_LOG", "DJANGO_", "DATABASE_URL", "TASKMANAGER_", "DB_"),
        *("STATIC", "DEBUG", "SECRET_KEY", "BENCH_FLOOR_"),
    )
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


def server_settings(env: dict) -> dict:
    """The server options deploy/serve.py gives every server of the run, for the report."""
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
