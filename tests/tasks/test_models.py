"""The database itself refuses rows that break the task domain's rules.

Each test writes a bad row directly, bypassing the services, as a bug, a raw
SQL fix-up or another client of the database might.
"""

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from taskmanager.projects.models import Project
from taskmanager.tasks.models import Tag, Task
from tests.factories import ProjectFactory, TagFactory, TaskFactory, UserFactory
from tests.prerequisites import unavailable

pytestmark = pytest.mark.django_db


def refused(write):
    """True when the database rejects ``write`` with an integrity error."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def owner():
    return UserFactory()


class TestTaskConstraints:
    def test_a_valid_row_is_accepted(self, owner):
        assert not refused(lambda: Task.objects.create(project=owner.inbox, title="Fine", priority="high"))

    @pytest.mark.parametrize("priority", ["urgent", "HIGH", "", "med"])
    def test_priority_outside_the_choices_is_refused(self, owner, priority):
        assert refused(lambda: Task.objects.create(project=owner.inbox, title="t", priority=priority))

    @pytest.mark.parametrize("title", ["", " ", "\t\n  "])
    def test_blank_title_is_refused(self, owner, title):
        assert refused(lambda: Task.objects.create(project=owner.inbox, title=title))

    def test_blanking_an_existing_title_is_refused(self, owner):
        task = TaskFactory(owner=owner)

        assert refused(lambda: Task.objects.filter(id=task.id).update(title="   "))

    def test_completed_without_completed_at_is_refused(self, owner):
        assert refused(
            lambda: Task.objects.create(project=owner.inbox, title="t", completed=True, completed_at=None)
        )

    def test_completed_at_on_an_open_task_is_refused(self, owner):
        assert refused(
            lambda: Task.objects.create(
                project=owner.inbox, title="t", completed=False, completed_at=timezone.now()
            )
        )

    def test_reopening_without_clearing_completed_at_is_refused(self, owner):
        task = TaskFactory(owner=owner, completed=True)

        assert refused(lambda: Task.objects.filter(id=task.id).update(completed=False))

    def test_version_below_one_is_refused(self, owner):
        task = TaskFactory(owner=owner)

        assert refused(lambda: Task.objects.filter(id=task.id).update(version=0))

    def test_title_longer_than_200_is_refused(self, owner):
        if connection.vendor == "sqlite":
            unavailable("SQLite does not enforce VARCHAR lengths", "run against PostgreSQL")
        with pytest.raises(DataError), transaction.atomic():
            Task.objects.create(project=owner.inbox, title="x" * 201)

    def test_priority_rank_is_generated_from_priority(self, owner):
        for priority, rank in (("low", 1), ("medium", 2), ("high", 3)):
            task = TaskFactory(owner=owner, priority=priority)
            task.refresh_from_db()
            assert task.priority_rank == rank

        task = TaskFactory(owner=owner, priority="low")
        Task.objects.filter(id=task.id).update(priority="high")
        task.refresh_from_db()
        assert task.priority_rank == 3

    def test_a_task_needs_a_project(self):
        assert refused(lambda: Task.objects.create(project=None, title="Nowhere"))

    def test_deleting_a_user_deletes_their_inbox_with_its_tasks_and_tags(self, owner):
        TaskFactory(owner=owner, tags=["a"])

        owner.delete()

        assert not Project.objects.exists()
        assert not Task.objects.exists()
        assert not Tag.objects.exists()

    def test_deleting_a_user_keeps_their_tasks_in_shared_projects_unattributed(self, owner):
        project = ProjectFactory(members={owner: "owner", UserFactory(): "owner"})
        task = TaskFactory(project=project, created_by=owner, assignee=owner, tags=["shared"])

        owner.delete()

        task.refresh_from_db()
        assert (task.created_by, task.assignee) == (None, None)
        assert [tag.name for tag in task.tags.all()] == ["shared"]

    def test_str_is_the_title(self, owner):
        task = TaskFactory(owner=owner)

        assert str(task) == task.title


class TestTagConstraints:
    @pytest.mark.parametrize("name", ["Work", "has space", "-dash-first", "_under", "", "ünï", "a.b"])
    def test_names_that_are_not_lowercase_slugs_are_refused(self, owner, name):
        assert refused(lambda: Tag.objects.create(project=owner.inbox, name=name))

    @pytest.mark.parametrize("name", ["work", "a", "9lives", "to-do", "snake_case", "x" * 32])
    def test_lowercase_slugs_are_accepted(self, owner, name):
        assert not refused(lambda: Tag.objects.create(project=owner.inbox, name=name))

    def test_a_name_is_unique_per_project_only(self, owner):
        TagFactory(owner=owner, name="work")

        assert refused(lambda: Tag.objects.create(project=owner.inbox, name="work"))
        assert not refused(lambda: Tag.objects.create(project=UserFactory().inbox, name="work"))
        assert not refused(lambda: Tag.objects.create(project=ProjectFactory(), name="work"))
