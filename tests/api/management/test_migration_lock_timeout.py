"""A migration that cannot get its table lock gives up quickly instead of queueing all traffic behind it.

PostgreSQL grants table locks in arrival order: an ``ALTER TABLE`` waiting for
ACCESS EXCLUSIVE behind one long transaction makes every later query on that
table wait behind the ``ALTER``. These tests hold such a transaction open from
a second connection while ``migrate_with_lock`` (a real process, in a scratch
database) applies a migration that alters tasks_task, and read the table from
a third connection meanwhile, the way the serving pods would.
"""

import contextlib
import queue
import subprocess
import threading
import time

import psycopg2
import pytest
from psycopg2 import errors

from tests.databases import new_scratch_database
from tests.prerequisites import require_postgresql
from tests.processes import api_env, manage, start_manage

LOCK_TIMEOUT = 2.0
ATTEMPTS = 2
RETRY_PAUSE = 1.0
# The most the command may take once started: every attempt waits out the
# lock timeout, with a pause between attempts, plus Django's start-up.
GIVE_UP_WITHIN = ATTEMPTS * LOCK_TIMEOUT + (ATTEMPTS - 1) * RETRY_PAUSE + 15
# A reader queued behind the ALTER waits at most the lock timeout; the rest is
# slack for a loaded machine.
READER_SLACK = 1.5


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("lock_timeout")


@pytest.fixture
def migrated_database():
    """A scratch database with every product migration applied (but not the test-only one)."""
    with new_scratch_database("taskmanager_scratch") as url:
        migrated = manage("migrate", "--noinput", "-v0", env=api_env(url))
        assert migrated.returncode == 0, migrated.stderr
        yield url


def _start_migrator(database_url: str) -> subprocess.Popen:
    env = api_env(
        database_url,
        DJANGO_SETTINGS_MODULE="tests.api.management.alter_tasks_settings",
        MIGRATION_LOCK_TIMEOUT=str(LOCK_TIMEOUT),
        MIGRATION_ATTEMPTS=str(ATTEMPTS),
        MIGRATION_RETRY_PAUSE=str(RETRY_PAUSE),
    )
    return start_manage("migrate_with_lock", "--noinput", env=env)


def _hold_access_share(database_url: str):
    """An open transaction that has read tasks_task: it holds ACCESS SHARE until it ends."""
    blocker = psycopg2.connect(database_url)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_task")
    return blocker


def _wait_until_alter_waits(cursor, migrator: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and migrator.poll() is None:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'tasks_task'::regclass AND NOT granted"
        )
        if cursor.fetchone()[0]:
            return
        time.sleep(0.05)
    raise AssertionError("the migration never waited for its lock on tasks_task")


def _read_while_running(cursor, migrator: subprocess.Popen, until: float) -> list[float]:
    """Read tasks_task again and again while the migrator runs; each read's duration."""
    durations = []
    while migrator.poll() is None and time.monotonic() < until:
        started = time.monotonic()
        # QueryCanceled is the reader's own statement_timeout: it was queued for good.
        with contextlib.suppress(errors.QueryCanceled):
            cursor.execute("SELECT count(*) FROM tasks_task")
        durations.append(time.monotonic() - started)
        time.sleep(0.05)
    return durations


def _column_exists(cursor) -> bool:
    cursor.execute(
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'tasks_task' AND column_name = 'lock_probe'"
    )
    return cursor.fetchone()[0] == 1


def test_a_migration_blocked_by_a_long_transaction_gives_up_without_stalling_readers(migrated_database):
    blocker = _hold_access_share(migrated_database)
    reader = psycopg2.connect(migrated_database, options="-c statement_timeout=20000")
    reader.autocommit = True
    migrator = _start_migrator(migrated_database)
    try:
        started = time.monotonic()
        with reader.cursor() as cursor:
            _wait_until_alter_waits(cursor, migrator)
            durations = _read_while_running(cursor, migrator, until=started + GIVE_UP_WITHIN)
        output = migrator.communicate(timeout=max(1, started + GIVE_UP_WITHIN - time.monotonic()))[0]
        elapsed = time.monotonic() - started
    finally:
        if migrator.poll() is None:
            migrator.kill()
            migrator.wait()
        blocker.close()

    assert migrator.returncode != 0, output
    assert elapsed < GIVE_UP_WITHIN, elapsed
    assert f"Gave up after {ATTEMPTS} attempts" in output, output
    assert "lock on a table" in output, output
    # The readers did queue behind the ALTER (the scenario is real), but never
    # for longer than the lock timeout.
    assert max(durations) > LOCK_TIMEOUT / 4, durations
    assert max(durations) < LOCK_TIMEOUT + READER_SLACK, durations

    with reader.cursor() as cursor:
        assert not _column_exists(cursor)
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'alter_tasks'")
        assert cursor.fetchone()[0] == 0
    reader.close()


def _output_in_background(process: subprocess.Popen) -> queue.Queue:
    """The process's output lines as they come, so a test can wait for one with a deadline."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _lines_until(lines: queue.Queue, text: str, deadline: float) -> list[str]:
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} in time; got {seen}")


def test_a_migration_retries_and_applies_once_the_long_transaction_ends(migrated_database):
    blocker = _hold_access_share(migrated_database)
    migrator = _start_migrator(migrated_database)
    lines = _output_in_background(migrator)
    try:
        deadline = time.monotonic() + GIVE_UP_WITHIN
        output = _lines_until(lines, "retrying", deadline)
        blocker.rollback()  # the long transaction ends during the pause
        migrator.wait(timeout=GIVE_UP_WITHIN)
        output += _lines_until(lines, "alter_tasks.0001", deadline)
    finally:
        if migrator.poll() is None:
            migrator.kill()
            migrator.wait()
        blocker.close()

    assert migrator.returncode == 0, output
    assert "Applying alter_tasks.0001_add_column_to_tasks... OK" in output[-1], output
    with psycopg2.connect(migrated_database) as connection, connection.cursor() as cursor:
        assert _column_exists(cursor)
    connection.close()
