"""The worker role's process: procrastinate's worker, its health server and stalled-job recovery.

One event loop runs the procrastinate worker (one job at a time, fetched from
PostgreSQL; new jobs are announced by LISTEN/NOTIFY, scheduled ones found by
polling), a tick that /healthz reads, and the periodic retry of jobs that a
dead worker left in "doing" (recovery.py). Jobs are synchronous Django code;
procrastinate runs each in a thread, so the loop keeps ticking and beating
while a job waits on SMTP.

Start-up waits until the role is ready (the database answers, every migration
is applied), so a worker started before `migrate` idles instead of failing.
SIGTERM (or Ctrl-C) stops fetching, gives the running job
TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT seconds to finish, and after that leaves
without it, exiting 0 (its transaction rolls back; stalled-job recovery runs
it again). A job loop that stops for any other
reason exits 1, so the container is restarted.
"""

import asyncio
import contextlib
import logging
import os
import signal

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate.contrib.django import app
from procrastinate.worker import Worker

from taskmanager.health.checks import readiness
from taskmanager.jobs.health import WorkerLiveness, health_server_start
from taskmanager.jobs.recovery import stalled_jobs_retry
from taskmanager.jobs.threads import thread_connections_closed
from taskmanager.metrics.exporter import metrics_endpoint_start

logger = logging.getLogger(__name__)

READINESS_WAIT_SECONDS = 2.0
# procrastinate cannot interrupt a synchronous job, so after the grace period
# (and this margin for its own abort) the process leaves without it.
ABANDON_MARGIN_SECONDS = 2.0
# The most database connections one worker process holds (the connection
# budget, docs/KUBERNETES.md): procrastinate's pool (psycopg_pool's default,
# 4) and its LISTEN connection, plus one Django connection for the running job
# (concurrency 1) and one for a readiness probe in flight; each job and probe
# closes its own when it ends (tests/jobs/test_worker.py counts them).
WORKER_CONNECTIONS = 4 + 1 + 1 + 1


def worker_run(bind: str, port: int, metrics_port: int = 0) -> int:
    """Serve the health checks (and metrics, on ``metrics_port`` unless 0) and run jobs until SIGTERM."""
    if metrics_port:
        try:
            metrics_endpoint_start(metrics_port, bind)
        except OSError as error:
            raise SystemExit(
                f"worker: cannot serve metrics on {bind}:{metrics_port}: {error}"
                " (METRICS_PORT; 0 turns it off)"
            ) from None
    liveness = WorkerLiveness()
    server = health_server_start(bind, port, liveness)
    try:
        # The Django connector cannot LISTEN; the worker gets a psycopg one on the same database.
        with app.replace_connector(app.connector.get_worker_connector()):
            return asyncio.run(_serve(liveness))
    finally:
        server.shutdown()
        server.server_close()


def worker_options() -> dict:
    stalled_after = settings.TASKMANAGER_WORKER_STALLED_AFTER
    return {
        "name": "taskmanager",
        "concurrency": 1,
        "fetch_job_polling_interval": settings.TASKMANAGER_WORKER_POLL_INTERVAL,
        "shutdown_graceful_timeout": settings.TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT,
        "update_heartbeat_interval": max(stalled_after / 4, 0.2),
        # At start, worker rows this old are deleted; their jobs are then recovered.
        "stalled_worker_timeout": stalled_after,
        # Our own handlers below: they also tell /healthz the stop was asked for.
        "install_signal_handlers": False,
    }


async def _serve(liveness: WorkerLiveness) -> int:
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    worker: Worker | None = None

    def stop():
        if stop_requested.is_set():
            return
        logger.info("stop requested: finishing the running job, taking no new ones")
        liveness.job_loop = "stopping"
        stop_requested.set()
        if worker is not None:
            worker.stop()
            loop.call_later(settings.TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT + ABANDON_MARGIN_SECONDS, _abandon)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    ticker = asyncio.create_task(_tick(liveness), name="liveness tick")
    try:
        if not await _ready_or_stopped(stop_requested):
            return 0
        async with app.open_async():
            app.perform_import_paths()
            worker = Worker(app=app, **worker_options())
            recovery = asyncio.create_task(_recover_periodically(), name="stalled job recovery")
            liveness.job_loop = "running"
            try:
                await worker.run()
            except Exception:
                logger.exception("the job loop failed")
            finally:
                recovery.cancel()
                await asyncio.gather(recovery, return_exceptions=True)
        if stop_requested.is_set():
            return 0
        logger.error("the job loop stopped without being asked to; exiting so the worker is restarted")
        return 1
    finally:
        liveness.job_loop = "stopped"
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def _abandon() -> None:
    """Leave with the job still running: its transaction rolls back with the connection, and the
    job, left in "doing", is queued again by the next worker's stalled-job recovery."""
    logger.warning("the running job outlasted the shutdown timeout; abandoning it to be run again")
    logging.shutdown()
    os._exit(0)


async def _tick(liveness: WorkerLiveness) -> None:
    while True:
        liveness.tick()
        await asyncio.sleep(1)


async def _ready_or_stopped(stop_requested: asyncio.Event) -> bool:
    """Wait until the role's readiness checks pass (True) or a stop is asked for (False)."""
    while not stop_requested.is_set():
        ready, checks = await sync_to_async(_readiness, thread_sensitive=False)()
        if ready:
            return True
        logger.info("waiting until ready: %s", checks)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_requested.wait(), READINESS_WAIT_SECONDS)
    return False


def _readiness() -> tuple[bool, dict]:
    with thread_connections_closed():
        return readiness()


async def _recover_periodically() -> None:
    """Retry stalled jobs now and every half stall threshold, whatever goes wrong in between."""
    stalled_after = settings.TASKMANAGER_WORKER_STALLED_AFTER
    while True:
        try:
            await stalled_jobs_retry(app, stalled_after)
        except Exception:
            logger.exception("stalled-job recovery failed; trying again later")
        await asyncio.sleep(max(stalled_after / 2, 0.5))
