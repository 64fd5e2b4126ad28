"""The transaction every write runs in, started over when concurrency alone made it fail.

Writes take their locks in one order (task rows by id, then tags, then the
links between them), so deadlocks should not happen; this is the backstop for
the ones that still do (a lock cycle through rows no write path names, or a
serialization failure under a stricter isolation level). PostgreSQL has then
rolled the whole transaction back, and running it again from the start is safe.
"""

import functools
import logging
import random
import time

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 4
# The first retry waits 10-20 ms, each further one twice as long: enough for
# the transaction that won the lock cycle to commit, short for a request.
RETRY_BACKOFF_SECONDS = 0.01

# deadlock_detected and serialization_failure: aborted only because of other transactions.
_CONCURRENCY_SQLSTATES = frozenset({"40P01", "40001"})


class RetryableConflict(Exception):
    """A write found rows changed under it in a way that starting over resolves."""


def write_transaction(function):
    """Run ``function`` in a transaction, started over a few times if concurrency aborts it.

    Only the outermost transaction is retried: inside a caller's atomic block
    the failure has already aborted the caller's transaction too, so the call
    only runs in a savepoint and the error goes to the caller, which must be a
    ``write_transaction`` itself to be retried.
    """

    @functools.wraps(function)
    def run(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return function(*args, **kwargs)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except (OperationalError, RetryableConflict) as error:
                if attempt == WRITE_ATTEMPTS or not is_concurrency_failure(error):
                    raise
                logger.warning(
                    "%s: %s; starting over (attempt %d of %d)",
                    function.__qualname__,
                    _first_line(error),
                    attempt + 1,
                    WRITE_ATTEMPTS,
                )
            jitter = random.uniform(1, 2)  # noqa: S311 (spreads retries apart; nothing secret)
            time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1) * jitter)
        raise AssertionError("unreachable: the last attempt returns or raises")

    return run


def is_concurrency_failure(error: Exception) -> bool:
    if isinstance(error, RetryableConflict):
        return True
    return sqlstate(error) in _CONCURRENCY_SQLSTATES


def sqlstate(error: Exception) -> str | None:
    """PostgreSQL's error code behind a Django database error (psycopg 3 calls it sqlstate)."""
    return getattr(error.__cause__, "sqlstate", None)


def _first_line(error: Exception) -> str:
    return str(error).partition("\n")[0] or type(error).__name__


def share_lock_clause(of: str | tuple[str, ...]) -> str:
    """`` FOR SHARE OF`` the tables ``of`` names: see rows_locked_for_share."""
    return f" FOR SHARE OF {_tables(of)}"


def update_lock_clause(of: str | tuple[str, ...]) -> str:
    """`` FOR UPDATE OF`` the tables ``of`` names, as ``select_for_update(of=...)`` writes it."""
    return f" FOR UPDATE OF {_tables(of)}"


def _tables(of: str | tuple[str, ...]) -> str:
    return ", ".join(f'"{table}"' for table in ((of,) if isinstance(of, str) else of))


def rows_locked_for_share(query, *, of: str | tuple[str, ...]) -> list:
    """The rows of ``query`` (a non-flat values_list) as tuples, locked FOR SHARE until the transaction ends.

    Django can only lock FOR UPDATE. A share lock lets any number of writers
    rely on the same row at once (a membership, a tag) while a change or
    delete of that row waits for them to commit. ``of`` names the table whose
    rows are locked, so tables joined only to read a column stay unlocked.
    """
    if connection.vendor != "postgresql":
        return [tuple(row) for row in query]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql + share_lock_clause(of), params)
        return cursor.fetchall()
