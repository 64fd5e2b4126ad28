"""Compiled writes (domain.compiled_writes): ORM statements compiled once, run with new values."""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from taskmanager.domain import compiled_writes
from taskmanager.domain.compiled_writes import (
    CompiledCreate,
    CompiledInsert,
    CompiledWrite,
    Param,
    saved_columns,
)
from taskmanager.tasks.models import Tag, Task
from tests.databases import prepared_statements
from tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


class _Counting:
    """A ``where()`` that counts how often the statement is built."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self):
        self.calls += 1
        return self.build()


def _one_task():
    return Task.objects.filter(id=Param("id", Task._meta.pk))


def test_an_update_sets_the_given_columns_on_the_selected_row_only():
    task, other = TaskFactory(title="before", priority="low"), TaskFactory(title="other")
    update = CompiledWrite(_one_task, version=F("version") + 1)

    assert update.update({"title": "after", "priority": "high"}, id=task.id) == 1

    task.refresh_from_db()
    other.refresh_from_db()
    assert (task.title, task.priority, task.version) == ("after", "high", 2)
    assert (other.title, other.version) == ("other", 1)


def test_a_set_of_columns_is_compiled_once_then_only_its_values_change():
    where = _Counting(_one_task)
    update = CompiledWrite(where)
    tasks = TaskFactory.create_batch(3)

    for number, task in enumerate(tasks):
        update.update({"title": f"title {number}"}, id=task.id)
    update.update({"priority": "high"}, id=tasks[0].id)

    assert where.calls == 2  # one shape per set of columns
    assert [Task.objects.get(id=task.id).title for task in tasks] == ["title 0", "title 1", "title 2"]


def test_values_are_prepared_as_the_orm_prepares_them():
    task = TaskFactory()
    update = CompiledWrite(_one_task)
    instant = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

    # A string id, a date and an aware instant, as the ORM takes them.
    update.update({"due_date": date(2026, 5, 6), "updated_at": instant}, id=str(task.id))

    task.refresh_from_db()
    assert (task.due_date, task.updated_at) == (date(2026, 5, 6), instant)


def test_a_list_param_selects_every_row_it_names():
    tasks = TaskFactory.create_batch(3)
    update = CompiledWrite(lambda: Task.objects.filter(id__in_array=Param("ids", Task._meta.pk, many=True)))

    assert update.update({"title": "both"}, ids=[tasks[0].id, tasks[2].id]) == 2

    titles = [Task.objects.get(id=task.id).title for task in tasks]
    assert titles == ["both", tasks[1].title, "both"]


def test_a_delete_removes_only_the_selected_rows():
    kept, gone = TaskFactory.create_batch(2)
    delete = CompiledWrite(_one_task)

    assert delete.delete(id=gone.id) == 1
    assert delete.delete(id=gone.id) == 0

    assert list(Task.objects.values_list("id", flat=True)) == [kept.id]


def test_saved_columns_are_what_save_writes_with_a_fresh_updated_at():
    task = TaskFactory()
    before = task.updated_at

    columns = saved_columns(task, leave_out=("version",))

    assert "id" not in columns and "priority_rank" not in columns and "version" not in columns
    assert columns["title"] == task.title and columns["project_id"] == task.project_id
    assert columns["updated_at"] > before


def test_an_insert_is_one_statement_for_any_number_of_rows_and_skips_conflicts():
    project = ProjectFactory()
    insert = CompiledInsert(Tag, "project_id", "name")

    with CaptureQueriesContext(connection) as one:
        insert.run([{"project_id": project.id, "name": "first"}])
    with CaptureQueriesContext(connection) as three:
        insert.run([{"project_id": project.id, "name": name} for name in ("first", "second", "third")])

    assert len(one) == len(three) == 1
    # The same statement: one array per column, one row or three.
    assert "FROM UNNEST(" in one[0]["sql"] and "FROM UNNEST(" in three[0]["sql"]
    names = Tag.objects.filter(project=project).order_by("name").values_list("name", flat=True)
    assert list(names) == ["first", "second", "third"]


def test_an_insert_the_orm_writes_otherwise_goes_through_bulk_create(monkeypatch):
    project = ProjectFactory()
    insert = CompiledInsert(Tag, "project_id", "name")
    monkeypatch.setattr(compiled_writes.InsertQuery, "insert_values", _values_form, raising=True)

    insert.run([{"project_id": project.id, "name": "a"}, {"project_id": project.id, "name": "b"}])
    monkeypatch.undo()
    insert.run([{"project_id": project.id, "name": "b"}, {"project_id": project.id, "name": "c"}])

    assert insert._compiled is False
    assert sorted(Tag.objects.filter(project=project).values_list("name", flat=True)) == ["a", "b", "c"]


def _values_form(query, fields, objs, raw=False):
    # One row only: the ORM writes VALUES (...), whose parameters are not one array per column.
    query.fields, query.objs, query.raw = fields, objs[:1], raw


def test_a_repeated_write_runs_as_a_statement_postgresql_keeps_prepared():
    task = TaskFactory(title="before")
    update = CompiledWrite(_one_task, version=F("version") + 1)

    runs = settings.DATABASE_PREPARE_THRESHOLD + 1
    for run in range(runs):
        assert update.update({"title": f"run {run}"}, id=task.id) == 1

    version = task.version
    task.refresh_from_db()
    assert (task.title, task.version) == (f"run {runs - 1}", version + runs)
    assert any(s.startswith('UPDATE "tasks_task" SET "title" = $1') for s in prepared_statements())


def _new_task(**fields) -> Task:
    project = fields.pop("project", None) or ProjectFactory()
    return Task(project=project, **{"title": "new", **fields})


def test_a_create_sends_the_statement_save_sends_and_reads_back_what_the_database_fills():
    by_save, compiled = _new_task(priority="high"), _new_task(priority="high", position=4)
    create = CompiledCreate(Task)

    with CaptureQueriesContext(connection) as saved:
        by_save.save()
    with CaptureQueriesContext(connection) as sent:
        create.insert(compiled)

    assert [query["sql"].split(" VALUES ")[0] for query in sent] == [
        query["sql"].split(" VALUES ")[0] for query in saved
    ]
    assert " RETURNING " in sent[0]["sql"]
    # The generated rank and the db_default columns come back from the database, as after save().
    assert (compiled.priority_rank, compiled.position) == (by_save.priority_rank, 4)
    assert compiled.created_at is not None and compiled.updated_at >= compiled.created_at  # each its now()
    assert not compiled._state.adding
    stored = Task.objects.get(id=compiled.id)
    assert (stored.title, stored.priority, stored.position, stored.created_at) == (
        "new",
        "high",
        4,
        compiled.created_at,
    )


def test_a_create_is_compiled_once_then_only_its_values_change():
    create = CompiledCreate(Task)
    project = ProjectFactory()
    tasks = [_new_task(project=project, title=f"task {number}") for number in range(3)]

    create.insert(tasks[0])
    statement = create._compiled
    for task in tasks[1:]:
        create.insert(task)

    assert isinstance(statement, str) and create._compiled is statement
    titles = Task.objects.filter(project=project).order_by("title").values_list("title", flat=True)
    assert list(titles) == ["task 0", "task 1", "task 2"]


def test_a_create_with_an_expression_goes_through_save_and_keeps_the_compiled_statement():
    create = CompiledCreate(Task)
    create.insert(_new_task())
    statement = create._compiled

    task = _new_task(description=Value("from an expression"))
    create.insert(task)

    assert create._compiled is statement
    assert Task.objects.get(id=task.id).description == "from an expression"


def test_a_create_the_orm_writes_otherwise_goes_through_save(monkeypatch):
    create = CompiledCreate(Task)
    monkeypatch.setattr(compiled_writes.InsertQuery, "insert_values", _values_changed, raising=True)
    first = _new_task(title="first")

    create.insert(first)
    monkeypatch.undo()
    second = _new_task(title="second")
    create.insert(second)

    assert create._compiled is False
    assert {task.title for task in Task.objects.filter(id__in=[first.id, second.id])} == {"first", "second"}


def _values_changed(query, fields, objs, raw=False):
    # Columns in another order: the statement's parameters are not the values in the order given.
    query.fields, query.objs, query.raw = fields[::-1], objs, raw
