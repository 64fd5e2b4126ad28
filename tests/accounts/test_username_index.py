"""The migration behind case-insensitive usernames: it refuses to guess, and it works on SQLite too."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from taskmanager.projects.models import Project
from tests.processes import clean_env, manage

APP = "accounts"
User = get_user_model()


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([(APP, target)])


def latest_migration() -> str:
    executor = MigrationExecutor(connection)
    (leaf,) = executor.loader.graph.leaf_nodes(APP)
    return leaf[1]


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_names_that_differ_only_in_case_and_names_them():
    latest = latest_migration()
    migrate_to(None)
    try:
        User.objects.create(username="dup")
        User.objects.create(username="DUP")
        User.objects.create(username="Dup")
        User.objects.create(username="single")

        with pytest.raises(CommandError) as excinfo:
            migrate_to(latest)

        message = str(excinfo.value)
        assert "dup, DUP, Dup" in message or all(name in message for name in ("dup", "DUP", "Dup"))
        assert "single" not in message
        assert "rename" in message.lower()
    finally:
        # Their Inboxes by the ORM, then the users without its cascade: the
        # table of a later accounts migration (preferences) is not there yet.
        duplicates = User.objects.filter(username__iexact="dup").exclude(username="dup")
        Project.objects.filter(members__in=duplicates).delete()
        duplicates._raw_delete(duplicates.db)
        migrate_to(latest)

    assert User.objects.filter(username__iexact="dup").count() == 1


SQLITE_SCRIPT = """
from django.contrib.auth.models import User
from django.db import IntegrityError
User.objects.create(username="alice")
try:
    User.objects.create(username="ALICE")
except IntegrityError:
    print("refused")
else:
    print("accepted")
"""


def test_the_index_refuses_case_variants_on_sqlite_too(tmp_path):
    env = clean_env(
        TASKMANAGER_ROLE="api",
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'accounts.sqlite3'}",
    )
    migrated = manage("migrate", "--noinput", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr

    result = manage("shell", "--no-imports", "-c", SQLITE_SCRIPT, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "refused"
