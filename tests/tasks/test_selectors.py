from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils import timezone as _timezone

from taskmanager.projects.access import Administration
from taskmanager.tasks import selectors
from taskmanager.tasks.models import Task
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    # Loaded as the API's authentication loads the caller: with their preferences (time zone).
    return get_user_model().objects.select_related("preferences").get(pk=UserFactory().pk)


class TestTaskRows:
    def test_only_the_actors_tasks_in_the_default_order(self, owner):
        now = timezone.now()
        specs = [("done", "high", True, 0), ("low", "low", False, 0), ("high old", "high", False, 2)]
        for title, priority, completed, age in specs:
            task = TaskFactory(owner=owner, title=title, priority=priority, completed=completed)
            Task.objects.filter(id=task.id).update(created_at=now - timedelta(days=age))
        TaskFactory(title="someone else's")

        titles = [row["title"] for row in selectors.task_rows(actor=owner)]

        assert titles == ["high old", "low", "done"]

    def test_tasks_of_every_project_the_actor_is_a_member_of(self, owner):
        TaskFactory(owner=owner, title="inbox")
        TaskFactory(project=ProjectFactory(members={owner: "viewer"}), title="shared")
        TaskFactory(project=ProjectFactory(members={UserFactory(): "owner"}), title="not a member")

        titles = sorted(row["title"] for row in selectors.task_rows(actor=owner))

        assert titles == ["inbox", "shared"]

    def test_the_admin_sees_every_task(self, owner):
        TaskFactory(owner=owner)
        TaskFactory(project=ProjectFactory())

        assert selectors.task_rows(actor=Administration(UserFactory(is_staff=True))).count() == 2

    def test_rows_carry_sorted_tag_names_in_one_query(self, owner, django_assert_num_queries):
        # Plus one: the actor's project ids, read first (projects.access.visible_project_id_list).
        tagged = TaskFactory(owner=owner, tags=["zeta", "alpha"])
        bare = TaskFactory(owner=owner)
        TaskFactory(tags=["alpha"])

        with django_assert_num_queries(3):
            rows = selectors.with_tag_names(selectors.task_rows(actor=owner), actor=owner)

        by_id = {row["id"]: row for row in rows}
        assert set(by_id) == {tagged.id, bare.id}
        assert by_id[tagged.id]["tags"] == ["alpha", "zeta"]
        assert by_id[bare.id]["tags"] == []

    def test_no_rows_need_no_tag_query(self, owner, django_assert_num_queries):
        with django_assert_num_queries(2):  # the project ids, the rows
            assert selectors.with_tag_names(selectors.task_rows(actor=owner), actor=owner) == []

    def test_rows_say_who_made_and_who_has_the_task_and_whether_it_is_overdue(self, owner):
        helper = UserFactory(username="helper")
        project = ProjectFactory(members={owner: "owner", helper: "editor"})
        yesterday = _timezone.now().date() - timedelta(days=1)
        TaskFactory(project=project, created_by=owner, assignee=helper, due_date=yesterday)

        (row,) = selectors.with_tag_names(selectors.task_rows(actor=owner), actor=owner)

        assert (row["project_id"], row["created_by_username"], row["assignee_username"]) == (
            project.id,
            owner.username,
            "helper",
        )
        assert row["overdue"] is True


class TestTaskRow:
    def test_gets_the_actors_task_with_its_tags_in_one_query(self, owner, django_assert_num_queries):
        task = TaskFactory(owner=owner, tags=["b", "a"])

        with django_assert_num_queries(1):
            row = selectors.task_row(actor=owner, task_id=task.id)

        assert (row["id"], row["title"], row["version"]) == (task.id, task.title, 1)
        assert row["tags"] == ["a", "b"]
        assert row["overdue"] is False

    def test_a_task_in_a_shared_project_is_visible_to_each_member(self, owner):
        viewer = UserFactory()
        task = TaskFactory(project=ProjectFactory(members={owner: "owner", viewer: "viewer"}))

        assert selectors.task_row(actor=viewer, task_id=task.id)["id"] == task.id

    def test_another_users_task_does_not_exist(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            selectors.task_row(actor=owner, task_id=task.id)

    def test_a_task_of_a_project_the_actor_is_no_member_of_does_not_exist(self, owner):
        task = TaskFactory(project=ProjectFactory(members={UserFactory(): "owner"}))

        with pytest.raises(Task.DoesNotExist):
            selectors.task_row(actor=owner, task_id=task.id)


class TestStats:
    def test_counts_by_state_priority_and_overdue(self, owner):
        today = _timezone.now().date()
        TaskFactory(owner=owner, priority="high", due_date=today - timedelta(days=1))
        TaskFactory(owner=owner, priority="low", due_date=today)
        TaskFactory(owner=owner, priority="low", completed=True, due_date=today - timedelta(days=2))
        TaskFactory(priority="high", due_date=today - timedelta(days=1))

        assert selectors.task_stats(actor=owner) == {
            "total": 3,
            "completed": 1,
            "open": 2,
            "overdue": 1,
            "by_priority": {"high": 1, "medium": 0, "low": 2},
            "completed_occurrences": 0,
        }

    def test_stats_is_two_queries(self, owner, django_assert_num_queries):
        TaskFactory.create_batch(3, owner=owner)
        TaskFactory(project=ProjectFactory(members={owner: "editor"}))

        with django_assert_num_queries(2):  # the grouped counts, the completed occurrences
            assert selectors.task_stats(actor=owner)["total"] == 4


class TestTagList:
    def test_counts_the_actors_tasks_per_tag(self, owner):
        TaskFactory(owner=owner, tags=["b", "a"])
        TaskFactory(owner=owner, tags=["b"])
        TaskFactory(tags=["b", "c"])

        tags = [(tag["name"], tag["task_count"]) for tag in selectors.tag_list(actor=owner)]

        assert tags == [("a", 1), ("b", 2)]

    def test_a_name_used_in_several_projects_is_one_entry(self, owner):
        TaskFactory(owner=owner, tags=["b"])
        TaskFactory(project=ProjectFactory(members={owner: "viewer"}), tags=["b"])

        assert selectors.tag_list(actor=owner) == [{"name": "b", "task_count": 2}]


def test_today_is_the_utc_date_whatever_the_local_zone(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: a different date for most of the day
    before = datetime.now(UTC).date()

    today = _timezone.now().date()

    assert today in {before, datetime.now(UTC).date()}
