"""Every migration keeps the previous release's code working, or is marked as a contract step."""

import pytest
from django.apps import apps
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from tests.migrations.compatibility import incompatible_operations

PROJECT_APPS = {config.label for config in apps.get_app_configs() if config.name.startswith("taskmanager.")}


def test_no_unmarked_migration_breaks_the_previous_release():
    findings = incompatible_operations(MigrationLoader(None, ignore_no_migrations=True), PROJECT_APPS)
    assert not findings, "\n".join(
        f"{f.migration}: {f.operation}: {f.why}. Ship it a release after the code stops using it, "
        'and mark the migration with contract_step = "<why>".'
        for f in findings
    )


def test_the_contract_steps_say_why():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    marked = {
        f"{app}.{name}": migration.contract_step
        for (app, name), migration in loader.disk_migrations.items()
        if app in PROJECT_APPS and hasattr(migration, "contract_step")
    }
    assert marked, "the checks below would pass vacuously"
    for name, reason in marked.items():
        assert isinstance(reason, str) and len(reason.split()) >= 8, name


def _loader_with(*operations, contract_step=None):
    """The real loader plus one extra migration on top of tasks' latest."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaf = max(name for app, name in loader.disk_migrations if app == "tasks")
    attributes = {"dependencies": [("tasks", leaf)], "operations": list(operations)}
    if contract_step:
        attributes["contract_step"] = contract_step
    probe = type("Migration", (migrations.Migration,), attributes)("9999_probe", "tasks")
    key = ("tasks", "9999_probe")
    loader.disk_migrations[key] = probe
    loader.graph.add_node(key, probe)
    loader.graph.add_dependency(probe, key, ("tasks", leaf))
    return loader


@pytest.mark.parametrize(
    "operation",
    [
        migrations.RemoveField("task", "description"),
        migrations.RenameField("task", "title", "name"),
        migrations.DeleteModel("tag"),
        migrations.AddField("task", "colour", models.CharField(max_length=5, default="red")),
        migrations.AlterField("task", "due_date", models.DateField()),
        migrations.RunSQL("ALTER TABLE tasks_task DROP COLUMN description"),
    ],
    ids=["remove-field", "rename-field", "delete-model", "required-column", "tighten-null", "drop-sql"],
)
def test_each_breaking_operation_is_refused_unless_marked(operation):
    refused = incompatible_operations(_loader_with(operation), {"tasks"})
    assert [finding.migration for finding in refused] == ["tasks.9999_probe"]
    marked = _loader_with(operation, contract_step="the code stopped using it a release ago, so it goes")
    assert incompatible_operations(marked, {"tasks"}) == []


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddField("task", "colour", models.CharField(max_length=5, null=True)),
        migrations.AddIndex("task", models.Index(fields=["title"], name="task_title_probe")),
        migrations.AlterField("task", "title", models.CharField(max_length=300)),
        migrations.RunSQL("CREATE INDEX probe ON tasks_task (title)"),
    ],
    ids=["nullable-column", "index", "widen", "create-index-sql"],
)
def test_expanding_operations_pass(operation):
    assert incompatible_operations(_loader_with(operation), {"tasks"}) == []
