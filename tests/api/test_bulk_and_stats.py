"""POST /tasks/bulk/ and GET /tasks/stats/."""

from datetime import timedelta

import pytest
from django.utils import timezone as _timezone

from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, assert_error
from tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

BULK_URL = f"{TASKS_URL}bulk/"
STATS_URL = f"{TASKS_URL}stats/"


def bulk(client, ids, action):
    return client.post(BULK_URL, {"ids": [str(i) for i in ids], "action": action}, format="json")


class TestBulk:
    def test_complete_marks_open_tasks_and_counts_only_changes(self, api_client, user):
        open_tasks = TaskFactory.create_batch(2, owner=user)
        done = TaskFactory(owner=user, completed=True)
        ids = [t.id for t in [*open_tasks, done]]

        response = bulk(api_client, ids, "complete")

        assert response.status_code == 200
        assert response.json() == {"action": "complete", "affected": 2}
        for task in open_tasks:
            task.refresh_from_db()
            assert task.completed is True
            assert task.completed_at is not None
            assert task.version == 2
        done_before = done.completed_at
        done.refresh_from_db()
        assert (done.version, done.completed_at) == (1, done_before)

    def test_reopen_clears_completed_at(self, api_client, user):
        done = TaskFactory.create_batch(3, owner=user, completed=True)

        response = bulk(api_client, [t.id for t in done], "reopen")

        assert response.json() == {"action": "reopen", "affected": 3}
        assert not Task.objects.filter(project=user.inbox, completed=True).exists()
        assert not Task.objects.filter(project=user.inbox, completed_at__isnull=False).exists()

    def test_delete_removes_only_the_named_tasks(self, api_client, user):
        doomed = TaskFactory.create_batch(2, owner=user)
        kept = TaskFactory(owner=user)

        response = bulk(api_client, [t.id for t in doomed], "delete")

        assert response.json() == {"action": "delete", "affected": 2}
        assert list(Task.objects.filter(project=user.inbox)) == [kept]

    def test_unknown_and_foreign_ids_are_ignored(self, api_client, user, other_user):
        mine = TaskFactory(owner=user)
        theirs = TaskFactory(owner=other_user)
        nobody = "00000000-0000-4000-8000-000000000000"

        response = bulk(api_client, [mine.id, theirs.id, nobody], "delete")

        assert response.json()["affected"] == 1
        assert Task.objects.filter(id=theirs.id).exists()

    def test_tasks_the_caller_may_only_see_are_ignored(self, api_client, user, other_user):
        shared = TaskFactory(project=ProjectFactory(members={user: "editor", other_user: "owner"}))
        only_seen = TaskFactory(project=ProjectFactory(members={user: "viewer", other_user: "owner"}))
        archived = TaskFactory(project=ProjectFactory(archived=True, members={user: "owner"}))

        response = bulk(api_client, [shared.id, only_seen.id, archived.id], "complete")

        assert response.json() == {"action": "complete", "affected": 1}
        assert list(Task.objects.filter(completed=True)) == [shared]

    def test_repeated_ids_count_once(self, api_client, user):
        task = TaskFactory(owner=user)

        assert bulk(api_client, [task.id, task.id], "complete").json()["affected"] == 1

    def test_bulk_changes_show_in_updated_at(self, api_client, user):
        task = TaskFactory(owner=user)
        before = task.updated_at

        bulk(api_client, [task.id], "complete")

        task.refresh_from_db()
        assert task.updated_at > before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"ids": [], "action": "complete"}, "ids"),
            ({"action": "complete"}, "ids"),
            ({"ids": ["not-a-uuid"], "action": "complete"}, "ids"),
            ({"ids": "00000000-0000-4000-8000-000000000000", "action": "complete"}, "ids"),
            ({"ids": ["00000000-0000-4000-8000-000000000000"], "action": "archive"}, "action"),
            ({"ids": ["00000000-0000-4000-8000-000000000000"]}, "action"),
            ({"ids": ["00000000-0000-4000-8000-000000000000"], "action": "delete", "x": 1}, "x"),
        ],
    )
    def test_invalid_bulk_requests_are_400_naming_the_field(self, api_client, user, body, field):
        task = TaskFactory(owner=user)

        assert_error(api_client.post(BULK_URL, body, format="json"), 400, fields=[field])
        task.refresh_from_db()
        assert task.version == 1

    def test_too_many_ids_is_400(self, api_client):
        ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(501)]

        assert_error(bulk(api_client, ids, "complete"), 400, fields=["ids"])

    def test_bulk_changes_every_task_in_one_statement(self, api_client, user, django_assert_max_num_queries):
        tasks = TaskFactory.create_batch(30, owner=user)

        with django_assert_max_num_queries(10) as captured:
            bulk(api_client, [t.id for t in tasks], "complete")

        statements = [q["sql"] for q in captured.captured_queries]
        updates = [s for s in statements if s.startswith("UPDATE") and "tasks_task" in s]
        assert len(updates) == 1


class TestStats:
    def test_stats_count_a_mix_of_tasks(self, api_client, user, other_user):
        today = _timezone.now().date()
        TaskFactory(owner=user, priority="high", due_date=today - timedelta(days=3))  # overdue
        TaskFactory(owner=user, priority="high", due_date=today - timedelta(days=1))  # overdue
        TaskFactory(owner=user, priority="medium", due_date=today)  # due today: not overdue
        TaskFactory(owner=user, priority="low", due_date=today + timedelta(days=1))
        TaskFactory(owner=user, priority="low")
        TaskFactory(owner=user, priority="medium", completed=True, due_date=today - timedelta(days=5))
        TaskFactory(owner=other_user, priority="high", due_date=today - timedelta(days=3))

        response = api_client.get(STATS_URL)

        assert response.status_code == 200
        assert response.json() == {
            "total": 6,
            "completed": 1,
            "open": 5,
            "overdue": 2,
            "by_priority": {"high": 2, "medium": 2, "low": 2},
            "completed_occurrences": 0,
        }

    def test_stats_cover_every_project_of_the_caller_and_take_the_list_filters(
        self, api_client, user, other_user
    ):
        project = ProjectFactory(members={user: "viewer", other_user: "owner"})
        TaskFactory(owner=user, priority="high")
        TaskFactory(project=project, priority="low", completed=True)
        TaskFactory(project=ProjectFactory(members={other_user: "owner"}), priority="low")

        everything = api_client.get(STATS_URL).json()
        one_project = api_client.get(STATS_URL, {"project": str(project.id)}).json()

        assert (everything["total"], everything["completed"]) == (2, 1)
        assert everything["by_priority"] == {"high": 1, "medium": 0, "low": 1}
        assert (one_project["total"], one_project["by_priority"]["high"]) == (1, 0)
        assert_error(api_client.get(STATS_URL, {"priority": "urgent"}), 400, fields=["priority"])

    def test_stats_for_a_new_user_are_zero(self, api_client):
        assert api_client.get(STATS_URL).json() == {
            "total": 0,
            "completed": 0,
            "open": 0,
            "overdue": 0,
            "by_priority": {"high": 0, "medium": 0, "low": 0},
            "completed_occurrences": 0,
        }
