"""The database backend's health check: no round trip while the connection is sound, a new
connection once PostgreSQL has closed the old one (as after a restart)."""

import time

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

from taskmanager.config.postgresql import base as postgresql

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


def test_a_terminated_connection_is_replaced_before_the_next_query(server_checks):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (old_pid,) = cursor.fetchone()
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
    deadline = time.monotonic() + 5
    while not postgresql._has_input(connection.connection.fileno()) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert not connection.is_usable()
    _new_request()
    with connection.cursor() as cursor:  # no error: the health check opened a new connection
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != old_pid
    assert server_checks  # what was waiting on the socket went to Django's own check
