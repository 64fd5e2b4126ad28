"""Readiness checks; each role lists its own in the role table (config/roles.py).

The API role's: the database answers and every migration is applied, so a
pod never serves a schema it does not expect.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Once every migration is seen applied, the schema stays current for the life
# of this process (code and migrations ship together in one image).
_migrations_current = False


def readiness() -> tuple[bool, dict]:
    """Run the role's checks in order, stopping at the first that fails (later ones rely on it)."""
    checks = {}
    for path in settings.READINESS_CHECKS:
        name, ok, state = import_string(path)()
        checks[name] = state
        if not ok:
            return False, checks
    return True, checks


def database_answers() -> tuple[str, bool, str]:
    ok = _database_answers()
    return "database", ok, "ok" if ok else "unreachable"


def migrations_applied() -> tuple[str, bool, str]:
    ok = _migrations_applied()
    return "migrations", ok, "ok" if ok else "pending"


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
