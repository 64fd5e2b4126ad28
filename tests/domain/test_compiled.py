"""Compiled queries (domain.compiled): the same rows as the ORM, compiled once per shape."""

import uuid

import pytest
from django.conf import settings
from django.db.models import F

from taskmanager.domain import compiled
from taskmanager.domain.compiled import INT, TEXT, UUID_LIST, CompiledQuery
from taskmanager.tasks.models import Task
from tests.databases import prepared_statements
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _titles_in(_context, project_ids):
    return Task.objects.filter(project_id__in_array=project_ids).order_by("title").values("title")


class _Counting:
    """A builder that counts how often it runs (each compile runs it twice)."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, context, **values):
        self.calls += 1
        return self.build(context, **values)


def test_rows_are_the_orms_rows_for_each_call_s_values():
    first, second = TaskFactory(title="b"), TaskFactory(title="a")
    query = CompiledQuery(_titles_in, project_ids=UUID_LIST)

    both = query.rows("all", project_ids=[first.project_id, second.project_id])
    one = query.rows("all", project_ids=[first.project_id])
    none = query.rows("all", project_ids=[])

    assert [row["title"] for row in both] == ["a", "b"]
    assert [row["title"] for row in one] == ["b"]
    assert none == []


def test_a_shape_is_compiled_once_then_only_its_values_change():
    builder = _Counting(_titles_in)
    query = CompiledQuery(builder, project_ids=UUID_LIST)
    tasks = TaskFactory.create_batch(3)

    for task in tasks:
        assert query.rows("all", project_ids=[task.project_id]) == [{"title": task.title}]

    assert builder.calls == 2  # one compile, with two sets of markers


def test_page_and_count_match_slicing_and_count():
    project_tasks = TaskFactory.create_batch(5, project=TaskFactory().project)
    project_id = project_tasks[0].project_id
    query = CompiledQuery(_titles_in, project_ids=UUID_LIST)
    orm = _titles_in(None, [project_id])

    assert query.count("all", project_ids=[project_id]) == orm.count() == 6
    assert query.page("all", None, 2, 3, project_ids=[project_id]) == list(orm[2:5])


def test_a_value_the_orm_transforms_is_not_compiled_and_still_answers_right():
    # icontains wraps the value in %...%, so no marker comes out as a parameter as it went in.
    builder = _Counting(lambda _c, text: Task.objects.filter(title__icontains=text).values("title"))
    query = CompiledQuery(builder, text=TEXT)
    TaskFactory(title="Buy milk")
    TaskFactory(title="Walk")

    assert query.rows("search", text="milk") == [{"title": "Buy milk"}]
    assert query.rows("search", text="walk") == [{"title": "Walk"}]
    assert builder.calls == 2 + 2  # the compile that refused, then the ORM for each call


def test_values_of_joined_rows_and_expressions_keep_their_names():
    user = UserFactory(username="ann")
    task = TaskFactory(assignee=user)

    def assigned_to(_context, user_id):
        return Task.objects.filter(assignee_id=user_id).values("id", who=F("assignee__username"))

    query = CompiledQuery(assigned_to, user_id=INT)

    assert query.rows("by assignee", user_id=user.pk) == [{"id": task.id, "who": "ann"}]
    assert query.rows("by assignee", user_id=user.pk + 1000) == []


def test_the_least_recently_used_shapes_are_dropped(monkeypatch):
    monkeypatch.setattr(compiled, "MAX_SHAPES", 2)
    query = CompiledQuery(_titles_in, project_ids=UUID_LIST)
    for shape in ("a", "b", "c"):
        query.rows(shape, project_ids=[uuid.uuid4()])

    assert [key for key, _counting in query._shapes] == ["b", "c"]


def test_a_repeated_shape_runs_as_a_statement_postgresql_keeps_prepared():
    task = TaskFactory(title="kept")
    query = CompiledQuery(_titles_in, project_ids=UUID_LIST)

    for _ in range(settings.DATABASE_PREPARE_THRESHOLD + 1):
        assert query.rows("all", project_ids=[task.project_id]) == [{"title": "kept"}]

    sql = query.uncompiled(project_ids=[task.project_id]).query.sql_with_params()[0]
    assert sql.replace("%s", "$1") in prepared_statements()
