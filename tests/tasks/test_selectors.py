from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from taskmanager.tasks import selectors
from taskmanager.tasks.models import Task
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


class TestTaskList:
    def test_only_the_owners_tasks_in_the_default_order(self, owner):
        now = timezone.now()
        specs = [("done", "high", True, 0), ("low", "low", False, 0), ("high old", "high", False, 2)]
        for title, priority, completed, age in specs:
            task = TaskFactory(owner=owner, title=title, priority=priority, completed=completed)
            Task.objects.filter(id=task.id).update(created_at=now - timedelta(days=age))
        TaskFactory(title="someone else's")

        titles = [task.title for task in selectors.task_list(owner=owner)]

        assert titles == ["high old", "low", "done"]

    def test_tags_come_prefetched(self, owner, django_assert_num_queries):
        TaskFactory.create_batch(5, owner=owner, tags=["a", "b"])

        with django_assert_num_queries(2):
            names = [sorted(t.name for t in task.tags.all()) for task in selectors.task_list(owner=owner)]

        assert names == [["a", "b"]] * 5


class TestTaskRows:
    def test_rows_carry_sorted_tag_names_in_one_query(self, owner, django_assert_num_queries):
        tagged = TaskFactory(owner=owner, tags=["zeta", "alpha"])
        bare = TaskFactory(owner=owner)
        TaskFactory(tags=["alpha"])

        with django_assert_num_queries(2):
            rows = selectors.with_tag_names(selectors.task_rows(owner=owner))

        by_id = {row["id"]: row for row in rows}
        assert set(by_id) == {tagged.id, bare.id}
        assert by_id[tagged.id]["tags"] == ["alpha", "zeta"]
        assert by_id[bare.id]["tags"] == []

    def test_no_rows_need_no_tag_query(self, owner, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert selectors.with_tag_names(selectors.task_rows(owner=owner)) == []


class TestTaskGet:
    def test_gets_the_owners_task(self, owner):
        task = TaskFactory(owner=owner)

        assert selectors.task_get(owner=owner, task_id=task.id) == task

    def test_another_owners_task_does_not_exist(self, owner):
        task = TaskFactory()

        with pytest.raises(Task.DoesNotExist):
            selectors.task_get(owner=owner, task_id=task.id)
        with pytest.raises(Task.DoesNotExist):
            selectors.task_get_for_update(owner=owner, task_id=task.id)


class TestStats:
    def test_counts_by_state_priority_and_overdue(self, owner):
        today = selectors.today_utc()
        TaskFactory(owner=owner, priority="high", due_date=today - timedelta(days=1))
        TaskFactory(owner=owner, priority="low", due_date=today)
        TaskFactory(owner=owner, priority="low", completed=True, due_date=today - timedelta(days=2))
        TaskFactory(priority="high", due_date=today - timedelta(days=1))

        assert selectors.task_stats(owner=owner) == {
            "total": 3,
            "completed": 1,
            "open": 2,
            "overdue": 1,
            "by_priority": {"high": 1, "medium": 0, "low": 2},
        }

    def test_stats_is_one_query(self, owner, django_assert_num_queries):
        TaskFactory.create_batch(3, owner=owner)

        with django_assert_num_queries(1):
            selectors.task_stats(owner=owner)


class TestTagList:
    def test_counts_the_owners_tasks_per_tag(self, owner):
        TaskFactory(owner=owner, tags=["b", "a"])
        TaskFactory(owner=owner, tags=["b"])
        TaskFactory(tags=["b", "c"])

        tags = [(tag.name, tag.task_count) for tag in selectors.tag_list(owner=owner)]

        assert tags == [("a", 1), ("b", 2)]


def test_today_is_the_utc_date_whatever_the_local_zone(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: a different date for most of the day
    before = datetime.now(UTC).date()

    today = selectors.today_utc()

    assert today in {before, datetime.now(UTC).date()}
