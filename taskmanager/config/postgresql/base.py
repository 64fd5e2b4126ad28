"""Django's PostgreSQL backend, with a health check that costs no round trip while the connection is sound.

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
"""

import select

from django.db.backends.postgresql import base as django_postgresql
from psycopg.pq import TransactionStatus


class DatabaseWrapper(django_postgresql.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        idle = connection.info.transaction_status == TransactionStatus.IDLE
        if idle and not _has_input(connection.fileno()):
            return True
        return super().is_usable()


def _has_input(fd: int) -> bool:
    """Whether the server sent anything (data, an error, end of stream) since the last reply was read."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
