"""Django's PostgreSQL backend, with a health check that costs no round trip while the connection is sound,
and cursors whose statements PostgreSQL can keep prepared.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of
every request, so that a connection PostgreSQL has closed (a restart, a
failover, an idle timeout, a terminated backend) is replaced instead of
failing the request. Each of those makes the server close the socket, and
most first send an error message, so the socket turns readable. An idle
connection with nothing to read and no open transaction is therefore usable
without asking the server; anything waiting on the socket, or any other state,
gets Django's own `SELECT 1`. A peer that vanishes without closing the
socket is caught by neither check in time: the query itself then fails, as
Django's check would have blocked.

Django's cursors bind parameters on the client: each statement reaches
PostgreSQL as new text, to be parsed and planned again (planning alone was
0.1-0.25 ms of the server's CPU for each of the stats' statements, more than
running them). `prepared_cursor()` binds on the server instead, so psycopg
prepares a statement once it has run `prepare_threshold` times on the
connection (the DB_PREPARE_THRESHOLD setting) and PostgreSQL may keep its plan.
The compiled queries (domain/compiled.py, domain/compiled_writes.py) use it:
their SQL is fixed per shape. The ORM's own statements keep Django's cursor.

Django reads every timestamp through a loader of its own written in Python
(it derives from psycopg's pure-Python one, and psycopg's C loader cannot be
derived from: django ticket 36960, psycopg issue 1273), about a tenth of a
list of 100 tasks' CPU. The session's time zone is UTC (Django sets it), in
which psycopg's own loader answers exactly what Django's does, so UTC
connections read timestamps with psycopg's (C, where psycopg_binary is
installed).
"""

import random
import select
from datetime import UTC

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base as django_postgresql
from psycopg import DataError
from psycopg.adapt import Loader
from psycopg.pq import Format, TransactionStatus

# psycopg's own loader: the C one where psycopg_binary is installed.
_PSYCOPG_TIMESTAMPTZ = psycopg.adapters.get_loader(django_postgresql.TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's timestamptz loader, with the ``timezone`` Django's cursors compare with theirs.

    A cursor of a connection whose time zone is no longer UTC (a test's
    override_settings) still gets Django's own loader (create_cursor).
    """

    timezone = UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        # psycopg takes each loader's ``load`` once per column: psycopg's own, without a call in between.
        self.load = self._psycopg_load = _PSYCOPG_TIMESTAMPTZ(oid, context).load

    def load(self, data):  # the abstract method's body; instances answer with psycopg's
        return self._psycopg_load(data)


class PreparingCursor(django_postgresql.ServerBindingCursor):
    """Django's server-binding cursor that survives a prepared statement gone stale.

    PostgreSQL refuses every later run of a prepared statement whose result
    columns changed type (a migration's ALTER COLUMN ... TYPE): "cached plan
    must not change result type", on each connection that prepared it. Here
    such a run is sent again unprepared when no transaction is open (a read
    in autocommit, which then succeeds), and the connection is retired at
    the end of the request either way (inside a transaction the error
    stands: the transaction is already aborted), so the next request
    prepares afresh on a new connection.
    """

    django_connection = None  # the DatabaseWrapper that made it

    def execute(self, query, params=None, **kwargs):
        try:
            return super().execute(query, params, **kwargs)
        except psycopg.errors.FeatureNotSupported as error:
            if "cached plan must not change result type" not in str(error):
                raise
            self.django_connection.close_at = 0  # Django closes it when the request ends
            if self.connection.info.transaction_status != TransactionStatus.IDLE:
                raise
            return super().execute(query, params, **{**kwargs, "prepare": False})


class DatabaseOperations(django_postgresql.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Django reads a client-bound statement back from the cursor; ours,
        # bound on the server, holds `$1` placeholders there, so logged and
        # captured statements show the values the same way for both. Every
        # other cursor (Django's, its named ones) keeps Django's reading.
        if not isinstance(cursor, PreparingCursor):
            return super().last_executed_query(cursor, sql, params)
        try:
            return self.compose_sql(sql, params)
        except DataError:
            return None


class DatabaseWrapper(django_postgresql.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        idle = connection.info.transaction_status == TransactionStatus.IDLE
        if idle and not _has_input(connection.fileno()):
            return True
        return super().is_usable()

    def connect(self):
        super().connect()
        # A process's threads open their connections together (at its first requests), so with a
        # fixed CONN_MAX_AGE they all reconnected together too, each new backend loading its caches
        # and planning its statements again: 70-130 ms stalls of every thread at once
        # (docs/PERFORMANCE.md). Each connection lives a random half to all of it instead.
        max_age = self.settings_dict["CONN_MAX_AGE"]
        if self.close_at is not None and max_age:
            self.close_at -= random.uniform(0, max_age / 2)  # noqa: S311 (spreads reconnections; nothing secret)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.prepare_threshold = getattr(settings, "DATABASE_PREPARE_THRESHOLD", None)
        if self.timezone is UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection

    def prepared_cursor(self):
        """A cursor like ``cursor()`` (health check, wrappers, errors, time zone) that binds on the server."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = PreparingCursor(self.connection)
            cursor.django_connection = self
            # As Django's create_cursor: the time zone only where the connection's differs.
            loader = self.connection.adapters.get_loader(django_postgresql.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                django_postgresql.register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)


def _has_input(fd: int) -> bool:
    """Whether the server sent anything (data, an error, end of stream) since the last reply was read."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
