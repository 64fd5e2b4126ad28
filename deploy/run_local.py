"""Run both roles locally on SQLite: migrate, create a demo user, start API and UI.

Used by `make run`. The API role listens on :8001 and the UI role on :8000;
the UI reaches the API over HTTP exactly as in the cluster. Ctrl-C stops both.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
API_PORT = int(os.environ.get("API_PORT", "8001"))
UI_PORT = int(os.environ.get("UI_PORT", "8000"))
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
    api.setdefault("DATABASE_URL", f"sqlite:///{DATA / 'taskmanager.sqlite3'}")
    ui = {**base, "TASKMANAGER_ROLE": "ui", "PORT": str(UI_PORT), "METRICS_PORT": str(UI_METRICS_PORT)}
    ui["TASKMANAGER_API_URL"] = f"http://127.0.0.1:{API_PORT}"

    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=api, check=True)
    for env in (api, ui):
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    demo_user_ensure(api, demo_password)

    server = [sys.executable, str(ROOT / "deploy" / "serve.py")]
    processes = [
        subprocess.Popen(server, env=api, cwd=ROOT),
        subprocess.Popen(server, env=ui, cwd=ROOT),
    ]
    print(
        f"\n  UI:        http://127.0.0.1:{UI_PORT}/\n"
        f"  API:       http://127.0.0.1:{API_PORT}/api/v1/  (docs: /api/v1/docs/)\n"
        f"  Admin:     http://127.0.0.1:{API_PORT}/admin/\n"
        f"  Metrics:   http://127.0.0.1:{UI_METRICS_PORT}/metrics (UI), :{API_METRICS_PORT}/metrics (API)\n"
        f"  Demo user: {DEMO_USERNAME} / {demo_password}  (new password on every start; also an admin)\n"
        "  Ctrl-C stops both.\n",
        flush=True,
    )
    # A SIGTERM (a closed terminal, a process manager) stops both servers like Ctrl-C does.
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
