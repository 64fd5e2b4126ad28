"""The servers under test, started through the image's entry point (deploy.harness) and stopped.

What the rest of the benchmark needs from a server is its port, its
processes' pids and its access log; starting, waiting and stopping are the
harness's, shared with the tests and `make run`.
"""

import os
import runpy
from dataclasses import dataclass, field
from pathlib import Path

from bench.config import ROOT, WORK
from deploy.harness.commands import clean_env as harness_clean_env
from deploy.harness.ports import port_is_free
from deploy.harness.processes import RoleProcess, children_of

SERVE = ROOT / "deploy" / "serve.py"
__all__ = ["Server", "clean_env", "port_is_free", "server_settings"]


@dataclass
class Server:
    name: str
    port: int
    env: dict
    app: str | None = None
    root: Path | None = None  # the source tree to run, by default this one (bench/baseline.py)
    process: RoleProcess | None = None
    log_path: Path = field(init=False)

    def __post_init__(self):
        self.log_path = WORK / f"{self.name}.log"

    def start(self) -> None:
        self.process = RoleProcess(
            self.env,
            port=self.port,
            log_path=self.log_path,
            name=self.name,
            app_args=(self.app,) if self.app else (),
            root=self.root,
        )
        self.process.start(wait=False)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        self.process.ready_path, self.process.ready_status = path, 200
        try:
            self.process.wait_ready(timeout)
        except (RuntimeError, TimeoutError) as error:
            raise SystemExit(f"{self.name} not ready on :{self.port}: {error}; see {self.log_path}") from None

    def pids(self) -> list[int]:
        if self.process is None or not self.process.running:
            return []
        return [self.process.pid, *children_of(self.process.pid)]

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def clean_env() -> dict:
    """The harness's clean environment, without the server and database knobs a caller may export
    either: the benchmark measures the defaults the image ships."""
    drop = ("GUNICORN_", "ACCESS_LOG", "DB_", "STATIC", "DEBUG", "SECRET_KEY", "BENCH_FLOOR_")
    return {key: value for key, value in harness_clean_env().items() if not key.startswith(drop)}


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
    keys = ("workers", "blocking_threads", "blocking_threads_idle_timeout", "backlog", "workers_kill_timeout")
    return {"server": "granian", **{key: options[key] for key in keys}} | {
        "header_read_timeout_ms": options["http1_settings"].header_read_timeout,
        "access_log": "application",
    }
