"""Throwaway PostgreSQL databases for tests that run the project as separate processes."""

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from deploy.harness.databases import scratch_database
from tests.prerequisites import unavailable
from tests.settings import POSTGRES_URL

__all__ = ["django_database_url", "new_scratch_database", "prepared_statements", "scratch_database"]


@contextmanager
def new_scratch_database(prefix: str) -> Iterator[str]:
    """A scratch database named ``prefix`` plus a random suffix; without a PostgreSQL, fail in CI or skip."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(f"{prefix}_{uuid.uuid4().hex[:8]}"))
        except psycopg.OperationalError as error:
            unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}", "start PostgreSQL on 127.0.0.1:5432")
        yield url


def django_database_url(alias: str = "default") -> str:
    """The URL of the database this test process uses (pytest-django's test database), for other processes."""
    from django.db import connections

    database = connections[alias].settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


def prepared_statements() -> list[str]:
    """The statements PostgreSQL holds prepared for this thread's Django connection (its session's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]
