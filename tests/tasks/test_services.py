from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from taskmanager.tasks import services
from taskmanager.tasks.models import Tag, Task
from taskmanager.tasks.services import (
    BulkAction,
    PreconditionFailed,
    task_bulk_apply,
    task_clear_completed,
    task_create,
    task_delete,
    task_update,
    tasks_set_completed,
)
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


class TestTaskCreate:
    def test_creates_a_normalised_task(self, owner):
        task = task_create(
            owner=owner,
            title="  Plan  ",
            description="  kept as written  ",
            priority="high",
            due_date=date(2030, 1, 1),
            tags=["B", "a", " b ", "", "A"],
        )

        task.refresh_from_db()
        assert task.owner == owner
        assert task.title == "Plan"
        assert task.description == "  kept as written  "
        assert task.priority == "high"
        assert task.due_date == date(2030, 1, 1)
        assert sorted(t.name for t in task.tags.all()) == ["a", "b"]
        assert (task.completed, task.completed_at, task.version) == (False, None, 1)

    def test_created_completed_has_a_completion_time(self, owner):
        task = task_create(owner=owner, title="Done", completed=True)

        assert task.completed_at is not None
        assert task.completed_at <= timezone.now()

    def test_reuses_the_owners_existing_tags(self, owner):
        existing = Tag.objects.create(owner=owner, name="home")

        task = task_create(owner=owner, title="t", tags=["home"])

        assert list(task.tags.all()) == [existing]
        assert Tag.objects.filter(owner=owner).count() == 1

    @pytest.mark.parametrize(
        ("fields", "bad"),
        [
            ({"title": ""}, {"title"}),
            ({"title": "   "}, {"title"}),
            ({"title": None}, {"title"}),
            ({"title": 42}, {"title"}),
            ({"title": "x" * 201}, {"title"}),
            ({"title": "t", "description": "x" * 10_001}, {"description"}),
            ({"title": "t", "description": ["not text"]}, {"description"}),
            ({"title": "t", "priority": "urgent"}, {"priority"}),
            ({"title": "t", "completed": "false"}, {"completed"}),
            ({"title": "t", "due_date": "2030-01-01"}, {"due_date"}),
            ({"title": "t", "due_date": datetime(2030, 1, 1, 12)}, {"due_date"}),
            ({"title": "t", "tags": "work"}, {"tags"}),
            ({"title": "t", "tags": ["Has Space"]}, {"tags"}),
            ({"title": "t", "tags": ["x" * 33]}, {"tags"}),
            ({"title": "t", "tags": [f"t{n}" for n in range(21)]}, {"tags"}),
            ({"title": "", "priority": "urgent", "tags": ["!"]}, {"title", "priority", "tags"}),
        ],
    )
    def test_invalid_fields_are_named_and_nothing_is_written(self, owner, fields, bad):
        with pytest.raises(ValidationError) as excinfo:
            task_create(owner=owner, **fields)

        assert error_fields(excinfo) == bad
        assert not Task.objects.exists()
        assert not Tag.objects.exists()

    def test_duplicates_count_once_toward_the_tag_limit(self, owner):
        task = task_create(owner=owner, title="t", tags=[f"t{n % 20}" for n in range(40)])

        assert task.tags.count() == 20


class TestTaskUpdate:
    def test_applies_changes_and_bumps_the_version(self, owner):
        task = TaskFactory(owner=owner, title="Old", tags=["old"])
        updated_before = task.updated_at

        updated = task_update(owner=owner, task_id=task.id, changes={"title": " New ", "tags": ["New"]})

        assert updated.title == "New"
        assert updated.version == 2
        assert updated.updated_at > updated_before
        assert [t.name for t in updated.tags.all()] == ["new"]

    def test_completing_and_reopening_keep_completed_at_consistent(self, owner):
        task = TaskFactory(owner=owner)

        done = task_update(owner=owner, task_id=task.id, changes={"completed": True})
        assert done.completed_at is not None
        still_done = task_update(owner=owner, task_id=task.id, changes={"completed": True})
        assert still_done.completed_at == done.completed_at
        reopened = task_update(owner=owner, task_id=task.id, changes={"completed": False})
        assert reopened.completed_at is None

    def test_an_empty_change_keeps_the_version_and_etag(self, owner):
        task = TaskFactory(owner=owner)

        unchanged = task_update(owner=owner, task_id=task.id, changes={}, expected_versions={task.version})

        task.refresh_from_db()
        assert (unchanged.version, task.version) == (1, 1)
        assert unchanged.etag == task.etag

    def test_unknown_fields_are_refused(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(ValidationError) as excinfo:
            task_update(owner=owner, task_id=task.id, changes={"owner": UserFactory(), "version": 7})

        assert error_fields(excinfo) == {"owner", "version"}

    def test_another_owners_task_does_not_exist(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            task_update(owner=owner, task_id=task.id, changes={"title": "Mine now"})

    def test_a_stale_expected_version_raises_with_the_current_one(self, owner):
        task = TaskFactory(owner=owner)
        task_update(owner=owner, task_id=task.id, changes={"title": "Moved on"})

        with pytest.raises(PreconditionFailed) as excinfo:
            task_update(owner=owner, task_id=task.id, changes={"title": "Lost"}, expected_versions={1})

        assert excinfo.value.current_version == 2
        assert excinfo.value.current_etag == f'"{task.id.hex}-2"'
        task.refresh_from_db()
        assert (task.title, task.version) == ("Moved on", 2)

    def test_a_matching_expected_version_applies(self, owner):
        task = TaskFactory(owner=owner)

        updated = task_update(owner=owner, task_id=task.id, changes={"title": "ok"}, expected_versions={7, 1})

        assert updated.version == 2

    def test_no_expected_version_matches_nothing(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(PreconditionFailed):
            task_update(owner=owner, task_id=task.id, changes={"title": "x"}, expected_versions=())

    def test_invalid_change_leaves_the_task_untouched(self, owner):
        task = TaskFactory(owner=owner, title="Same")

        with pytest.raises(ValidationError):
            task_update(owner=owner, task_id=task.id, changes={"title": "New", "priority": "nope"})

        task.refresh_from_db()
        assert (task.title, task.version) == ("Same", 1)


class TestTaskDelete:
    def test_deletes_the_owners_task(self, owner):
        task = TaskFactory(owner=owner)

        task_delete(owner=owner, task_id=task.id)

        assert not Task.objects.exists()

    def test_a_stale_expected_version_keeps_the_task(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(PreconditionFailed):
            task_delete(owner=owner, task_id=task.id, expected_versions={9})

        assert Task.objects.filter(id=task.id).exists()

    def test_another_owners_task_is_not_deleted(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            task_delete(owner=owner, task_id=task.id)

        assert Task.objects.filter(id=task.id).exists()


class TestBulk:
    def test_unknown_action_is_refused(self, owner):
        with pytest.raises(ValidationError) as excinfo:
            task_bulk_apply(owner=owner, ids=[], action="archive")

        assert error_fields(excinfo) == {"action"}

    def test_actions_touch_only_the_owners_tasks(self, owner):
        mine = TaskFactory.create_batch(2, owner=owner)
        theirs = TaskFactory()
        ids = [t.id for t in [*mine, theirs]]

        assert task_bulk_apply(owner=owner, ids=ids, action=BulkAction.COMPLETE) == 2
        assert task_bulk_apply(owner=owner, ids=ids, action=BulkAction.REOPEN) == 2
        assert task_bulk_apply(owner=owner, ids=ids, action=BulkAction.DELETE) == 2
        theirs.refresh_from_db()
        assert (theirs.completed, theirs.version) == (False, 1)

    def test_a_failure_midway_rolls_back_the_whole_action(self, owner, monkeypatch):
        tasks = TaskFactory.create_batch(3, owner=owner)

        def fail_after_update(queryset, *, completed):
            queryset.update(completed=completed, completed_at=timezone.now())
            raise RuntimeError("interrupted")

        monkeypatch.setattr(services, "tasks_set_completed", fail_after_update)

        with pytest.raises(RuntimeError):
            task_bulk_apply(owner=owner, ids=[t.id for t in tasks], action=BulkAction.COMPLETE)

        assert not Task.objects.filter(completed=True).exists()

    def test_set_completed_changes_only_tasks_in_the_other_state(self, owner):
        TaskFactory(owner=owner, completed=True)
        TaskFactory(owner=owner)

        assert tasks_set_completed(Task.objects.all(), completed=True) == 1
        assert Task.objects.filter(completed=True).count() == 2
        assert set(Task.objects.values_list("version", flat=True)) == {1, 2}


class TestClearCompleted:
    def test_deletes_the_owners_completed_tasks_only(self, owner):
        TaskFactory.create_batch(2, owner=owner, completed=True)
        TaskFactory(owner=owner)
        TaskFactory(completed=True)

        assert task_clear_completed(owner=owner) == 2
        assert Task.objects.filter(owner=owner).count() == 1
        assert Task.objects.count() == 2
