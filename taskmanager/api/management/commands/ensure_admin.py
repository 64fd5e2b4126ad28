"""Create the first admin user non-interactively, or reset its password.

Reads TASKMANAGER_ADMIN_USERNAME, TASKMANAGER_ADMIN_PASSWORD and
TASKMANAGER_ADMIN_EMAIL (options override them). Safe to run on every deploy.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from taskmanager.accounts.services import user_ensure_admin


class Command(BaseCommand):
    help = "Create or update the admin user from environment variables (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("TASKMANAGER_ADMIN_USERNAME", ""))
        parser.add_argument("--email", default=os.environ.get("TASKMANAGER_ADMIN_EMAIL", ""))

    def handle(self, *args, username, email, **options):
        password = os.environ.get("TASKMANAGER_ADMIN_PASSWORD", "")
        if not username or not password:
            raise CommandError(
                "Set TASKMANAGER_ADMIN_USERNAME and TASKMANAGER_ADMIN_PASSWORD "
                "(the password is read only from the environment, never from arguments)."
            )
        created = user_ensure_admin(username=username, password=password, email=email)
        self.stdout.write(f"Admin user {username!r} {'created' if created else 'updated'}.")
