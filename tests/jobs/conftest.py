import pytest
from django.db import connection

from tests.databases import django_database_url
from tests.processes import worker_env

# Short enough that a test sees retries and recoveries within seconds.
FAST_WORKER = {
    "TASKMANAGER_WORKER_STALLED_AFTER": "2",
    "TASKMANAGER_WORKER_POLL_INTERVAL": "0.3",
    "TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT": "5",
    "TASKMANAGER_JOB_RETRIES": "2",
    "TASKMANAGER_JOB_RETRY_BASE": "1",
    "TASKMANAGER_UI_URL": "http://ui.test",
    "TASKMANAGER_EMAIL_FROM": "reminders@taskmanager.test",
    "EMAIL_TIMEOUT": "20",
}


@pytest.fixture
def empty_queue(transactional_db):
    """No jobs or workers left by earlier tests (Django's flush leaves procrastinate's tables alone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
            "procrastinate_workers CASCADE"
        )


@pytest.fixture
def fast_worker_env(empty_queue):
    """A worker's environment on this test's (committed) database; add EMAIL_URL."""

    def make(**settings) -> dict:
        return worker_env(django_database_url(), **{**FAST_WORKER, **settings})

    return make
