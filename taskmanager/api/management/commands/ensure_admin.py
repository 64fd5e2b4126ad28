"""Create the first admin user non-interactively, once.

Reads TASKMANAGER_ADMIN_USERNAME and TASKMANAGER_ADMIN_EMAIL (options override
them), and the password from the file TASKMANAGER_ADMIN_PASSWORD_FILE names,
else from TASKMANAGER_ADMIN_PASSWORD. Every API pod start runs it: an existing
account is never changed, unless --reset-password asks for exactly that.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from taskmanager.accounts.services import user_admin_password_reset, user_ensure_admin


def admin_password() -> str:
    path = os.environ.get("TASKMANAGER_ADMIN_PASSWORD_FILE", "")
    if not path:
        return os.environ.get("TASKMANAGER_ADMIN_PASSWORD", "")
    try:
        with open(path, encoding="utf-8") as file:
            # A file written with `echo` ends in a newline that is no part of the password.
            return file.read().rstrip("\r\n")
    except OSError as error:
        raise CommandError(f"TASKMANAGER_ADMIN_PASSWORD_FILE={path}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Create the admin user from environment variables when it does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("TASKMANAGER_ADMIN_USERNAME", ""))
        parser.add_argument("--email", default=os.environ.get("TASKMANAGER_ADMIN_EMAIL", ""))
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set an existing admin's password to the configured one (for a lost password).",
        )

    def handle(self, *args, username, email, reset_password, **options):
        password = admin_password()
        if not username or not password:
            raise CommandError(
                "Set TASKMANAGER_ADMIN_USERNAME and TASKMANAGER_ADMIN_PASSWORD_FILE or "
                "TASKMANAGER_ADMIN_PASSWORD (the password is read only from the environment "
                "or that file, never from arguments)."
            )
        if user_ensure_admin(username=username, password=password, email=email):
            self.stdout.write(f"Admin user {username!r} created.")
        elif reset_password:
            try:
                user_admin_password_reset(username=username, password=password)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {username!r} to reset; it was deleted meanwhile.") from None
            self.stdout.write(f"Admin user {username!r}: password reset, its API tokens revoked.")
        else:
            self.stdout.write(
                f"Admin user {username!r} exists; left unchanged, password included "
                "(ensure_admin --reset-password sets it to the configured one)."
            )
