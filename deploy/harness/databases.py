"""Databases on the PostgreSQL server in POSTGRES_URL: scratch ones for tests, named ones for runs.

POSTGRES_URL names the server (host, port and credentials) that the tests,
`make run` and the benchmark make their databases on. Creating and dropping
connect to its `postgres` maintenance database, whatever database the URL
names, since the one to be made does not exist yet.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import psycopg
from psycopg import sql

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
MAINTENANCE_DATABASE = "postgres"


def postgres_url() -> str:
    return os.environ.get("POSTGRES_URL") or DEFAULT_POSTGRES_URL


def database_url(name: str, server_url: str | None = None) -> str:
    """The URL of the database ``name`` on the server of ``server_url`` (POSTGRES_URL's by default)."""
    return urlparse(server_url or postgres_url())._replace(path=f"/{name}").geturl()


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def connect_admin(server_url: str | None = None) -> psycopg.Connection:
    """An autocommit connection to the server's maintenance database; OperationalError if unreachable."""
    return psycopg.connect(database_url(MAINTENANCE_DATABASE, server_url), connect_timeout=3, autocommit=True)


def create_database(name: str, server_url: str | None = None, *, copy_of: str | None = None) -> str:
    """Make the empty database ``name`` (or a copy of the database ``copy_of``, which nobody may be
    connected to) and return its URL; a database of that name, left by a run that was killed, goes first.
    """
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if copy_of:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(copy_of))
    with connect_admin(server_url) as admin:
        admin.execute(_drop(name))
        admin.execute(create)
    return database_url(name, server_url)


recreate_database = create_database


def drop_database(name: str, server_url: str | None = None) -> None:
    """Drop ``name`` if it exists, closing whatever connections it still has."""
    with connect_admin(server_url) as admin:
        admin.execute(_drop(name))


def ensure_database(url: str) -> bool:
    """Create the database ``url`` names when it is missing; True when it had to be made."""
    name = database_name(url)
    with connect_admin(url) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def database_names(prefix: str, server_url: str | None = None) -> list[str]:
    """The names of the server's databases that start with ``prefix``."""
    with connect_admin(server_url) as admin:
        rows = admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
        return sorted(name for (name,) in rows)


def server_version(server_url: str | None = None) -> str:
    with connect_admin(server_url) as admin:
        return admin.execute("SELECT version()").fetchone()[0]


@contextmanager
def scratch_database(
    name: str, server_url: str | None = None, *, copy_of: str | None = None
) -> Iterator[str]:
    """create_database's database for the duration of the block; dropped afterwards."""
    url = create_database(name, server_url, copy_of=copy_of)
    try:
        yield url
    finally:
        drop_database(name, server_url)


def _drop(name: str) -> sql.Composable:
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
