"""Throwaway PostgreSQL databases for tests that run the project as separate processes."""

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql

from tests.prerequisites import unavailable
from tests.settings import POSTGRES_URL


@contextmanager
def scratch_database(
    name: str, server_url: str = POSTGRES_URL, *, copy_of: str | None = None
) -> Iterator[str]:
    """Create the empty database ``name`` (or, with ``copy_of``, a copy of that database, which
    nobody may be connected to) on the test server and yield its URL; drop it afterwards.

    A database of that name left by a run that was killed is dropped first.
    Raises psycopg2.OperationalError when the server does not answer, so the
    caller can fail (in CI) or skip with its own message.
    """
    server = urlparse(server_url)
    admin = psycopg2.connect(
        host=server.hostname,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname="postgres",
        connect_timeout=3,
    )
    admin.autocommit = True
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        with admin.cursor() as cursor:
            cursor.execute(drop)
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if copy_of:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(copy_of))
            cursor.execute(create)
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(drop)
        admin.close()


@contextmanager
def new_scratch_database(prefix: str) -> Iterator[str]:
    """A scratch database named ``prefix`` plus a random suffix; without a PostgreSQL, fail in CI or skip."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(f"{prefix}_{uuid.uuid4().hex[:8]}"))
        except psycopg2.OperationalError as error:
            unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}", "start PostgreSQL on 127.0.0.1:5432")
        yield url


def django_database_url(alias: str = "default") -> str:
    """The URL of the database this test process uses (pytest-django's test database), for other processes."""
    from django.db import connections

    database = connections[alias].settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
