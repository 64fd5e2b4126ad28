"""The migration behind case-insensitive usernames: it refuses to guess."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from taskmanager.projects.models import Project

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
