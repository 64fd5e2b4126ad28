"""A task's tag links (tasks.tag_links): relinked to a list of names, left alone when already so."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from taskmanager.tasks.models import Tag
from taskmanager.tasks.tag_links import task_tags_set
from tests.factories import ProjectFactory, TagFactory, TaskFactory

pytestmark = pytest.mark.django_db


def names_of(task) -> list[str]:
    return sorted(task.tags.values_list("name", flat=True))


def test_new_names_are_created_linked_and_old_ones_unlinked():
    task = TaskFactory()
    task.tags.set([TagFactory(project=task.project, name=name) for name in ("old", "kept")])

    assert task_tags_set(task.id, task.project_id, ["kept", "new"]) is True

    assert names_of(task) == ["kept", "new"]
    assert Tag.objects.filter(project=task.project, name="old").exists()  # unlinked, not deleted


def test_the_same_names_in_any_order_change_nothing_and_take_one_read():
    task = TaskFactory()
    task.tags.set([TagFactory(project=task.project, name=name) for name in ("a", "b")])

    with CaptureQueriesContext(connection) as queries:
        changed = task_tags_set(task.id, task.project_id, ["b", "a", "a"])

    assert changed is False
    assert len(queries) == 1 and queries[0]["sql"].startswith("SELECT")
    assert names_of(task) == ["a", "b"]


def test_no_names_unlink_everything():
    task = TaskFactory()
    task.tags.set([TagFactory(project=task.project, name="a")])

    assert task_tags_set(task.id, task.project_id, []) is True
    assert task_tags_set(task.id, task.project_id, []) is False

    assert names_of(task) == []


def test_a_task_moved_to_another_project_is_linked_to_that_projects_tags_of_the_same_names():
    task = TaskFactory()
    task.tags.set([TagFactory(project=task.project, name="a")])
    elsewhere = ProjectFactory()
    task.project = elsewhere
    task.save()

    assert task_tags_set(task.id, elsewhere.id, ["a"]) is True

    assert list(task.tags.values_list("project_id", "name")) == [(elsewhere.id, "a")]


def test_a_new_task_is_linked_without_reading_its_links():
    task = TaskFactory()

    with CaptureQueriesContext(connection) as queries:
        task_tags_set(task.id, task.project_id, ["x", "y"], new=True)

    # Create the tags, lock them, link them.
    assert [query["sql"].split()[0] for query in queries] == ["INSERT", "SELECT", "INSERT"]
    assert names_of(task) == ["x", "y"]


def test_the_tags_linked_are_share_locked_until_commit():
    task = TaskFactory()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        task_tags_set(task.id, task.project_id, ["x"])

    assert any('FOR SHARE OF "tasks_tag"' in query["sql"] for query in queries)
