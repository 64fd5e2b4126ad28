"""Apply migrations while holding a PostgreSQL advisory lock, never waiting long for a table lock.

Several API pods (or a pod and a Job) may start at once; the advisory lock
makes them take turns, so exactly one applies the migrations and the others
find nothing left to do. On databases without advisory locks (SQLite, local
use) it is a plain ``migrate``.

PostgreSQL queues table locks in arrival order: an ``ALTER TABLE`` waiting for
its ACCESS EXCLUSIVE lock behind one long transaction makes every later query
on that table wait behind the ``ALTER``, so the whole API stalls for as long
as that transaction lasts. Under ``lock_timeout`` the statement gives up after
MIGRATION_LOCK_TIMEOUT seconds instead, its migration's transaction rolls
back, and the command tries again after MIGRATION_RETRY_PAUSE, up to
MIGRATION_ATTEMPTS times; then it fails, so the pod does not start on a schema
it does not expect and the init container is retried with the kubelet's back-off.
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from taskmanager.domain.transactions import sqlstate

# Any constant shared by every copy of the app; "taskmgr" in ASCII.
MIGRATION_LOCK_KEY = 0x7461736B6D6772
# SQLSTATE of a statement cancelled by lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


class Command(BaseCommand):
    help = "Run migrate under a database-wide lock so concurrent starts are safe."

    def add_arguments(self, parser):
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument(
            "--wait", type=int, default=600, help="Seconds to wait for another migrator (default 600)."
        )

    def handle(self, *args, interactive, wait, verbosity, **options):
        if connection.vendor != "postgresql":
            call_command("migrate", interactive=interactive, verbosity=verbosity)
            return
        attempts = settings.MIGRATION_ATTEMPTS
        if attempts < 1:
            raise CommandError(f"MIGRATION_ATTEMPTS must be at least 1, not {attempts}.")
        self._acquire(wait)
        try:
            self._migrate_with_retries(interactive, verbosity, attempts)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

    def _migrate_with_retries(self, interactive: bool, verbosity: int, attempts: int) -> None:
        timeout = settings.MIGRATION_LOCK_TIMEOUT
        pause = settings.MIGRATION_RETRY_PAUSE
        for attempt in range(1, attempts + 1):
            # Set on every attempt: a reconnect after an error would drop a session setting.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{round(timeout * 1000)}ms"])
            try:
                call_command("migrate", interactive=interactive, verbosity=verbosity)
                return
            except OperationalError as error:
                if sqlstate(error) != LOCK_NOT_AVAILABLE:
                    raise
                if attempt == attempts:
                    raise CommandError(
                        f"Gave up after {attempts} attempts: each time a migration waited more than "
                        f"{timeout:g} s for a lock on a table, and was rolled back. A long transaction "
                        "holds that lock (look in pg_stat_activity for an old xact_start or "
                        "'idle in transaction'); end it, then migrate again."
                    ) from error
            self.stdout.write(
                f"A migration waited more than {timeout:g} s for a lock on a table (attempt {attempt} "
                f"of {attempts}); rolled back, retrying in {pause:g} s."
            )
            time.sleep(pause)

    def _acquire(self, wait: int) -> None:
        deadline = time.monotonic() + wait
        announced = False
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                if cursor.fetchone()[0]:
                    return
            if time.monotonic() > deadline:
                raise CommandError(f"Another migration still holds the lock after {wait} s.")
            if not announced:
                self.stdout.write("Another process is migrating; waiting for it to finish.")
                announced = True
            time.sleep(1)
