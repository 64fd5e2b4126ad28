"""Database connections of the worker's work that runs outside Django's request cycle.

Jobs run on whichever of the event loop's executor threads is free, the start-up
readiness wait too, and each health probe on a thread of its own; Django's
request signals, which tidy a server thread's connections, never run there. A
persistent connection (DB_CONN_MAX_AGE) left on such a thread stays open with
it, outside the connection budget (docs/KUBERNETES.md, WORKER_CONNECTIONS in
worker.py), so each piece of this work closes its thread's connections when it
ends.
"""

from contextlib import contextmanager

from django.db import connections


@contextmanager
def thread_connections_closed():
    """Close this thread's database connections when the block ends, however it ends."""
    try:
        yield
    finally:
        connections.close_all()
