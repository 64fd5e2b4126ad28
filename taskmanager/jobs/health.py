"""The worker role's only HTTP surface: GET /healthz and GET /readyz, on $PORT.

A worker serves no pages, so instead of the HTTP server of the other roles it
runs this small threaded server beside its event loop, answering in the same
JSON shapes as the other roles' health checks.

Liveness means the worker can still make progress: its event loop ticks (a
stuck loop stops fetching jobs, heartbeats and shutdown alike) and the job
loop is running (procrastinate stops it when, say, its heartbeat fails). Both
are read from ``WorkerLiveness``, which the event loop writes. Readiness is the
role's checks (the database answers, every migration is applied), the same
functions as the API's /readyz.
"""

import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from taskmanager.health.checks import readiness
from taskmanager.health.middleware import LIVENESS_PATH, READINESS_PATH
from taskmanager.jobs.threads import thread_connections_closed

logger = logging.getLogger(__name__)

# A loop that has not ticked (once a second) for this long is stuck.
STUCK_AFTER_SECONDS = 15.0


class WorkerLiveness:
    """What the event loop last said about itself; read by the health server's threads."""

    def __init__(self, stuck_after: float = STUCK_AFTER_SECONDS):
        self.stuck_after = stuck_after
        self.last_tick = time.monotonic()
        # "starting" (waiting until ready), "running", "stopping" (after SIGTERM) or "stopped".
        self.job_loop = "starting"

    def tick(self) -> None:
        self.last_tick = time.monotonic()

    def state(self) -> tuple[bool, dict]:
        stuck = time.monotonic() - self.last_tick > self.stuck_after
        checks = {"event_loop": "stuck" if stuck else "ok", "job_loop": self.job_loop}
        return not stuck and self.job_loop != "stopped", checks


class _HealthHandler(BaseHTTPRequestHandler):
    liveness: WorkerLiveness
    server_version = "taskmanager-worker"
    sys_version = ""

    def do_GET(self):
        path = self.path.partition("?")[0].rstrip("/")
        if path == LIVENESS_PATH:
            ok, checks = self.liveness.state()
            self._answer(ok, {"status": "ok" if ok else "unavailable", "checks": checks})
        elif path == READINESS_PATH:
            with thread_connections_closed():
                ok, checks = readiness()
            self._answer(ok, {"status": "ok" if ok else "unavailable", "checks": checks})
        else:
            self._send(HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, "not_found", "Not found."))

    def do_HEAD(self):
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"")

    def _method_not_allowed(self):
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _error(HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "Only GET is served here."),
        )

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _method_not_allowed

    def _answer(self, ok: bool, body: dict) -> None:
        self._send(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, json.dumps(body).encode())

    def _send(self, status: HTTPStatus, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        # Probes come every few seconds; their lines would drown the job log.
        logger.debug("health: " + format, *args)


def _error(status: HTTPStatus, code: str, message: str) -> bytes:
    return json.dumps({"error": {"status": int(status), "code": code, "message": message}}).encode()


def health_server_start(bind: str, port: int, liveness: WorkerLiveness) -> ThreadingHTTPServer:
    handler = type("HealthHandler", (_HealthHandler,), {"liveness": liveness})
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health-server", daemon=True).start()
    logger.info("worker health checks on http://%s:%d%s and %s", bind, port, LIVENESS_PATH, READINESS_PATH)
    return server
