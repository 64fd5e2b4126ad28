"""Run the three roles locally on PostgreSQL: migrate, create a demo user, start API, UI and worker.

Used by `make run` (`python -m deploy.run_local`). The API role listens on
:8001, the UI role on :8000 and the worker's health checks on :8002; the UI
reaches the API over HTTP exactly as in the cluster. Every step goes through
the image's entry point (deploy.harness). The job queue lives in PostgreSQL,
so this needs one: the database taskmanager_local on the server of
POSTGRES_URL (127.0.0.1:5432 by default; created when missing), or
DATABASE_URL. Without EMAIL_URL the worker prints the emails it sends.
Ctrl-C stops all three.
"""

import os
import secrets
import signal
import sys
import time
from urllib.parse import urlparse

import psycopg

from deploy.harness import (
    ROOT,
    CommandFailed,
    RoleProcess,
    database_name,
    database_url,
    ensure_database,
    manage,
    migrate,
    run_entrypoint,
)

DATA = ROOT / "data"
API_PORT = int(os.environ.get("API_PORT", "8001"))
UI_PORT = int(os.environ.get("UI_PORT", "8000"))
WORKER_PORT = int(os.environ.get("WORKER_PORT", "8002"))
LOCAL_DATABASE = "taskmanager_local"
# Each server's Prometheus endpoint (METRICS_PORT); two servers cannot share one.
API_METRICS_PORT = int(os.environ.get("API_METRICS_PORT", "9101"))
UI_METRICS_PORT = int(os.environ.get("UI_METRICS_PORT", "9100"))
WORKER_METRICS_PORT = int(os.environ.get("WORKER_METRICS_PORT", "9102"))
DEMO_USERNAME = "demo"


def main() -> int:
    DATA.mkdir(exist_ok=True)
    secret_file = DATA / "secret-key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(50))
    demo_password = secrets.token_urlsafe(12)
    # The caller's own settings (DEBUG, EMAIL_URL, DATABASE_URL...) go to every role.
    base = {
        **os.environ,
        "SECRET_KEY": secret_file.read_text().strip(),
        "DEBUG": os.environ.get("DEBUG", "false"),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]",
        "PYTHONUNBUFFERED": "1",
        "SERVER_WORKERS": "1",
    }
    # Each server makes its own metrics directory; a shared one would mix (and wipe) the two.
    base.pop("PROMETHEUS_MULTIPROC_DIR", None)
    api = {**base, "TASKMANAGER_ROLE": "api", "METRICS_PORT": str(API_METRICS_PORT)}
    api.setdefault("DATABASE_URL", database_url(LOCAL_DATABASE))
    api.setdefault("TASKMANAGER_UI_URL", f"http://127.0.0.1:{UI_PORT}")
    ui = {**base, "TASKMANAGER_ROLE": "ui", "METRICS_PORT": str(UI_METRICS_PORT)}
    ui["TASKMANAGER_API_URL"] = f"http://127.0.0.1:{API_PORT}"
    worker = {
        **api,
        "TASKMANAGER_ROLE": "worker",
        "SERVER_BIND": "127.0.0.1",
        "METRICS_PORT": str(WORKER_METRICS_PORT),
    }
    if not database_ready(api["DATABASE_URL"]):
        return 1
    try:
        migrate("-v0", env=api)
        for env in (api, ui):
            manage("collectstatic", "--noinput", "-v0", env=env, timeout=300, check=True)
        demo_user_ensure(api, demo_password)
    except CommandFailed as failure:
        print(failure, file=sys.stderr)
        return 1

    roles = [
        RoleProcess(api, port=API_PORT, ready_path="/readyz", ready_status=200),
        RoleProcess(ui, port=UI_PORT),
        RoleProcess(worker, port=WORKER_PORT),
    ]
    # A SIGTERM (a closed terminal, a process manager) stops every process like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    failed = False
    try:
        for role in roles:
            role.start(wait=False)
        for role in roles:
            role.wait_ready()
        print(banner(api["DATABASE_URL"], demo_password), flush=True)
        while all(role.running for role in roles):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError) as error:
        print(error, file=sys.stderr)
        failed = True
    finally:
        # All at once: each role's graceful stop runs while the others' do.
        for role in roles:
            role.terminate()
        exit_codes = [role.stop() for role in roles]
    return 0 if not failed and all(code in (0, -signal.SIGTERM) for code in exit_codes) else 1


def banner(database: str, demo_password: str) -> str:
    return (
        f"\n  UI:        http://127.0.0.1:{UI_PORT}/\n"
        f"  API:       http://127.0.0.1:{API_PORT}/api/v1/  (docs: /api/v1/docs/)\n"
        f"  Admin:     http://127.0.0.1:{API_PORT}/admin/\n"
        f"  Metrics:   http://127.0.0.1:{UI_METRICS_PORT}/metrics (UI), :{API_METRICS_PORT}/metrics (API)\n"
        f"  Worker:    http://127.0.0.1:{WORKER_PORT}/healthz (jobs on {database_name(database)};"
        " emails printed here unless EMAIL_URL is set)\n"
        f"  Demo user: {DEMO_USERNAME} / {demo_password}  (new password on every start; also an admin)\n"
        "  Ctrl-C stops all three.\n"
    )


def database_ready(url: str) -> bool:
    """Create the database ``url`` names when it is missing; False, with a message, when unreachable."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        print(f"make run needs PostgreSQL (the job queue lives there); DATABASE_URL is {parsed.scheme}://...")
        return False
    try:
        if ensure_database(url):
            print(f"created the database {database_name(url)}")
    except psycopg.OperationalError as error:
        print(f"no PostgreSQL at {parsed.hostname}:{parsed.port or 5432}: {str(error).strip()}")
        print(
            "start one (e.g. apt-get install postgresql) or set POSTGRES_URL or DATABASE_URL=postgres://..."
        )
        return False
    return True


def demo_user_ensure(api_env: dict, password: str) -> None:
    """Create the demo admin, or give it this start's password.

    Unlike a cluster's pod starts, `make run` prints a fresh password each
    time, so it asks ensure-admin for the reset that it never does unasked.
    """
    run_entrypoint(
        "ensure-admin",
        "--username",
        DEMO_USERNAME,
        "--reset-password",
        env={**api_env, "TASKMANAGER_ADMIN_PASSWORD": password},
        check=True,
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
