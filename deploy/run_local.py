"""Run the three roles locally on PostgreSQL: migrate, create a demo user, start API, UI and worker.

Used by `make run`. The API role listens on :8001, the UI role on :8000 and
the worker's health checks on :8002; the UI reaches the API over HTTP exactly
as in the cluster. The job queue lives in PostgreSQL, so this needs one: the
database taskmanager_local on 127.0.0.1:5432 (created when missing), or
DATABASE_URL. Without EMAIL_URL the worker prints the emails it sends.
Ctrl-C stops all three.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
API_PORT = int(os.environ.get("API_PORT", "8001"))
UI_PORT = int(os.environ.get("UI_PORT", "8000"))
WORKER_PORT = int(os.environ.get("WORKER_PORT", "8002"))
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taskmanager_local"
# Each server's Prometheus endpoint (METRICS_PORT); two servers cannot share one.
API_METRICS_PORT = int(os.environ.get("API_METRICS_PORT", "9101"))
UI_METRICS_PORT = int(os.environ.get("UI_METRICS_PORT", "9100"))
DEMO_USERNAME = "demo"


def main() -> int:
    DATA.mkdir(exist_ok=True)
    secret_file = DATA / "secret-key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(50))
    demo_password = secrets.token_urlsafe(12)
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
    api = {**base, "TASKMANAGER_ROLE": "api", "PORT": str(API_PORT), "METRICS_PORT": str(API_METRICS_PORT)}
    api.setdefault("DATABASE_URL", LOCAL_DATABASE_URL)
    api.setdefault("TASKMANAGER_UI_URL", f"http://127.0.0.1:{UI_PORT}")
    ui = {**base, "TASKMANAGER_ROLE": "ui", "PORT": str(UI_PORT), "METRICS_PORT": str(UI_METRICS_PORT)}
    ui["TASKMANAGER_API_URL"] = f"http://127.0.0.1:{API_PORT}"
    worker = {**api, "TASKMANAGER_ROLE": "worker", "PORT": str(WORKER_PORT), "SERVER_BIND": "127.0.0.1"}
    if not database_ensure(api["DATABASE_URL"]):
        return 1

    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=api, check=True)
    for env in (api, ui):
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    demo_user_ensure(api, demo_password)

    server = [sys.executable, str(ROOT / "deploy" / "serve.py")]
    processes = [
        subprocess.Popen(server, env=api, cwd=ROOT),
        subprocess.Popen(server, env=ui, cwd=ROOT),
        subprocess.Popen([*manage, "worker"], env=worker, cwd=ROOT),
    ]
    print(
        f"\n  UI:        http://127.0.0.1:{UI_PORT}/\n"
        f"  API:       http://127.0.0.1:{API_PORT}/api/v1/  (docs: /api/v1/docs/)\n"
        f"  Admin:     http://127.0.0.1:{API_PORT}/admin/\n"
        f"  Metrics:   http://127.0.0.1:{UI_METRICS_PORT}/metrics (UI), :{API_METRICS_PORT}/metrics (API)\n"
        f"  Worker:    http://127.0.0.1:{WORKER_PORT}/healthz (jobs on {_database_name(api['DATABASE_URL'])};"
        " emails printed here unless EMAIL_URL is set)\n"
        f"  Demo user: {DEMO_USERNAME} / {demo_password}  (new password on every start; also an admin)\n"
        "  Ctrl-C stops all three.\n",
        flush=True,
    )
    # A SIGTERM (a closed terminal, a process manager) stops every process like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    return 0 if all(p.returncode in (0, -signal.SIGTERM) for p in processes) else 1


def database_ensure(url: str) -> bool:
    """Create the database ``url`` names when it is missing; False, with a message, when unreachable."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        print(f"make run needs PostgreSQL (the job queue lives there); DATABASE_URL is {parsed.scheme}://...")
        return False
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    try:
        with psycopg.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        ) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created the database {name}")
    except psycopg.OperationalError as error:
        print(f"no PostgreSQL at {parsed.hostname}:{parsed.port or 5432}: {str(error).strip()}")
        print("start one (e.g. apt-get install postgresql) or set DATABASE_URL=postgres://...")
        return False
    return True


def _database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def demo_user_ensure(api_env: dict, password: str) -> None:
    """Create the demo admin, or give it this start's password.

    Unlike a cluster's pod starts, `make run` prints a fresh password each
    time, so it asks ensure_admin for the reset that it never does unasked.
    """
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "ensure_admin",
            "--username",
            DEMO_USERNAME,
            "--reset-password",
        ],
        env={**api_env, "TASKMANAGER_ADMIN_PASSWORD": password},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
