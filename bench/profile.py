"""Where a request's time goes: one role's WSGI application called in process, profiled.

    TASKMANAGER_ROLE=api DATABASE_URL=... SECRET_KEY=... \
        python -m bench.profile --username bench --password P [--repeat 300] [--target detail] [--html DIR]

Calls the same WSGI callable the server runs (taskmanager.config.wsgi:
access log, metrics, request limits, Django) with a real Bearer token on a
seeded database (bench.seed), so every layer a served request passes through
is in the profile except the HTTP server itself. For each target it prints
the CPU milliseconds per request (``time.process_time``, after a warm-up)
and, with ``--html``, writes a pyinstrument profile of the repeated calls.
"""

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskmanager.config.settings")
os.environ.setdefault("METRICS_PORT", "0")

from bench.seed import CREATED_TITLE
from bench.targets import BULK_ACTIONS
from taskmanager.config.wsgi import application

PATCH_BODY = {"title": "Edited under load", "priority": "high", "tags": ["bench", "urgent"]}
CREATE_BODY = {"title": CREATED_TITLE, "priority": "high", "tags": ["bench", "work"]}


def call(method: str, path: str, headers: dict | None = None, body: dict | None = None) -> tuple[int, bytes]:
    """One request through the WSGI callable; (status, body)."""
    path, _, query = path.partition("?")
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if data:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(data))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status = []

    def start_response(line, _headers, _exc_info=None):
        status.append(int(line.split()[0]))

    chunks = application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return status[0], content


def targets(token: str) -> dict:
    auth = {"Authorization": f"Bearer {token}"}
    results = json.loads(call("GET", "/api/v1/tasks/?limit=5", auth)[1])["results"]
    task_id = results[0]["id"]
    detail = f"/api/v1/tasks/{task_id}/"
    ids = [task["id"] for task in results]
    return {
        "me": ("GET", "/api/v1/me/", auth, None),
        "detail": ("GET", detail, auth, None),
        "list_50": ("GET", "/api/v1/tasks/?limit=50", auth, None),
        "list_100": ("GET", "/api/v1/tasks/?limit=100", auth, None),
        "stats": ("GET", "/api/v1/tasks/stats/", auth, None),
        # The UI list page's two calls.
        "page_projects": ("GET", "/api/v1/projects/", auth, None),
        "page_tasks": ("GET", "/api/v1/tasks/?limit=50&offset=0&facets=stats%2Ctags", auth, None),
        "patch": ("PATCH", detail, auth, PATCH_BODY),
        "create": ("POST", "/api/v1/tasks/", auth, CREATE_BODY),
        # Alternately completes and reopens the five, as the benchmark does.
        "bulk": ("POST", "/api/v1/tasks/bulk/", auth, [{"ids": ids, "action": a} for a in BULK_ACTIONS]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", default="bench")
    parser.add_argument("--password", required=True)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--target", action="append", help="only these targets (repeatable)")
    parser.add_argument("--html", type=Path, help="write a pyinstrument profile per target here")
    args = parser.parse_args()

    account = {"username": args.username, "password": args.password}
    status, body = call("POST", "/api/v1/auth/token/", body=account)
    if status != 200:
        raise SystemExit(f"login failed: {status} {body[:200]!r}")
    chosen = targets(json.loads(body)["token"])
    created = []
    for name, (method, path, headers, request_body) in chosen.items():
        if args.target and name not in args.target:
            continue
        bodies = request_body if isinstance(request_body, list) else [request_body]
        for index in range(20):
            call(method, path, headers, bodies[index % len(bodies)])
        profiler = None
        if args.html:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
        started = time.process_time()
        for index in range(args.repeat):
            status, response = call(method, path, headers, bodies[index % len(bodies)])
            if name == "create":
                created.append(json.loads(response)["id"])
        spent = time.process_time() - started
        if profiler:
            profiler.stop()
            args.html.mkdir(parents=True, exist_ok=True)
            (args.html / f"{name}.html").write_text(profiler.output_html())
            (args.html / f"{name}.txt").write_text(profiler.output_text(unicode=False, show_all=False))
        print(f"{name:10} {status}  {spent / args.repeat * 1000:6.2f} ms CPU/request", flush=True)
    auth = chosen["detail"][2]
    for task_id in created:
        call("DELETE", f"/api/v1/tasks/{task_id}/", auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
