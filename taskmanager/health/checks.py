"""Readiness checks per role.

API role: the database answers and every migration is applied, so a pod never
serves a schema it does not expect. UI role: ready when it can serve pages;
the API being down is shown to users as a 503 page, not by pulling the pod
out of the Service (which would only turn a clear error into a refused
connection).
"""

import logging

from django.conf import settings

from taskmanager.config.roles import API

logger = logging.getLogger(__name__)

# Once every migration is seen applied, the schema stays current for the life
# of this process (code and migrations ship together in one image).
_migrations_current = False


def readiness() -> tuple[bool, dict]:
    if settings.ROLE != API:
        return True, {}
    database_ok = _database_answers()
    checks = {"database": "ok" if database_ok else "unreachable"}
    if not database_ok:
        return False, checks
    migrations_ok = _migrations_applied()
    checks["migrations"] = "ok" if migrations_ok else "pending"
    return migrations_ok, checks


def _database_answers() -> bool:
    from django.db import connection

    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as error:  # any driver error means "not ready", never a 500
        # One line: the driver's message spans several.
        logger.warning("readiness: database unreachable: %s", " ".join(str(error).split()))
        connection.close_if_unusable_or_obsolete()
        return False


def _migrations_applied() -> bool:
    global _migrations_current
    if _migrations_current:
        return True
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        logger.warning("readiness: cannot read migration state: %s", error)
        return False
    if pending:
        logger.info("readiness: %d migrations not yet applied", len(pending))
        return False
    _migrations_current = True
    return True
