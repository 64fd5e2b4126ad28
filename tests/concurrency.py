"""Requests racing each other for real: each in its own thread (so on its own database
connection), and a wait until they queue on the row locks a test holds."""

import threading
import time

import pytest
from django.db import connection

# How long to wait for the other connections to reach a lock before giving up.
LOCK_WAIT_LIMIT_SECONDS = 30


class InThread:
    """One call running in its own thread (so on its own database connection)."""

    def __init__(self, call, barrier=None):
        self.result = self.error = None
        self._thread = threading.Thread(target=self._run, args=(call, barrier))
        self._thread.start()

    def _run(self, call, barrier):
        try:
            if barrier is not None:
                barrier.wait()
            self.result = call()
        except Exception as error:  # raised again by join() in the test's thread
            self.error = error
        finally:
            connection.close()

    def join(self):
        self._thread.join(LOCK_WAIT_LIMIT_SECONDS)
        assert not self._thread.is_alive(), "a request never finished"
        if self.error is not None:
            raise self.error
        return self.result


def all_at_once(*calls):
    """Start the calls together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    running = [InThread(call, barrier) for call in calls]
    return [call.join() for call in running]


def wait_for_lock_waiters(count: int) -> None:
    """Block until ``count`` other backends wait on a lock."""
    deadline = time.monotonic() + LOCK_WAIT_LIMIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Activity statistics are a snapshot per transaction; take a fresh one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    pytest.fail(f"{count} requests never queued on a lock")
