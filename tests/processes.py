"""Starting the project's own processes (manage.py, the HTTP server) for tests that need a real one."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

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
)


def clean_env(**variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}
    env["PYTHONUNBUFFERED"] = "1"
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


@contextmanager
def role_server(env: dict, log_path: Path, *, workers: int = 1):
    """A real server process serving the project with ``env``; yields its base URL."""
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
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
