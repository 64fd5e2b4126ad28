"""Which migrations would break the previous release's code during a rolling update.

While a rollout runs, pods of the previous release serve against the new
schema (docs/ARCHITECTURE.md, "Migrations in an init container"). A
migration is backward compatible when that code keeps working: it may add
nullable columns, tables and indexes, but not drop or rename a column or a
table, nor make a column required that the old code may leave empty. Such a
change is the *contract* half of an expand/contract pair and ships a release
after the code stopped using what it removes; its Migration class says so
with ``contract_step = "<why the previous release no longer needs it>"``.
"""

import re
from dataclasses import dataclass

from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

_DESTRUCTIVE_SQL = re.compile(
    r"\b(DROP\s+(TABLE|COLUMN)|RENAME\s+(TO|COLUMN)|ALTER\s+COLUMN\s+\S+\s+(SET\s+NOT\s+NULL|TYPE))\b", re.I
)


@dataclass(frozen=True)
class Finding:
    migration: str
    operation: str
    why: str


def incompatible_operations(loader: MigrationLoader, app_labels) -> list[Finding]:
    """Every operation of these apps' migrations that old code could trip on, unless marked."""
    findings = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if app_label not in app_labels or getattr(migration, "contract_step", ""):
            continue
        state = loader.project_state((app_label, name), at_end=False)
        # Tables this migration creates are new to the previous release too.
        created = set()
        for operation in migration.operations:
            if isinstance(operation, migrations.CreateModel):
                created.add(operation.name_lower)
            model = getattr(operation, "model_name_lower", None)
            why = "" if model in created else _breaks_old_code(operation, app_label, state)
            if why:
                findings.append(Finding(f"{app_label}.{name}", operation.describe(), why))
            state = state.clone()
            operation.state_forwards(app_label, state)
    return findings


def _breaks_old_code(operation, app_label, state) -> str:
    if isinstance(operation, migrations.RemoveField | migrations.DeleteModel):
        return "drops what the previous release still reads and writes"
    if isinstance(operation, migrations.RenameField | migrations.RenameModel):
        return "renames what the previous release still uses by its old name"
    if isinstance(operation, migrations.AddField):
        field = operation.field
        if not field.null and not field.many_to_many and field.db_default is NOT_PROVIDED:
            return "adds a required column that the previous release's inserts leave out"
    if isinstance(operation, migrations.AlterField):
        before = state.models[app_label, operation.model_name_lower].fields[operation.name]
        if before.null and not operation.field.null:
            return "makes required a column the previous release may leave empty"
    if isinstance(operation, migrations.RunSQL):
        sql = operation.sql if isinstance(operation.sql, str) else " ".join(map(str, operation.sql))
        if _DESTRUCTIVE_SQL.search(sql):
            return "runs SQL that drops, renames or tightens a column or table"
    return ""
