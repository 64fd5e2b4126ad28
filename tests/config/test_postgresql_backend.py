"""The database backend's health check: no round trip while the connection is sound, a new
connection once PostgreSQL has closed the old one (as after a restart). Its prepared cursors:
statements PostgreSQL keeps parsed and planned once they repeat, shown with their values when
captured, never prepared without a threshold. Its timestamps: read by psycopg's own loader, as
Django's reads them."""

import time
from datetime import UTC, datetime

import psycopg
import pytest
from django.conf import settings
from django.db import NotSupportedError, connection, connections, transaction
from django.db.backends.postgresql import base as django_postgresql
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from taskmanager.config.postgresql import base as postgresql
from tests.databases import prepared_statements

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server_checks(monkeypatch):
    """Counts the checks that ask the server (Django's own `SELECT 1`)."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def _new_request() -> None:
    # What Django does at the start of each request (close_if_unusable_or_obsolete).
    connection.health_check_done = False


def test_the_project_runs_this_backend():
    assert all(isinstance(connections[alias], postgresql.DatabaseWrapper) for alias in connections)


def test_a_sound_idle_connection_is_used_without_asking_the_server(server_checks):
    connection.ensure_connection()
    for _ in range(3):
        _new_request()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert server_checks == []


def test_a_connection_inside_a_transaction_is_checked_by_the_server(server_checks):
    connection.ensure_connection()
    with connection.connection.transaction():
        assert connection.is_usable()
    assert server_checks == ["default"]


def _backend_pid(make_cursor) -> int:
    with make_cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return pid


def _terminate_the_connection_s_backend() -> int:
    """Ends this connection's server process from another connection, as a restart would; its pid."""
    old_pid = _backend_pid(connection.cursor)
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
    deadline = time.monotonic() + 5
    while not postgresql._has_input(connection.connection.fileno()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return old_pid


def test_a_terminated_connection_is_replaced_before_the_next_query(server_checks):
    old_pid = _terminate_the_connection_s_backend()

    assert not connection.is_usable()
    _new_request()
    new_pid = _backend_pid(connection.cursor)  # no error: the health check opened a new connection
    assert new_pid != old_pid
    assert server_checks  # what was waiting on the socket went to Django's own check


def _run_repeatedly(make_cursor, sql: str, times: int) -> None:
    for run in range(times):
        with make_cursor() as cursor:
            cursor.execute(sql, [run])
            assert cursor.fetchone() == (run + 1,)


def test_a_prepared_cursor_prepares_a_statement_once_it_repeats_past_the_threshold():
    connection.ensure_connection()
    threshold = settings.DATABASE_PREPARE_THRESHOLD
    assert connection.connection.prepare_threshold == threshold == 5
    sql = "SELECT %s::int + 1 AS repeated_marker"

    _run_repeatedly(connection.prepared_cursor, sql, threshold)
    assert not any("repeated_marker" in statement for statement in prepared_statements())
    _run_repeatedly(connection.prepared_cursor, sql, 1)
    assert [s for s in prepared_statements() if "repeated_marker" in s] == [
        "SELECT $1::int + 1 AS repeated_marker"
    ]


def test_django_s_own_cursors_never_prepare():
    _run_repeatedly(connection.cursor, "SELECT %s::int + 1 AS client_bound_marker", 20)
    assert not any("client_bound_marker" in statement for statement in prepared_statements())


def test_without_a_threshold_nothing_is_prepared(settings):
    settings.DATABASE_PREPARE_THRESHOLD = None
    connection.close()  # the next connection takes the setting
    try:
        _run_repeatedly(connection.prepared_cursor, "SELECT %s::int + 1 AS never_marker", 20)
        assert connection.connection.prepare_threshold is None
        assert not any("never_marker" in statement for statement in prepared_statements())
    finally:
        connection.close()


def test_captured_statements_show_their_values_as_django_s_cursors_do():
    sql = "SELECT %s::int + 1, %s::text AS shown"
    with CaptureQueriesContext(connection) as captured:
        with connection.prepared_cursor() as cursor:
            cursor.execute(sql, [40, "it's"])
        with connection.cursor() as cursor:
            cursor.execute(sql, [40, "it's"])
    server_bound, client_bound = (query["sql"] for query in captured.captured_queries)
    assert server_bound == client_bound == "SELECT 40::int + 1, 'it''s'::text AS shown"


def test_a_terminated_connection_is_replaced_before_a_prepared_statement():
    old_pid = _terminate_the_connection_s_backend()

    _new_request()
    assert _backend_pid(connection.prepared_cursor) != old_pid
    assert connection.connection.prepare_threshold == settings.DATABASE_PREPARE_THRESHOLD


TIMESTAMPS = [
    "2026-12-07 13:59:03.07514+00",
    "1970-01-01 00:00:00+00",
    "2026-03-29 01:30:00+02",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2000-02-29 12:00:00.5-05:30",
]
READ_TIMESTAMPS = "SELECT " + ", ".join(["%s::timestamptz"] * len(TIMESTAMPS))


def _read_timestamps(make_cursor, *, django_s_loader: bool = False) -> tuple:
    with make_cursor() as cursor:
        if django_s_loader:
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute(READ_TIMESTAMPS, TIMESTAMPS)
        return cursor.fetchone()


def test_timestamps_are_read_by_psycopg_s_loader_exactly_as_django_s_loader_reads_them():
    connection.ensure_connection()
    assert (
        connection.connection.adapters.get_loader(django_postgresql.TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)
        is postgresql.UtcTimestamptzLoader
    )

    django_s = _read_timestamps(connection.cursor, django_s_loader=True)
    for make_cursor in (connection.cursor, connection.prepared_cursor):
        ours = _read_timestamps(make_cursor)
        assert ours == django_s
        assert [value.isoformat() for value in ours] == [value.isoformat() for value in django_s]
        assert all(value.tzinfo is UTC for value in ours)
    assert ours[2] == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)


def test_a_connection_no_longer_in_utc_reads_through_django_s_loader():
    connection.ensure_connection()
    with override_settings(USE_TZ=False):  # Django's naive datetimes, as its own loader gives them
        for make_cursor in (connection.cursor, connection.prepared_cursor):
            values = _read_timestamps(make_cursor)
            assert values[0] == datetime(2026, 12, 7, 13, 59, 3, 75140)
            assert all(value.tzinfo is None for value in values)


@pytest.fixture
def stale_statement():
    """A statement prepared on this connection; then a column it reads changes type (a migration)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE stale_plan_probe (name varchar(10))")
        cursor.execute("INSERT INTO stale_plan_probe VALUES ('kept')")
    sql = "SELECT name FROM stale_plan_probe WHERE name <> %s"
    try:
        for _ in range(settings.DATABASE_PREPARE_THRESHOLD + 1):
            with connection.prepared_cursor() as cursor:
                cursor.execute(sql, ["other"])
        assert sql.replace("%s", "$1") in prepared_statements()
        params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
        with psycopg.connect(**params, autocommit=True) as migration:
            migration.execute("ALTER TABLE stale_plan_probe ALTER COLUMN name TYPE varchar(20)")
        yield sql
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE stale_plan_probe")


def _read_with_a_prepared_cursor(sql: str) -> list:
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, ["other"])
        return cursor.fetchall()


def test_a_read_prepared_before_a_column_changed_type_is_sent_again_and_the_connection_retired(
    stale_statement,
):
    assert _read_with_a_prepared_cursor(stale_statement) == [("kept",)]
    pid = _backend_pid(connection.cursor)
    connection.close_if_unusable_or_obsolete()  # the end of the request
    assert connection.connection is None
    assert _read_with_a_prepared_cursor(stale_statement) == [("kept",)]  # prepared afresh
    assert _backend_pid(connection.cursor) != pid


def test_inside_a_transaction_the_stale_statement_fails_and_the_connection_is_retired(stale_statement):
    refused = pytest.raises(NotSupportedError, match="cached plan must not change result type")
    with refused, transaction.atomic():
        _read_with_a_prepared_cursor(stale_statement)
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    assert _read_with_a_prepared_cursor(stale_statement) == [("kept",)]


def test_each_connection_lives_a_random_half_to_all_of_conn_max_age():
    lifetimes = []
    for _ in range(20):
        wrapper = connections.create_connection("default")
        wrapper.settings_dict["CONN_MAX_AGE"] = 60
        try:
            connected = time.monotonic()
            wrapper.connect()
            lifetimes.append(wrapper.close_at - connected)
        finally:
            wrapper.close()
    assert all(29.9 <= lifetime <= 60.1 for lifetime in lifetimes)
    # Spread out, so the threads that connected together do not all reconnect together.
    assert max(lifetimes) - min(lifetimes) > 10


@pytest.mark.parametrize("max_age", [None, 0])
def test_a_connection_kept_for_good_or_for_one_request_keeps_django_s_close_at(max_age):
    wrapper = connections.create_connection("default")
    wrapper.settings_dict["CONN_MAX_AGE"] = max_age
    try:
        before = time.monotonic()
        wrapper.connect()
        after = time.monotonic()
    finally:
        wrapper.close()
    assert wrapper.close_at is None if max_age is None else before <= wrapper.close_at <= after
