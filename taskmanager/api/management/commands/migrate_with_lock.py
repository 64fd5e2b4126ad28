"""Apply migrations while holding a PostgreSQL advisory lock.

Several API pods (or a pod and a Job) may start at once; the lock makes them
take turns, so exactly one applies the migrations and the others find nothing
left to do. On databases without advisory locks (SQLite, local use) it is a
plain ``migrate``.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Any constant shared by every copy of the app; "taskmgr" in ASCII.
MIGRATION_LOCK_KEY = 0x7461736B6D6772


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
        self._acquire(wait)
        try:
            call_command("migrate", interactive=interactive, verbosity=verbosity)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

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
