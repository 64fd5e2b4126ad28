from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from taskmanager.domain.errors import VersionConflict
from taskmanager.tasks import services
from taskmanager.tasks.models import Tag, Task
from taskmanager.tasks.services import (
    BulkAction,
    task_bulk_apply,
    task_clear_completed,
    task_create,
    task_delete,
    task_update,
    tasks_set_completed,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


class TestTaskCreate:
    def test_creates_a_normalised_task_in_the_actors_inbox(self, owner):
        row = task_create(
            actor=owner,
            title="  Plan  ",
            description="  kept as written  ",
            priority="high",
            due_date=date(2030, 1, 1),
            tags=["B", "a", " b ", "A"],
        )

        task = Task.objects.get(id=row["id"])
        assert (task.project, task.created_by, task.assignee) == (owner.inbox, owner, None)
        assert task.title == "Plan"
        assert task.description == "  kept as written  "
        assert task.priority == "high"
        assert task.due_date == date(2030, 1, 1)
        assert sorted(t.name for t in task.tags.all()) == ["a", "b"]
        assert (task.completed, task.completed_at, task.version) == (False, None, 1)

    def test_returns_the_row_the_api_sends(self, owner):
        row = task_create(actor=owner, title="Row", tags=["z", "y"])

        assert row["project_id"] == owner.inbox.id
        assert row["created_by_username"] == owner.username
        assert row["assignee_username"] is None
        assert row["tags"] == ["y", "z"]
        assert (row["version"], row["overdue"]) == (1, False)

    def test_created_completed_has_a_completion_time(self, owner):
        row = task_create(actor=owner, title="Done", completed=True)

        assert row["completed_at"] is not None
        assert row["completed_at"] <= timezone.now()

    def test_reuses_the_projects_existing_tags(self, owner):
        existing = Tag.objects.create(project=owner.inbox, name="home")

        row = task_create(actor=owner, title="t", tags=["home"])

        assert list(Task.objects.get(id=row["id"]).tags.all()) == [existing]
        assert Tag.objects.filter(project=owner.inbox).count() == 1

    def test_creates_in_a_shared_project_with_a_member_assigned(self, owner):
        helper = UserFactory(username="helper")
        project = ProjectFactory(members={owner: "editor", helper: "viewer"})

        row = task_create(actor=owner, title="Shared", project=project.id, assignee="HELPER", tags=["x"])

        task = Task.objects.get(id=row["id"])
        assert (task.project, task.assignee, task.created_by) == (project, helper, owner)
        assert list(Tag.objects.filter(name="x").values_list("project", flat=True)) == [project.id]

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
            ({"title": "t", "tags": [""]}, {"tags"}),
            ({"title": "t", "tags": ["ok", "   "]}, {"tags"}),
            ({"title": "t", "tags": [f"t{n}" for n in range(21)]}, {"tags"}),
            ({"title": "t", "project": "not-a-project-id"}, {"project"}),
            ({"title": "t", "assignee": 5}, {"assignee"}),
            ({"title": "t", "assignee": "nobody-by-that-name"}, {"assignee"}),
            ({"title": "", "priority": "urgent", "tags": ["!"]}, {"title", "priority", "tags"}),
        ],
    )
    def test_invalid_fields_are_named_and_nothing_is_written(self, owner, fields, bad):
        with pytest.raises(ValidationError) as excinfo:
            task_create(actor=owner, **fields)

        assert error_fields(excinfo) == bad
        assert not Task.objects.exists()
        assert not Tag.objects.exists()

    def test_a_blank_tag_has_the_one_tag_message(self, owner):
        with pytest.raises(ValidationError) as excinfo:
            task_create(actor=owner, title="t", tags=[""])

        (message,) = excinfo.value.message_dict["tags"]
        assert message.startswith("Tag '' is invalid: ")

    def test_duplicates_count_once_toward_the_tag_limit(self, owner):
        row = task_create(actor=owner, title="t", tags=[f"t{n % 20}" for n in range(40)])

        assert len(row["tags"]) == 20


class TestTaskUpdate:
    def test_applies_changes_and_bumps_the_version(self, owner):
        task = TaskFactory(owner=owner, title="Old", tags=["old"])
        updated_before = task.updated_at

        updated = task_update(actor=owner, task_id=task.id, changes={"title": " New ", "tags": ["New"]})

        assert updated["title"] == "New"
        assert updated["version"] == 2
        assert updated["updated_at"] > updated_before
        assert updated["tags"] == ["new"]
        assert [t.name for t in Task.objects.get(id=task.id).tags.all()] == ["new"]

    def test_completing_and_reopening_keep_completed_at_consistent(self, owner):
        task = TaskFactory(owner=owner)

        done = task_update(actor=owner, task_id=task.id, changes={"completed": True})
        assert done["completed_at"] is not None
        still_done = task_update(actor=owner, task_id=task.id, changes={"completed": True})
        assert still_done["completed_at"] == done["completed_at"]
        reopened = task_update(actor=owner, task_id=task.id, changes={"completed": False})
        assert reopened["completed_at"] is None

    def test_an_empty_change_keeps_the_version_and_updated_at(self, owner):
        task = TaskFactory(owner=owner)

        unchanged = task_update(actor=owner, task_id=task.id, changes={}, expected_versions={task.version})

        stored = Task.objects.get(id=task.id)
        assert (unchanged["version"], stored.version) == (1, 1)
        assert unchanged["updated_at"] == stored.updated_at == task.updated_at

    def test_unknown_fields_are_refused(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(ValidationError) as excinfo:
            task_update(actor=owner, task_id=task.id, changes={"owner": UserFactory(), "version": 7})

        assert error_fields(excinfo) == {"owner", "version"}

    def test_another_users_task_does_not_exist(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            task_update(actor=owner, task_id=task.id, changes={"title": "Mine now"})

    def test_a_stale_expected_version_raises_with_the_current_one(self, owner):
        task = TaskFactory(owner=owner)
        task_update(actor=owner, task_id=task.id, changes={"title": "Moved on"})

        with pytest.raises(VersionConflict) as excinfo:
            task_update(actor=owner, task_id=task.id, changes={"title": "Lost"}, expected_versions={1})

        assert (excinfo.value.object_id, excinfo.value.current_version) == (task.id, 2)
        assert str(excinfo.value) == "The task has changed since it was read."
        task.refresh_from_db()
        assert (task.title, task.version) == ("Moved on", 2)

    def test_a_matching_expected_version_applies(self, owner):
        task = TaskFactory(owner=owner)

        updated = task_update(actor=owner, task_id=task.id, changes={"title": "ok"}, expected_versions={7, 1})

        assert updated["version"] == 2

    def test_no_expected_version_matches_nothing(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(VersionConflict):
            task_update(actor=owner, task_id=task.id, changes={"title": "x"}, expected_versions=())

    def test_invalid_change_leaves_the_task_untouched(self, owner):
        task = TaskFactory(owner=owner, title="Same")

        with pytest.raises(ValidationError):
            task_update(actor=owner, task_id=task.id, changes={"title": "New", "priority": "nope"})

        task.refresh_from_db()
        assert (task.title, task.version) == ("Same", 1)

    def test_moving_takes_the_tag_names_along(self, owner):
        task = TaskFactory(owner=owner, tags=["b", "a"])
        project = ProjectFactory(members={owner: "editor"})

        moved = task_update(actor=owner, task_id=task.id, changes={"project": project.id})

        assert (moved["project_id"], moved["tags"], moved["version"]) == (project.id, ["a", "b"], 2)
        assert set(Task.objects.get(id=task.id).tags.values_list("project", flat=True)) == {project.id}


class TestTaskDelete:
    def test_deletes_the_actors_task(self, owner):
        task = TaskFactory(owner=owner)

        task_delete(actor=owner, task_id=task.id)

        assert not Task.objects.exists()

    def test_a_stale_expected_version_keeps_the_task(self, owner):
        task = TaskFactory(owner=owner)

        with pytest.raises(VersionConflict):
            task_delete(actor=owner, task_id=task.id, expected_versions={9})

        assert Task.objects.filter(id=task.id).exists()

    def test_another_users_task_is_not_deleted(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            task_delete(actor=owner, task_id=task.id)

        assert Task.objects.filter(id=task.id).exists()


class TestBulk:
    def test_unknown_action_is_refused(self, owner):
        with pytest.raises(ValidationError) as excinfo:
            task_bulk_apply(actor=owner, ids=[], action="archive")

        assert error_fields(excinfo) == {"action"}
        assert excinfo.value.message_dict["action"] == ["Action must be one of: complete, reopen, delete."]

    def test_actions_touch_only_the_tasks_the_actor_may_change(self, owner):
        mine = TaskFactory.create_batch(2, owner=owner)
        theirs = TaskFactory()
        only_seen = TaskFactory(project=ProjectFactory(members={owner: "viewer"}))
        ids = [t.id for t in [*mine, theirs, only_seen]]

        assert task_bulk_apply(actor=owner, ids=ids, action=BulkAction.COMPLETE) == 2
        assert task_bulk_apply(actor=owner, ids=ids, action=BulkAction.REOPEN) == 2
        assert task_bulk_apply(actor=owner, ids=ids, action=BulkAction.DELETE) == 2
        for task in (theirs, only_seen):
            task.refresh_from_db()
            assert (task.completed, task.version) == (False, 1)

    def test_a_failure_midway_rolls_back_the_whole_action(self, owner, monkeypatch):
        tasks = TaskFactory.create_batch(3, owner=owner)

        def fail_after_update(locked, *, completed, actor, repeating=None):
            Task.objects.filter(id__in=locked).update(completed=completed, completed_at=timezone.now())
            raise RuntimeError("interrupted")

        monkeypatch.setattr(services, "_tasks_completed_set", fail_after_update)

        with pytest.raises(RuntimeError):
            task_bulk_apply(actor=owner, ids=[t.id for t in tasks], action=BulkAction.COMPLETE)

        assert not Task.objects.filter(completed=True).exists()

    def test_set_completed_changes_only_tasks_in_the_other_state(self, owner):
        TaskFactory(owner=owner, completed=True)
        TaskFactory(owner=owner)

        assert tasks_set_completed(Task.objects.all(), completed=True) == 1
        assert Task.objects.filter(completed=True).count() == 2
        assert set(Task.objects.values_list("version", flat=True)) == {1, 2}


class TestClearCompleted:
    def test_deletes_the_actors_completed_tasks_only(self, owner):
        TaskFactory.create_batch(2, owner=owner, completed=True)
        TaskFactory(owner=owner)
        TaskFactory(completed=True)

        assert task_clear_completed(actor=owner) == 2
        assert Task.objects.filter(project=owner.inbox).count() == 1
        assert Task.objects.count() == 2

    def test_only_in_the_given_project(self, owner):
        project = ProjectFactory(members={owner: "editor"})
        TaskFactory(owner=owner, completed=True)
        TaskFactory(project=project, completed=True)

        assert task_clear_completed(actor=owner, project=project.id) == 1
        assert list(Task.objects.values_list("project", flat=True)) == [owner.inbox.id]
