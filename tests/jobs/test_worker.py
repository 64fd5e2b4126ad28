"""The worker role as real processes: health, SIGTERM, exactly-once sending, SIGKILL recovery, failures.

Each test commits its rows (transactional database), starts `manage.py
worker` processes on that database and a real SMTP server on 127.0.0.1, and
waits for what the worker does, each wait bounded.
"""

import time
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from taskmanager.jobs.worker import WORKER_CONNECTIONS
from taskmanager.reminders.jobs import SEND_REMINDER, send_reminder
from taskmanager.reminders.models import Reminder
from tests.mail import message_parts, smtp_server
from tests.metrics.scraping import scrape
from tests.processes import free_port, metrics_port_env, metrics_url, worker_env, worker_process
from tests.reminders.helpers import reminder_due_in

pytestmark = pytest.mark.django_db(transaction=True)


def _log(path) -> str:
    return path.read_text(errors="replace")[-4000:]


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def _sent_at(reminder: dict):
    return Reminder.objects.values_list("sent_at", flat=True).get(id=reminder["id"])


def test_health_answers_and_sigterm_exits_zero(fast_worker_env, tmp_path):
    log = tmp_path / "worker.log"
    with worker_process(fast_worker_env(), log) as worker:
        live = httpx.get(f"{worker.url}/healthz", timeout=5)
        assert live.status_code == 200
        assert live.json() == {"status": "ok", "checks": {"event_loop": "ok", "job_loop": "running"}}
        assert live.headers["Cache-Control"] == "no-store"
        ready = httpx.get(f"{worker.url}/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
        # Nothing else is served.
        assert httpx.get(f"{worker.url}/api/v1/tasks/", timeout=5).status_code == 404
        assert httpx.post(f"{worker.url}/healthz", timeout=5).status_code == 405
        started = time.monotonic()
        assert worker.stop(timeout=15) == 0, _log(log)
        assert time.monotonic() - started < 10


def _connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_readiness_probes_leave_no_connection_behind(fast_worker_env, tmp_path):
    # Each probe is answered in a thread of its own: one that kept its
    # persistent connection would add one on the server per probe.
    with worker_process(fast_worker_env(DB_CONN_MAX_AGE="60"), tmp_path / "worker.log") as worker:
        httpx.get(f"{worker.url}/readyz", timeout=5)
        before = _connections_to_this_database()
        for _ in range(15):
            assert httpx.get(f"{worker.url}/readyz", timeout=5).status_code == 200
        assert _connections_to_this_database() == before


def test_jobs_leave_no_connection_behind(fast_worker_env, tmp_path):
    # Jobs run on whichever executor thread is free; a thread that kept its
    # persistent connection would hold it after the job, outside the budget
    # (tests/deploy/test_connection_budget.py counts WORKER_CONNECTIONS).
    log = tmp_path / "worker.log"
    with smtp_server() as smtp:
        env = fast_worker_env(EMAIL_URL=smtp.url, DB_CONN_MAX_AGE="60")
        with worker_process(env, log) as worker:
            httpx.get(f"{worker.url}/readyz", timeout=5)
            at_rest = _connections_to_this_database()
            for n in range(5):
                reminder_due_in(1, username=f"user{n}")
            smtp.wait_for_messages(5, timeout=30)
            _wait_for(
                lambda: not ProcrastinateJob.objects.filter(status__in=["todo", "doing"]).exists(),
                timeout=30,
                what="every job finished",
            )
            assert _connections_to_this_database() == at_rest, _log(log)
            assert at_rest < WORKER_CONNECTIONS


def test_without_its_database_it_is_alive_but_not_ready(tmp_path):
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/taskmanager"
    with worker_process(worker_env(nowhere), tmp_path / "worker.log", running=False) as worker:
        live = httpx.get(f"{worker.url}/healthz", timeout=5)
        assert live.status_code == 200
        assert live.json()["checks"]["job_loop"] == "starting"
        ready = httpx.get(f"{worker.url}/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
        assert worker.stop(timeout=15) == 0


def test_two_workers_and_duplicate_jobs_send_one_email(fast_worker_env, tmp_path):
    reminder = reminder_due_in(1)
    # Duplicates of its job, as a stalled-job retry or a race could make: harmless.
    for _ in range(3):
        send_reminder.defer(reminder_id=str(reminder["id"]), fire_at=reminder["fire_at"].isoformat())
    with smtp_server() as smtp:
        envs = [
            fast_worker_env(EMAIL_URL=smtp.url, **metrics_port_env(tmp_path / f"metrics-{n}")) for n in (1, 2)
        ]
        with (
            worker_process(envs[0], tmp_path / "first.log"),
            worker_process(envs[1], tmp_path / "second.log"),
        ):
            smtp.wait_for_messages(1, timeout=30)
            _wait_for(
                lambda: not ProcrastinateJob.objects.filter(status__in=["todo", "doing"]).exists(),
                timeout=30,
                what="every job finished",
            )
            scrapes = [scrape(metrics_url(env)) for env in envs]
        # Each worker's endpoint counts its own runs: four in all, each timed.
        jobs = {"task": SEND_REMINDER}
        assert sum(s.total("taskmanager_jobs_total", **jobs, outcome="succeeded") for s in scrapes) == 4
        assert sum(s.total("taskmanager_jobs_total", **jobs, outcome="raised") for s in scrapes) == 0
        assert sum(s.total("taskmanager_job_duration_seconds_count", **jobs) for s in scrapes) == 4
        assert len(smtp.messages) == 1
        assert ProcrastinateJob.objects.filter(task_name=SEND_REMINDER, status="succeeded").count() == 4
        assert _sent_at(reminder) is not None
        message = smtp.messages[0]
        assert message["To"] == "alice@example.com"
        assert message["Message-ID"].strip().startswith(f"<reminder.{reminder['id']}.")
        parts = message_parts(message)
        assert set(parts) == {"text/plain", "text/html"}
        assert "http://ui.test/settings/" in parts["text/plain"]
        assert 'href="http://ui.test/settings/"' in parts["text/html"]


def test_a_worker_killed_while_sending_leaves_the_reminder_to_the_next_one(fast_worker_env, tmp_path):
    reminder = reminder_due_in(1)
    with smtp_server(stall_first=True) as smtp:
        env = fast_worker_env(EMAIL_URL=smtp.url)
        with worker_process(env, tmp_path / "killed.log") as doomed:
            assert smtp.stalled.wait(30), _log(tmp_path / "killed.log")
            doomed.kill()
        smtp.release()
        job = ProcrastinateJob.objects.get(task_name=SEND_REMINDER)
        assert job.status == "doing"
        assert _sent_at(reminder) is None
        with worker_process(env, tmp_path / "next.log"):
            smtp.wait_for_messages(1, timeout=30)
            _wait_for(lambda: _sent_at(reminder), timeout=10, what="sent_at set")
            time.sleep(1)
        assert len(smtp.messages) == 1
        job.refresh_from_db()
        assert job.status == "succeeded"
        assert f"job {job.id} (reminders.send) was stalled in a dead worker" in _log(tmp_path / "next.log")


def test_a_failing_job_is_retried_then_listed_as_failed(fast_worker_env, tmp_path):
    reminder = reminder_due_in(1)
    with (
        smtp_server(refuse=True) as smtp,
        worker_process(env := fast_worker_env(EMAIL_URL=smtp.url, **metrics_port_env()), tmp_path / "w.log"),
    ):
        # The first run and two retries (TASKMANAGER_JOB_RETRIES=2), a second or two apart.
        smtp.wait_for_attempts(3, timeout=40)
        job = _wait_for(
            lambda: ProcrastinateJob.objects.filter(task_name=SEND_REMINDER, status="failed").first(),
            timeout=20,
            what="the job failing for good",
        )
        time.sleep(1.5)
        assert smtp.attempts == 3
        # Without PROMETHEUS_MULTIPROC_DIR the worker's endpoint serves its memory's counts.
        runs = scrape(metrics_url(env))
        assert runs.total("taskmanager_jobs_total", task=SEND_REMINDER, outcome="raised") == 3
        assert runs.total("taskmanager_jobs_total", task=SEND_REMINDER, outcome="succeeded") == 0
    assert job.attempts >= 2
    assert _sent_at(reminder) is None
    out = StringIO()
    call_command("jobs_failed", stdout=out)
    assert f"{job.id}\t" in out.getvalue()
    assert SEND_REMINDER in out.getvalue()
    assert str(reminder["id"]) in out.getvalue()


def test_sigterm_abandons_a_job_that_outlasts_the_grace_and_the_next_worker_sends_it(
    fast_worker_env, tmp_path
):
    reminder = reminder_due_in(1)
    with smtp_server(stall_first=True) as smtp:
        env = fast_worker_env(EMAIL_URL=smtp.url, TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT="1")
        with worker_process(env, tmp_path / "stopped.log") as stopping:
            assert smtp.stalled.wait(30), _log(tmp_path / "stopped.log")
            started = time.monotonic()
            assert stopping.stop(timeout=15) == 0, _log(tmp_path / "stopped.log")
            assert time.monotonic() - started < 8
        smtp.release()
        assert _sent_at(reminder) is None
        with worker_process(env, tmp_path / "next.log"):
            smtp.wait_for_messages(1, timeout=30)
            _wait_for(lambda: _sent_at(reminder), timeout=10, what="sent_at set")
        assert len(smtp.messages) == 1
