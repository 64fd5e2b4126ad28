"""The project's own processes (manage.py, the roles' servers, the worker) for tests that need a real one.

A thin layer over deploy.harness, which starts everything through the
image's entry point: the test settings and environments on top of it.
"""

import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from deploy.harness import (
    ROOT,
    RoleProcess,
    clean_env,
    free_port,
    manage,
    run_entrypoint,
    start_manage,
    wait_until_answers,
)
from tests.databases import new_scratch_database

__all__ = [
    "ROOT",
    "TEST_SECRET_KEY",
    "UNCOLLECTED_STATIC",
    "api_env",
    "api_server",
    "clean_env",
    "free_port",
    "manage",
    "metrics_port_env",
    "metrics_url",
    "registered_token",
    "role_server",
    "run_entrypoint",
    "start_manage",
    "wait_until_answers",
    "worker_env",
    "worker_process",
]

TEST_SECRET_KEY = "a-test-secret-key-that-is-long-enough-for-checks"
# Tests serve pages without running collectstatic first.
UNCOLLECTED_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


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
    with RoleProcess({**env, "SERVER_WORKERS": str(workers)}, log_path=log_path) as server:
        yield server.url


def api_env(database_url: str, **settings) -> dict:
    """The environment of an API role process on ``database_url``, plus ``settings``."""
    return clean_env(
        TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=database_url, **settings
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


@contextmanager
def worker_process(env: dict, log_path: Path, *, running: bool = True):
    """A real worker role process (`entrypoint.sh worker`), yielded as a RoleProcess.

    Yields once its /healthz answers and, with ``running``, says the job loop
    runs (so the database was ready); stopped with SIGTERM afterwards.
    """
    with RoleProcess({**env, "SERVER_BIND": "127.0.0.1"}, log_path=log_path) as worker:
        if running:
            _wait_until_running(worker)
        yield worker


def _wait_until_running(worker: RoleProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{worker.url}/healthz", timeout=2).json()
        if answer["checks"]["job_loop"] == "running":
            return
        if not worker.running:
            raise RuntimeError(f"worker exited with {worker.process.returncode}")
        time.sleep(0.2)
    raise TimeoutError(f"the worker's job loop did not start within {timeout} s")
