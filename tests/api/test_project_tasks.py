"""Tasks in shared projects: assignees, moves between projects, filters, tags, bulk and archiving."""

import pytest

from taskmanager.tasks.models import Tag, Task
from tests.api.helpers import assert_error
from tests.api.project_helpers import (
    TAGS_URL,
    TASKS_URL,
    inbox_of,
    project_url,
    task_url,
    token_client,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

NO_SUCH_MEMBER = "No member of this project has that username."


@pytest.fixture
def carol(db):
    return UserFactory(username="Carol")


@pytest.fixture
def team(user, other_user, carol):
    """alice owns it, bob edits, Carol views."""
    return ProjectFactory(name="Team", members={user: "owner", other_user: "editor", carol: "viewer"})


def listed(client, **filters) -> list[str]:
    response = client.get(TASKS_URL, filters)
    assert response.status_code == 200, response.content
    return sorted(task["title"] for task in response.json()["results"])


class TestCreate:
    def test_in_a_project_made_by_the_caller(self, other_client, team, other_user):
        response = other_client.post(TASKS_URL, {"title": "Plan", "project": str(team.id)}, format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["project"], body["created_by"], body["assignee"], body["overdue"]) == (
            str(team.id),
            "bob",
            None,
            False,
        )
        assert Task.objects.get(id=body["id"]).created_by == other_user

    def test_without_a_project_in_the_callers_inbox(self, api_client, user, team):
        body = api_client.post(TASKS_URL, {"title": "Mine"}, format="json").json()

        assert body["project"] == str(inbox_of(user).id)

    def test_in_a_project_that_does_not_exist_is_a_404(self, api_client):
        project = ProjectFactory()

        assert_error(
            api_client.post(TASKS_URL, {"title": "x", "project": str(project.id)}, format="json"), 404
        )
        assert not Task.objects.exists()


class TestAssignee:
    @pytest.mark.parametrize(
        ("username", "expected"), [("bob", "bob"), ("carol", "Carol"), (" ALICE ", "alice")]
    )
    def test_any_member_by_username_in_any_case(self, api_client, team, username, expected):
        body = api_client.post(
            TASKS_URL, {"title": "Do", "project": str(team.id), "assignee": username}, format="json"
        ).json()

        assert body["assignee"] == expected

    @pytest.mark.parametrize("username", ["dave", "nobody"])
    def test_someone_who_is_no_member_is_a_400_on_assignee(self, api_client, team, username):
        UserFactory(username="dave")

        response = api_client.post(
            TASKS_URL, {"title": "Do", "project": str(team.id), "assignee": username}, format="json"
        )

        error = assert_error(response, 400, fields=["assignee"])
        assert error["fields"] == {"assignee": [NO_SUCH_MEMBER]}
        assert not Task.objects.filter(project=team).exists()

    def test_nobody_else_can_be_assigned_in_an_inbox(self, api_client, team):
        response = api_client.post(TASKS_URL, {"title": "Do", "assignee": "bob"}, format="json")

        assert assert_error(response, 400, fields=["assignee"])["fields"]["assignee"] == [NO_SUCH_MEMBER]

    def test_reassign_and_unassign(self, api_client, team, other_user):
        task = TaskFactory(project=team, assignee=other_user)

        reassigned = api_client.patch(task_url(task), {"assignee": "carol"}, format="json").json()
        unassigned = api_client.patch(task_url(task), {"assignee": None}, format="json").json()

        assert (reassigned["assignee"], reassigned["version"]) == ("Carol", 2)
        assert (unassigned["assignee"], unassigned["version"]) == (None, 3)

    def test_a_put_without_assignee_unassigns(self, api_client, team, other_user):
        task = TaskFactory(project=team, assignee=other_user)

        body = api_client.put(task_url(task), {"title": "Whole"}, format="json").json()

        assert (body["assignee"], body["project"]) == (None, str(team.id))


class TestMove:
    def test_an_editor_of_both_moves_it_and_its_tags_follow_by_name(self, other_client, team, other_user):
        target = ProjectFactory(members={other_user: "editor"})
        TaskFactory(project=target, tags=["work"])
        existing = Tag.objects.get(project=target, name="work")
        task = TaskFactory(project=team, tags=["work", "urgent"])

        response = other_client.patch(task_url(task), {"project": str(target.id)}, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["project"], body["tags"], body["version"]) == (str(target.id), ["urgent", "work"], 2)
        task.refresh_from_db()
        assert {tag.project_id for tag in task.tags.all()} == {target.id}
        assert existing in task.tags.all()
        assert Tag.objects.filter(project=target).count() == 2

    def test_a_viewer_of_the_target_is_refused(self, other_client, team, other_user):
        target = ProjectFactory(members={other_user: "viewer"})
        task = TaskFactory(project=team)

        error = assert_error(
            other_client.patch(task_url(task), {"project": str(target.id)}, format="json"), 403
        )

        assert error["message"] == "You need the editor role in this project to change its tasks."
        task.refresh_from_db()
        assert (task.project_id, task.version) == (team.id, 1)

    def test_a_viewer_of_the_source_is_refused(self, client_for, team, carol):
        task = TaskFactory(project=team)

        response = client_for(carol).patch(
            task_url(task), {"project": str(inbox_of(carol).id)}, format="json"
        )

        assert_error(response, 403)
        task.refresh_from_db()
        assert task.project_id == team.id

    def test_an_assignee_who_is_no_member_of_the_target_is_unassigned(
        self, api_client, user, team, other_user
    ):
        target = ProjectFactory(members={user: "owner"})
        task = TaskFactory(project=team, assignee=other_user)

        body = api_client.patch(task_url(task), {"project": str(target.id)}, format="json").json()

        assert (body["project"], body["assignee"]) == (str(target.id), None)

    def test_an_assignee_who_is_a_member_of_the_target_stays(self, api_client, user, team, other_user):
        target = ProjectFactory(members={user: "owner", other_user: "viewer"})
        task = TaskFactory(project=team, assignee=other_user)

        body = api_client.patch(task_url(task), {"project": str(target.id)}, format="json").json()

        assert body["assignee"] == "bob"

    def test_an_assignee_given_with_the_move_must_be_a_member_of_the_target(self, api_client, user, team):
        target = ProjectFactory(members={user: "owner"})
        task = TaskFactory(project=team)

        response = api_client.patch(
            task_url(task), {"project": str(target.id), "assignee": "bob"}, format="json"
        )

        assert assert_error(response, 400, fields=["assignee"])["fields"]["assignee"] == [NO_SUCH_MEMBER]
        task.refresh_from_db()
        assert task.project_id == team.id


class TestFilters:
    @pytest.fixture
    def tasks(self, user, other_user, carol, team):
        TaskFactory(project=team, title="Bob's", assignee=other_user)
        TaskFactory(project=team, title="Mine in Team", assignee=user)
        TaskFactory(project=team, title="Nobody's")
        TaskFactory(owner=user, title="Mine in Inbox", assignee=user)
        TaskFactory(owner=user, title="Inbox unassigned")
        TaskFactory(owner=other_user, title="Bob's Inbox", assignee=other_user)

    def test_every_visible_task(self, api_client, tasks):
        assert listed(api_client) == [
            "Bob's",
            "Inbox unassigned",
            "Mine in Inbox",
            "Mine in Team",
            "Nobody's",
        ]

    def test_by_project(self, api_client, user, team, tasks):
        assert listed(api_client, project=str(team.id)) == ["Bob's", "Mine in Team", "Nobody's"]
        assert listed(api_client, project=str(inbox_of(user).id)) == ["Inbox unassigned", "Mine in Inbox"]

    def test_by_assignee(self, api_client, team, tasks):
        assert listed(api_client, assignee="me") == ["Mine in Inbox", "Mine in Team"]
        assert listed(api_client, assignee="none") == ["Inbox unassigned", "Nobody's"]
        assert listed(api_client, assignee="BOB") == ["Bob's"]
        assert listed(api_client, assignee="nobody-at-all") == []
        assert listed(api_client, assignee="me", project=str(team.id)) == ["Mine in Team"]

    def test_me_is_whoever_asks(self, other_client, tasks):
        assert listed(other_client, assignee="me") == ["Bob's", "Bob's Inbox"]

    def test_a_bad_project_id_is_a_400(self, api_client):
        assert_error(api_client.get(TASKS_URL, {"project": "not-a-uuid"}), 400, fields=["project"])

    def test_stats_count_the_same_tasks(self, api_client, team, tasks):
        stats = api_client.get(f"{TASKS_URL}stats/", {"project": str(team.id), "assignee": "none"}).json()
        everything = api_client.get(f"{TASKS_URL}stats/").json()

        assert (stats["total"], everything["total"]) == (1, 5)


class TestTags:
    def test_names_merge_across_projects_and_count_only_visible_tasks(
        self, api_client, user, other_user, team
    ):
        TaskFactory(owner=user, tags=["work", "home"])
        TaskFactory(project=team, tags=["work"])
        TaskFactory(project=team, tags=["work", "urgent"])
        TaskFactory(owner=other_user, tags=["work", "secret"])
        ProjectFactory(members={other_user: "owner"}).tasks.create(title="Hidden")

        body = api_client.get(TAGS_URL).json()

        assert body == [
            {"name": "home", "task_count": 1},
            {"name": "urgent", "task_count": 1},
            {"name": "work", "task_count": 3},
        ]
        assert api_client.get(TAGS_URL, {"project": str(team.id)}).json() == [
            {"name": "urgent", "task_count": 1},
            {"name": "work", "task_count": 2},
        ]
        # Filtering by a merged name finds it in every project.
        assert len(listed(api_client, tag="work")) == 3


class TestBulkAndClear:
    def test_bulk_changes_only_the_tasks_the_caller_may_edit(self, client_for, user, other_user, carol, team):
        edited = ProjectFactory(members={carol: "editor"})
        archived = ProjectFactory(archived=True, members={carol: "owner"})
        mine = [TaskFactory(owner=carol), TaskFactory(project=edited)]
        others = [TaskFactory(project=team), TaskFactory(project=archived), TaskFactory(owner=user)]
        ids = [str(task.id) for task in mine + others]

        response = client_for(carol).post(
            f"{TASKS_URL}bulk/", {"ids": ids, "action": "complete"}, format="json"
        )

        assert response.json() == {"action": "complete", "affected": 2}
        assert set(Task.objects.filter(completed=True).values_list("id", flat=True)) == {
            task.id for task in mine
        }
        assert all(task.version == 1 for task in Task.objects.filter(id__in=[t.id for t in others]))

    def test_a_viewers_bulk_delete_affects_nothing(self, client_for, carol, team):
        tasks = [TaskFactory(project=team) for _ in range(3)]

        response = client_for(carol).post(
            f"{TASKS_URL}bulk/", {"ids": [str(t.id) for t in tasks], "action": "delete"}, format="json"
        )

        assert response.json()["affected"] == 0
        assert Task.objects.filter(project=team).count() == 3

    def test_clear_completed_everywhere_the_caller_edits(self, client_for, user, carol, team):
        edited = ProjectFactory(members={carol: "editor"})
        archived = ProjectFactory(archived=True, members={carol: "owner"})
        cleared = [TaskFactory(owner=carol, completed=True), TaskFactory(project=edited, completed=True)]
        kept = [
            TaskFactory(project=team, completed=True),
            TaskFactory(project=archived, completed=True),
            TaskFactory(owner=carol),
        ]

        response = client_for(carol).post(f"{TASKS_URL}clear-completed/", format="json")

        assert response.json() == {"deleted": 2}
        assert set(Task.objects.values_list("id", flat=True)) == {task.id for task in kept}
        assert not Task.objects.filter(id__in=[task.id for task in cleared]).exists()

    def test_clear_completed_in_one_project(self, api_client, user, team):
        TaskFactory(project=team, completed=True)
        kept = TaskFactory(owner=user, completed=True)

        response = api_client.post(f"{TASKS_URL}clear-completed/", {"project": str(team.id)}, format="json")

        assert response.json() == {"deleted": 1}
        assert list(Task.objects.values_list("id", flat=True)) == [kept.id]


class TestArchived:
    def test_its_tasks_are_read_only_until_it_is_restored(self, api_client, team):
        task = TaskFactory(project=team, title="Frozen")
        assert api_client.patch(project_url(team), {"archived": True}, format="json").status_code == 200

        error = assert_error(api_client.patch(task_url(task), {"title": "Thawed"}, format="json"), 409)
        assert error["message"] == "The project is archived; its tasks are read-only until it is restored."
        assert_error(
            api_client.post(TASKS_URL, {"title": "New", "project": str(team.id)}, format="json"), 409
        )
        assert api_client.get(task_url(task)).json()["title"] == "Frozen"

        assert api_client.patch(project_url(team), {"archived": False}, format="json").status_code == 200

        response = api_client.patch(task_url(task), {"title": "Thawed"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["title"] == "Thawed"

    def test_an_editor_cannot_restore_it(self, other_client, team):
        team.archived = True
        team.save()

        assert_error(other_client.patch(project_url(team), {"archived": False}, format="json"), 403)


def test_another_users_tasks_stay_hidden_whatever_the_filters(client_for, user, other_user):
    hidden = TaskFactory(owner=other_user, title="Hidden", tags=["x"])
    client = client_for(user)

    assert listed(client, project=str(hidden.project_id)) == []
    assert client.get(TAGS_URL, {"project": str(hidden.project_id)}).json() == []
    assert client.get(f"{TASKS_URL}stats/", {"project": str(hidden.project_id)}).json()["total"] == 0
    assert token_client(other_user).get(task_url(hidden)).status_code == 200
