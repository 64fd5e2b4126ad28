"""Usernames are unique whatever their case: a unique index on UPPER(username).

``auth_user`` belongs to django.contrib.auth, so the index is made here with
SQL that PostgreSQL and SQLite both accept. UPPER is what Django's
case-insensitive lookup (``iexact``) compares on PostgreSQL, so the sign-up
check, the login lookup and this index agree on what "the same name" is
(SQLite's UPPER folds ASCII letters only).

Accounts that already differ only in case stop the migration with their
names: each may own tasks and tokens, so which one keeps the name is for an
administrator to decide, not for a migration to guess.
"""

from django.core.management import CommandError
from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Upper

INDEX_NAME = "auth_user_username_upper_uniq"


def refuse_names_that_differ_only_in_case(apps, schema_editor):
    User = apps.get_model("auth", "User")
    users = User.objects.using(schema_editor.connection.alias)
    clashing = (
        users.annotate(key=Upper("username"))
        .values("key")
        .annotate(accounts=Count("id"))
        .filter(accounts__gt=1)
        .values_list("key", flat=True)
    )
    groups = [
        ", ".join(users.annotate(key=Upper("username")).filter(key=key).order_by("id").values_list("username", flat=True))
        for key in clashing
    ]
    if groups:
        raise CommandError(
            "Usernames must be unique whatever their case, but these accounts differ only in case: "
            + "; ".join(sorted(groups))
            + ". Rename all but one of each group (in the admin, or with manage.py shell), "
            "then run the migrations again. Nothing was changed."
        )


def create_index(apps, schema_editor):
    User = apps.get_model("auth", "User")
    quote = schema_editor.quote_name
    column = User._meta.get_field("username").column
    schema_editor.execute(
        f"CREATE UNIQUE INDEX {quote(INDEX_NAME)} ON {quote(User._meta.db_table)} (UPPER({quote(column)}))"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(refuse_names_that_differ_only_in_case, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
