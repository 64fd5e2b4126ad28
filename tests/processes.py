"""Starting the project's own processes (manage.py, the HTTP server) for tests that need a real one."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.databases import new_scratch_database

ROOT = Path(__file__).resolve().parents[1]
# The server the image runs (deploy/serve.py), started the same way everywhere.
SERVER_COMMAND = (sys.executable, str(ROOT / "deploy" / "serve.py"))

# Variables the test settings or the caller's shell may set; each test states its own.
_PROJECT_VARIABLES = (
    "TASKMANAGER_ROLE",
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "TASKMANAGER_API_URL",
    "DJANGO_SETTINGS_MODULE",
    "STATICFILES_STORAGE",
    "STATIC_ROOT",
    "ALLOWED_HOSTS",
    "METRICS_PORT",
    "PROMETHEUS_MULTIPROC_DIR",
    "EMAIL_URL",
    "TASKMANAGER_UI_URL",
    "TASKMANAGER_EMAIL_FROM",
)


def clean_env(**variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}
    env["PYTHONUNBUFFERED"] = "1"
    # Not the default metrics port (9100), which servers of other tests and
    # other checkouts on the machine would share; a test that scrapes names a
    # free one (metrics_port_env).
    env["METRICS_PORT"] = "0"
    env.update({k: v for k, v in variables.items() if v is not None})
    return env


def manage(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def metrics_port_env(directory: Path | None = None) -> dict:
    """Settings that serve a server's metrics on a free port (and keep its metric files in ``directory``)."""
    settings = {"METRICS_PORT": str(free_port())}
    if directory is not None:
        settings["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return settings


def metrics_url(env: dict) -> str:
    return f"http://127.0.0.1:{env['METRICS_PORT']}/metrics"


@contextmanager
def role_server(env: dict, log_path: Path, *, workers: int = 1):
    """A real server process serving the project with ``env``; yields its base URL.

    With a METRICS_PORT in ``env`` (metrics_port_env), its metrics endpoint
    answers too before this yields.
    """
    port = free_port()
    env = {**env, "PORT": str(port), "SERVER_WORKERS": str(workers)}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            list(SERVER_COMMAND),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(f"{base_url}/healthz", process)
            if env.get("METRICS_PORT", "0") != "0":
                wait_until_answers(metrics_url(env), process)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


TEST_SECRET_KEY = "a-test-secret-key-that-is-long-enough-for-checks"
# Tests serve pages without running collectstatic first.
UNCOLLECTED_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def api_env(database_url: str, **settings) -> dict:
    """The environment of an API role process on ``database_url``, plus ``settings``."""
    return clean_env(
        TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=database_url, **settings
    )


def start_manage(*args: str, env: dict) -> subprocess.Popen:
    """``manage.py ARGS`` left running, its output (stdout and stderr together) piped as text."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextmanager
def api_server(log_path: Path, *, database_prefix: str, workers: int = 1, **settings):
    """A real API role process on a new, migrated scratch database; yields its base URL."""
    with new_scratch_database(database_prefix) as database_url:
        env = api_env(
            database_url, ALLOWED_HOSTS="127.0.0.1", STATICFILES_STORAGE=UNCOLLECTED_STATIC, **settings
        )
        migrated = manage("migrate", "--noinput", "-v0", env=env)
        assert migrated.returncode == 0, migrated.stderr
        with role_server(env, log_path, workers=workers) as base_url:
            yield base_url


def registered_token(base_url: str, username: str, password: str) -> str:
    """Sign ``username`` up on a real API process and return a token for it."""
    account = {"username": username, "password": password}
    registered = httpx.post(f"{base_url}/api/v1/auth/register/", json=account, timeout=10)
    assert registered.status_code == 201, registered.text
    response = httpx.post(f"{base_url}/api/v1/auth/token/", json=account, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def worker_env(database_url: str, **settings) -> dict:
    """The environment of a worker role process on ``database_url``, plus ``settings``."""
    return clean_env(
        TASKMANAGER_ROLE="worker", SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=database_url, **settings
    )


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    base_url: str

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then its exit status (killed after ``timeout`` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@contextmanager
def worker_process(env: dict, log_path: Path, *, running: bool = True):
    """A real worker role process (``manage.py worker``, as `entrypoint.sh worker` runs it).

    Yields once its /healthz answers and, with ``running``, says the job loop
    runs (so the database was ready); stopped with SIGTERM afterwards.
    """
    port = free_port()
    env = {**env, "PORT": str(port), "SERVER_BIND": "127.0.0.1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "worker"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = WorkerProcess(process, f"http://127.0.0.1:{port}")
        try:
            wait_until_answers(f"{worker.base_url}/healthz", process)
            if running:
                _wait_until_running(worker)
            yield worker
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def _wait_until_running(worker: WorkerProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{worker.base_url}/healthz", timeout=2).json()
        if answer["checks"]["job_loop"] == "running":
            return
        if worker.process.poll() is not None:
            raise RuntimeError(f"worker exited with {worker.process.returncode}")
        time.sleep(0.2)
    raise TimeoutError(f"the worker's job loop did not start within {timeout} s")
