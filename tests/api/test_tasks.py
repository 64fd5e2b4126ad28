from datetime import date, datetime
from itertools import pairwise

import pytest

from taskmanager.api.etags import etag
from taskmanager.tasks.models import Tag, Task
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

TASK_KEYS = {
    "id",
    "due_at",
    "due_today",
    "recurrence",
    "recurrence_text",
    "recur_from",
    "parent",
    "position",
    "subtask_count",
    "subtask_done_count",
    "project",
    "title",
    "description",
    "priority",
    "completed",
    "completed_at",
    "due_date",
    "tags",
    "assignee",
    "created_by",
    "overdue",
    "created_at",
    "updated_at",
    "version",
}


def create(client, **body):
    response = client.post(TASKS_URL, body, format="json")
    assert response.status_code == 201, response.content
    return response


class TestCreate:
    def test_create_answers_201_with_location_etag_and_the_task(self, api_client, user):
        response = create(
            api_client,
            title="  Write the report  ",
            description="Quarterly numbers",
            priority="high",
            due_date="2031-05-04",
            tags=["Work", "work", " urgent ", "WORK"],
        )

        body = response.json()
        assert set(body) == TASK_KEYS
        task = Task.objects.get(id=body["id"])
        assert (task.project, task.created_by, task.assignee) == (user.inbox, user, None)
        assert response["Location"] == task_url(task)
        assert response["ETag"] == etag(task.id, task.version) == f'"{task.id.hex}-1"'
        assert body["project"] == str(user.inbox.id)
        assert (body["created_by"], body["assignee"], body["overdue"]) == ("alice", None, False)
        assert body["title"] == "Write the report"
        assert body["description"] == "Quarterly numbers"
        assert body["priority"] == "high"
        assert body["due_date"] == "2031-05-04"
        assert body["tags"] == ["urgent", "work"]
        assert body["completed"] is False
        assert body["completed_at"] is None
        assert body["version"] == 1
        assert datetime.fromisoformat(body["created_at"]) == task.created_at
        assert datetime.fromisoformat(body["created_at"]).utcoffset() is not None
        # UTC, spelled as every time in the API is (user and token fields too).
        assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
        assert sorted(Tag.objects.filter(project=user.inbox).values_list("name", flat=True)) == [
            "urgent",
            "work",
        ]

    def test_defaults_for_omitted_fields(self, api_client):
        body = create(api_client, title="Just a title").json()

        assert body["description"] == ""
        assert body["priority"] == "medium"
        assert body["completed"] is False
        assert body["due_date"] is None
        assert body["tags"] == []

    def test_create_completed_sets_completed_at(self, api_client):
        body = create(api_client, title="Already done", completed=True).json()

        assert body["completed"] is True
        assert datetime.fromisoformat(body["completed_at"]) <= datetime.fromisoformat(body["created_at"])

    def test_read_only_fields_echoed_back_are_ignored(self, api_client):
        body = create(
            api_client,
            title="Copied",
            id="00000000-0000-0000-0000-000000000001",
            version=99,
            created_at="2000-01-01T00:00:00Z",
        ).json()

        assert body["id"] != "00000000-0000-0000-0000-000000000001"
        assert body["version"] == 1
        assert not body["created_at"].startswith("2000")

    def test_tags_are_shared_per_project_not_duplicated(self, api_client, user):
        create(api_client, title="One", tags=["home"])
        create(api_client, title="Two", tags=["Home"])

        assert Tag.objects.filter(project=user.inbox, name="home").count() == 1

    def test_create_in_a_shared_project_assigned_to_a_member(self, api_client, user, other_user):
        project = ProjectFactory(members={user: "editor", other_user: "viewer"})

        body = create(api_client, title="Ours", project=str(project.id), assignee="bob", tags=["x"]).json()

        assert (body["project"], body["assignee"], body["created_by"]) == (str(project.id), "bob", "alice")
        assert list(Tag.objects.filter(name="x").values_list("project", flat=True)) == [project.id]


class TestRead:
    def test_detail_returns_the_task_with_its_etag(self, api_client, user):
        task = TaskFactory(owner=user, title="Read me", tags=["b", "a"], due_date=date(2030, 1, 2))

        response = api_client.get(task_url(task))

        assert response.status_code == 200
        assert response["ETag"] == etag(task.id, task.version)
        body = response.json()
        assert body["id"] == str(task.id)
        assert body["title"] == "Read me"
        assert body["tags"] == ["a", "b"]
        assert body["due_date"] == "2030-01-02"

    def test_list_returns_the_callers_tasks(self, api_client, user):
        TaskFactory.create_batch(3, owner=user)

        response = api_client.get(TASKS_URL)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert len(body["results"]) == 3
        assert all(set(item) == TASK_KEYS for item in body["results"])


class TestReplace:
    def test_put_replaces_and_resets_omitted_fields(self, api_client, user):
        task = TaskFactory(
            owner=user,
            title="Old",
            description="Old description",
            priority="high",
            due_date=date(2030, 1, 1),
            tags=["keep"],
            completed=True,
        )

        response = api_client.put(task_url(task), {"title": "New"}, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "New"
        assert body["description"] == ""
        assert body["priority"] == "medium"
        assert body["due_date"] is None
        assert body["tags"] == []
        assert body["completed"] is False
        assert body["completed_at"] is None
        assert body["version"] == 2
        assert response["ETag"] == f'"{task.id.hex}-2"'
        task.refresh_from_db()
        assert (task.title, task.description, task.priority, task.due_date) == ("New", "", "medium", None)
        assert not task.tags.exists()

    def test_put_needs_a_title(self, api_client, user):
        task = TaskFactory(owner=user)

        assert_error(
            api_client.put(task_url(task), {"priority": "low"}, format="json"), 400, fields=["title"]
        )

    def test_put_sets_every_given_field(self, api_client, user):
        task = TaskFactory(owner=user)

        body = api_client.put(
            task_url(task),
            {
                "title": "All",
                "description": "d",
                "priority": "low",
                "completed": True,
                "due_date": "2029-02-03",
                "tags": ["x"],
            },
            format="json",
        ).json()

        assert (body["title"], body["description"], body["priority"]) == ("All", "d", "low")
        assert (body["completed"], body["due_date"], body["tags"]) == (True, "2029-02-03", ["x"])
        assert body["completed_at"] is not None


class TestPatch:
    def test_patch_changes_only_the_given_fields(self, api_client, user):
        task = TaskFactory(owner=user, title="Keep", description="Keep too", priority="low", tags=["t"])

        response = api_client.patch(task_url(task), {"priority": "high"}, format="json")

        assert response.status_code == 200
        body = response.json()
        assert body["priority"] == "high"
        assert (body["title"], body["description"], body["tags"]) == ("Keep", "Keep too", ["t"])

    def test_patch_can_clear_due_date_and_tags(self, api_client, user):
        task = TaskFactory(owner=user, due_date=date(2030, 1, 1), tags=["a", "b"])

        body = api_client.patch(task_url(task), {"due_date": None, "tags": []}, format="json").json()

        assert body["due_date"] is None
        assert body["tags"] == []

    def test_complete_sets_completed_at_and_reopen_clears_it(self, api_client, user):
        task = TaskFactory(owner=user)

        completed = api_client.patch(task_url(task), {"completed": True}, format="json").json()
        assert completed["completed"] is True
        completed_at = datetime.fromisoformat(completed["completed_at"])

        # Completing again keeps the original completion time.
        again = api_client.patch(task_url(task), {"completed": True, "title": "t"}, format="json").json()
        assert datetime.fromisoformat(again["completed_at"]) == completed_at

        reopened = api_client.patch(task_url(task), {"completed": False}, format="json").json()
        assert reopened["completed"] is False
        assert reopened["completed_at"] is None

    def test_every_change_increases_version_and_updated_at(self, api_client, user):
        task = TaskFactory(owner=user)
        before = api_client.get(task_url(task)).json()
        versions, stamps = [before["version"]], [datetime.fromisoformat(before["updated_at"])]

        for change in ({"title": "a"}, {"priority": "low"}, {"completed": True}, {"tags": ["z"]}):
            body = api_client.patch(task_url(task), change, format="json").json()
            versions.append(body["version"])
            stamps.append(datetime.fromisoformat(body["updated_at"]))

        assert versions == [1, 2, 3, 4, 5]
        assert all(later > earlier for earlier, later in pairwise(stamps))
        assert stamps[0] >= datetime.fromisoformat(before["created_at"])


class TestDelete:
    def test_delete_is_204_and_the_task_is_gone(self, api_client, user):
        task = TaskFactory(owner=user, tags=["keep-tag"])

        response = api_client.delete(task_url(task))

        assert response.status_code == 204
        assert response.content == b""
        assert not Task.objects.filter(id=task.id).exists()
        assert_error(api_client.get(task_url(task)), 404)

    def test_deleting_twice_is_404(self, api_client, user):
        task = TaskFactory(owner=user)
        api_client.delete(task_url(task))

        assert_error(api_client.delete(task_url(task)), 404)


class TestClearCompleted:
    def test_clear_completed_deletes_only_the_callers_completed_tasks(self, api_client, user, other_user):
        TaskFactory.create_batch(2, owner=user, completed=True)
        open_task = TaskFactory(owner=user)
        others = TaskFactory(owner=other_user, completed=True)
        only_seen = TaskFactory(project=ProjectFactory(members={user: "viewer"}), completed=True)

        response = api_client.post(f"{TASKS_URL}clear-completed/")

        assert response.status_code == 200
        assert response.json() == {"deleted": 2}
        assert list(Task.objects.filter(project=user.inbox)) == [open_task]
        assert Task.objects.filter(id__in=[others.id, only_seen.id]).count() == 2

    def test_clear_completed_of_one_project(self, api_client, user):
        project = ProjectFactory(members={user: "owner"})
        TaskFactory(owner=user, completed=True)
        TaskFactory(project=project, completed=True)

        response = api_client.post(
            f"{TASKS_URL}clear-completed/", {"project": str(project.id)}, format="json"
        )

        assert response.json() == {"deleted": 1}
        assert list(Task.objects.values_list("project", flat=True)) == [user.inbox.id]

    @pytest.mark.parametrize("body", ["null", "[]", "0", "false", '"x"', '{"project": null}', '{"x": 1}'])
    def test_a_body_that_is_no_object_of_options_is_400(self, api_client, user, body):
        TaskFactory(owner=user, completed=True)

        response = api_client.post(f"{TASKS_URL}clear-completed/", body, content_type="application/json")

        assert_error(response, 400)
        assert Task.objects.count() == 1

    def test_an_empty_object_clears_everything_the_caller_may(self, api_client, user):
        TaskFactory(owner=user, completed=True)

        response = api_client.post(f"{TASKS_URL}clear-completed/", {}, format="json")

        assert response.json() == {"deleted": 1}


class TestIsolation:
    """A task of a project the caller is no member of behaves exactly as if it did not exist."""

    @pytest.fixture(params=["another users inbox", "a project of others"])
    def foreign_task(self, request, other_user):
        if request.param == "another users inbox":
            project = other_user.inbox
        else:
            project = ProjectFactory(members={other_user: "owner", UserFactory(): "viewer"})
        return TaskFactory(project=project, title="Private", tags=["secret"], completed=False)

    def test_get_is_404(self, api_client, foreign_task):
        assert_error(api_client.get(task_url(foreign_task)), 404)

    def test_put_is_404_and_changes_nothing(self, api_client, foreign_task):
        assert_error(api_client.put(task_url(foreign_task), {"title": "Mine"}, format="json"), 404)
        foreign_task.refresh_from_db()
        assert (foreign_task.title, foreign_task.version) == ("Private", 1)

    def test_patch_is_404_and_changes_nothing(self, api_client, foreign_task):
        assert_error(api_client.patch(task_url(foreign_task), {"completed": True}, format="json"), 404)
        foreign_task.refresh_from_db()
        assert (foreign_task.completed, foreign_task.version) == (False, 1)

    def test_delete_is_404_and_deletes_nothing(self, api_client, foreign_task):
        assert_error(api_client.delete(task_url(foreign_task)), 404)
        assert Task.objects.filter(id=foreign_task.id).exists()

    def test_404_for_a_foreign_task_matches_404_for_no_task(self, api_client, foreign_task):
        foreign = api_client.get(task_url(foreign_task)).json()
        missing = api_client.get(task_url("00000000-0000-4000-8000-000000000000")).json()

        assert foreign == missing

    def test_absent_from_list_stats_and_tags(self, api_client, user, foreign_task):
        TaskFactory(owner=user, tags=["mine"])

        listed = api_client.get(TASKS_URL).json()
        assert listed["count"] == 1
        assert str(foreign_task.id) not in {item["id"] for item in listed["results"]}
        assert api_client.get(f"{TASKS_URL}?search=Private").json()["count"] == 0
        assert api_client.get(f"{TASKS_URL}?tag=secret").json()["count"] == 0
        assert api_client.get(f"{TASKS_URL}stats/").json()["total"] == 1
        assert api_client.get("/api/v1/tags/").json() == [{"name": "mine", "task_count": 1}]

    def test_bulk_on_foreign_ids_affects_nothing(self, api_client, foreign_task):
        for action in ("complete", "delete"):
            response = api_client.post(
                f"{TASKS_URL}bulk/", {"ids": [str(foreign_task.id)], "action": action}, format="json"
            )
            assert response.status_code == 200
            assert response.json() == {"action": action, "affected": 0}
        foreign_task.refresh_from_db()
        assert foreign_task.completed is False

    def test_tags_of_the_same_name_stay_per_project(self, api_client, user, foreign_task):
        create(api_client, title="Mine", tags=["secret"])

        assert Tag.objects.filter(name="secret").count() == 2
        foreign_task.refresh_from_db()
        assert [t.name for t in foreign_task.tags.all()] == ["secret"]
        assert api_client.get("/api/v1/tags/").json() == [{"name": "secret", "task_count": 1}]


class TestTags:
    def test_tags_list_counts_tasks_per_tag_sorted_by_name(self, api_client, user):
        TaskFactory(owner=user, tags=["work", "home"])
        TaskFactory(owner=user, tags=["work"])

        response = api_client.get("/api/v1/tags/")

        assert response.status_code == 200
        assert response.json() == [{"name": "home", "task_count": 1}, {"name": "work", "task_count": 2}]


class TestOptions:
    def test_options_describes_the_create_body_by_its_input_fields(self, api_client):
        response = api_client.options(TASKS_URL)

        assert response.status_code == 200
        post = response.json()["actions"]["POST"]
        assert set(post) == {
            "title",
            "description",
            "priority",
            "completed",
            "due_date",
            "due_at",
            "recurrence",
            "recur_from",
            "parent",
            "position",
            "tags",
            "project",
            "assignee",
        }
        assert post["title"]["required"] is True
        assert post["priority"]["required"] is False
