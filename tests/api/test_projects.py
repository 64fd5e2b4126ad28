"""The projects API: creating, listing, changing and deleting projects, and every user's Inbox.

Members: test_project_members.py; tasks in projects: test_project_tasks.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from taskmanager.projects.models import Membership, Project
from taskmanager.tasks.models import Tag, Task
from tests.api.helpers import assert_error
from tests.api.project_helpers import PROJECTS_URL, inbox_of, members_url, project_url, token_client
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

PROJECT_KEYS = {
    "id",
    "name",
    "description",
    "color",
    "archived",
    "is_inbox",
    "role",
    "permissions",
    "task_count",
    "open_task_count",
    "created_at",
    "updated_at",
    "version",
}
COLORS = "slate, red, orange, amber, green, teal, blue, indigo, purple, pink"


def etag_of(project) -> str:
    project.refresh_from_db()
    return f'"{project.id.hex}-{project.version}"'


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()]


class TestCreate:
    def test_answers_201_with_location_etag_and_the_caller_as_owner(self, api_client, user):
        response = api_client.post(
            PROJECTS_URL, {"name": "  Launch  ", "description": "Q3", "color": "green"}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == PROJECT_KEYS
        project = Project.objects.get(id=body["id"])
        assert response["Location"] == project_url(project)
        assert response["ETag"] == f'"{project.id.hex}-1"'
        assert (body["name"], body["description"], body["color"]) == ("Launch", "Q3", "green")
        assert (body["archived"], body["is_inbox"], body["role"], body["version"]) == (
            False,
            False,
            "owner",
            1,
        )
        assert (body["task_count"], body["open_task_count"]) == (0, 0)
        assert list(Membership.objects.filter(project=project).values_list("user__username", "role")) == [
            ("alice", "owner")
        ]

    def test_defaults_to_slate_and_no_description(self, api_client):
        body = api_client.post(PROJECTS_URL, {"name": "Plain"}, format="json").json()

        assert (body["color"], body["description"], body["archived"]) == ("slate", "", False)

    def test_may_start_archived(self, api_client):
        body = api_client.post(PROJECTS_URL, {"name": "Old", "archived": True}, format="json").json()

        assert body["archived"] is True


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"name": "   "}, "name", "Name must not be empty."),
            ({"name": ""}, "name", "Name must not be empty."),
            ({"name": "x" * 101}, "name", "Name must be at most 100 characters."),
            (
                {"name": "Ok", "description": "d" * 2001},
                "description",
                "Description must be at most 2000 characters.",
            ),
            ({"name": "Ok", "color": "mauve"}, "color", f"Color must be one of: {COLORS}."),
            ({"name": "Ok", "color": ""}, "color", f"Color must be one of: {COLORS}."),
            ({"name": "Ok", "archived": "yes"}, "archived", "Must be a valid boolean."),
            ({"name": "Ok", "owner": "bob"}, "owner", "Unknown field."),
        ],
    )
    def test_create_names_the_field_with_the_domains_message(self, api_client, body, field, message):
        response = api_client.post(PROJECTS_URL, body, format="json")

        error = assert_error(response, 400, fields=[field])
        assert error["fields"][field] == [message]
        assert not Project.objects.filter(inbox_of__isnull=True).exists()

    def test_a_name_of_exactly_100_characters_is_fine(self, api_client):
        response = api_client.post(PROJECTS_URL, {"name": "x" * 100}, format="json")

        assert response.status_code == 201

    def test_every_bad_field_is_named_at_once(self, api_client):
        response = api_client.post(PROJECTS_URL, {"name": " ", "color": "mauve"}, format="json")

        error = assert_error(response, 400, fields=["name", "color"])
        assert error["fields"] == {
            "name": ["Name must not be empty."],
            "color": [f"Color must be one of: {COLORS}."],
        }

    def test_a_missing_name_is_required(self, api_client):
        error = assert_error(api_client.post(PROJECTS_URL, {}, format="json"), 400, fields=["name"])

        assert error["fields"]["name"] == ["This field is required."]

    def test_update_uses_the_same_messages(self, api_client, user):
        project = ProjectFactory(members={user: "owner"})

        response = api_client.patch(project_url(project), {"name": "", "color": "mauve"}, format="json")

        error = assert_error(response, 400, fields=["name", "color"])
        assert error["fields"] == {
            "name": ["Name must not be empty."],
            "color": [f"Color must be one of: {COLORS}."],
        }
        assert etag_of(project).endswith('-1"')


class TestList:
    def test_inbox_first_then_by_name_whatever_the_case(self, api_client, user):
        for name in ("zulu", "Bravo", "alpha", "Aardvark", "charlie"):
            ProjectFactory(name=name, members={user: "owner"})
        ProjectFactory(name="Not mine")

        assert names(api_client.get(PROJECTS_URL)) == [
            "Inbox",
            "Aardvark",
            "alpha",
            "Bravo",
            "charlie",
            "zulu",
        ]

    def test_each_project_has_the_callers_role_and_its_task_counts(self, api_client, user, other_user):
        led = ProjectFactory(name="Led", members={user: "owner"})
        helped = ProjectFactory(name="Helped", members={other_user: "owner", user: "editor"})
        watched = ProjectFactory(name="Watched", members={other_user: "owner", user: "viewer"})
        for project, open_tasks, done_tasks in ((led, 2, 1), (helped, 0, 3), (watched, 1, 0)):
            for _ in range(open_tasks):
                TaskFactory(project=project)
            for _ in range(done_tasks):
                TaskFactory(project=project, completed=True)
        TaskFactory(owner=user)

        rows = {row["name"]: row for row in api_client.get(PROJECTS_URL).json()}

        assert {
            name: (row["role"], row["task_count"], row["open_task_count"]) for name, row in rows.items()
        } == {
            "Inbox": ("owner", 1, 1),
            "Led": ("owner", 3, 2),
            "Helped": ("editor", 3, 0),
            "Watched": ("viewer", 1, 1),
        }
        assert rows["Inbox"]["is_inbox"] is True
        assert not any(row["is_inbox"] for name, row in rows.items() if name != "Inbox")
        # The other user sees the same projects with their own role.
        other = {row["name"]: row["role"] for row in token_client(other_user).get(PROJECTS_URL).json()}
        assert other == {"Inbox": "owner", "Helped": "owner", "Watched": "owner"}

    def test_archived_filter(self, api_client, user):
        ProjectFactory(name="Old", archived=True, members={user: "owner"})
        ProjectFactory(name="New", members={user: "viewer"})

        assert names(api_client.get(PROJECTS_URL, {"archived": "true"})) == ["Old"]
        assert names(api_client.get(PROJECTS_URL, {"archived": "false"})) == ["Inbox", "New"]
        assert names(api_client.get(PROJECTS_URL)) == ["Inbox", "New", "Old"]

    def test_a_bad_archived_filter_is_a_400(self, api_client):
        assert_error(api_client.get(PROJECTS_URL, {"archived": "maybe"}), 400, fields=["archived"])


class TestEntityTags:
    def test_get_sends_the_etag_and_never_a_stale_304(self, api_client, user):
        project = ProjectFactory(members={user: "viewer"})
        response = api_client.get(project_url(project))
        assert response["ETag"] == etag_of(project)
        TaskFactory(project=project)

        # The counts changed while the version did not: the answer must show them.
        again = api_client.get(project_url(project), HTTP_IF_NONE_MATCH=response["ETag"])

        assert again.status_code == 200
        assert again["ETag"] == response["ETag"]
        assert again.json()["task_count"] == 1

    def test_a_change_makes_a_new_etag(self, api_client, user):
        project = ProjectFactory(members={user: "owner"})
        old = api_client.get(project_url(project))["ETag"]

        changed = api_client.patch(
            project_url(project), {"name": "Renamed"}, format="json", HTTP_IF_MATCH=old
        )

        assert changed.status_code == 200, changed.content
        assert changed.json()["version"] == 2
        assert changed["ETag"] == etag_of(project) != old
        assert api_client.get(project_url(project), HTTP_IF_NONE_MATCH=old).status_code == 200

    def test_a_stale_if_match_is_a_412_with_the_current_etag(self, api_client, user):
        project = ProjectFactory(name="Kept", members={user: "owner"})
        stale = api_client.get(project_url(project))["ETag"]
        api_client.patch(project_url(project), {"color": "red"}, format="json")

        response = api_client.patch(
            project_url(project), {"name": "Late"}, format="json", HTTP_IF_MATCH=stale
        )

        assert_error(response, 412)
        assert response["ETag"] == etag_of(project)
        project.refresh_from_db()
        assert (project.name, project.color, project.version) == ("Kept", "red", 2)

    def test_delete_with_a_stale_if_match_is_a_412_and_keeps_the_project(self, api_client, user):
        project = ProjectFactory(members={user: "owner"})
        stale = api_client.get(project_url(project))["ETag"]
        api_client.patch(project_url(project), {"description": "newer"}, format="json")

        assert_error(api_client.delete(project_url(project), HTTP_IF_MATCH=stale), 412)
        assert Project.objects.filter(id=project.id).exists()
        assert api_client.delete(project_url(project), HTTP_IF_MATCH=etag_of(project)).status_code == 204

    def test_a_change_to_nothing_keeps_the_version(self, api_client, user):
        project = ProjectFactory(name="Same", members={user: "owner"})

        response = api_client.patch(project_url(project), {"name": "Same"}, format="json")

        assert response.json()["version"] == 1


class TestInbox:
    @pytest.mark.parametrize(
        "change", [{"name": "Mine"}, {"archived": True}, {"name": "Mine", "color": "red"}]
    )
    def test_it_cannot_be_renamed_or_archived(self, api_client, user, change):
        inbox = inbox_of(user)

        error = assert_error(api_client.patch(project_url(inbox), change, format="json"), 409)

        assert error["code"] == "conflict"
        inbox.refresh_from_db()
        assert (inbox.name, inbox.archived, inbox.color, inbox.version) == ("Inbox", False, "blue", 1)

    def test_its_colour_and_description_may_change(self, api_client, user):
        inbox = inbox_of(user)

        response = api_client.patch(
            project_url(inbox), {"color": "pink", "description": "Mine"}, format="json"
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["name"], body["color"], body["description"], body["version"]) == (
            "Inbox",
            "pink",
            "Mine",
            2,
        )

    def test_it_cannot_be_deleted(self, api_client, user):
        TaskFactory(owner=user)

        assert_error(api_client.delete(project_url(inbox_of(user))), 409)
        assert Task.objects.filter(project=inbox_of(user)).count() == 1

    def test_it_cannot_be_shared(self, api_client, user, other_user):
        response = api_client.post(
            members_url(inbox_of(user)), {"username": other_user.username, "role": "viewer"}, format="json"
        )

        assert_error(response, 409)
        assert Membership.objects.filter(project=inbox_of(user)).count() == 1

    def test_others_cannot_see_it(self, other_client, user):
        assert_error(other_client.get(project_url(inbox_of(user))), 404)


class TestDelete:
    def test_deleting_a_project_deletes_its_tasks_and_tags_only(self, api_client, user):
        project = ProjectFactory(members={user: "owner"})
        TaskFactory(project=project, tags=["work"])
        TaskFactory(project=project, completed=True)
        kept = TaskFactory(owner=user, tags=["work"])

        assert api_client.delete(project_url(project)).status_code == 204

        assert not Project.objects.filter(id=project.id).exists()
        assert list(Task.objects.values_list("id", flat=True)) == [kept.id]
        assert list(Tag.objects.values_list("project_id", flat=True)) == [inbox_of(user).id]
        assert not Membership.objects.filter(project_id=project.id).exists()
        assert_error(api_client.get(project_url(project)), 404)


class TestEveryUserHasOneInbox:
    def test_sign_up(self, anonymous_client):
        response = anonymous_client.post(
            "/api/v1/auth/register/",
            {"username": "carol", "password": "a-long-unusual-passphrase"},
            format="json",
        )
        assert response.status_code == 201, response.content

        assert_one_inbox("carol")

    def test_createsuperuser(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-unusual-passphrase")
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com")

        assert_one_inbox("root")

    def test_ensure_admin_even_when_run_again(self, monkeypatch):
        monkeypatch.setenv("TASKMANAGER_ADMIN_USERNAME", "boss")
        monkeypatch.setenv("TASKMANAGER_ADMIN_PASSWORD", "a-long-unusual-passphrase")
        monkeypatch.delenv("TASKMANAGER_ADMIN_PASSWORD_FILE", raising=False)
        call_command("ensure_admin")
        call_command("ensure_admin", "--reset-password")

        assert_one_inbox("boss")

    def test_saving_a_user_again_makes_no_second_inbox(self):
        user = UserFactory(username="dora")
        user.first_name = "Dora"
        user.save()

        assert_one_inbox("dora")


def assert_one_inbox(username):
    user = get_user_model().objects.get(username=username)
    inboxes = Project.objects.filter(inbox_of=user)
    assert inboxes.count() == 1
    inbox = inboxes.get()
    assert (inbox.name, inbox.archived) == ("Inbox", False)
    assert list(Membership.objects.filter(user=user).values_list("project_id", "role")) == [
        (inbox.id, "owner")
    ]
    body = token_client(user).get(PROJECTS_URL).json()
    assert [(row["name"], row["is_inbox"], row["role"]) for row in body] == [("Inbox", True, "owner")]
