"""A project's members: adding by username, changing roles, removing and leaving, and the last owner."""

from datetime import datetime

import pytest

from taskmanager.projects.models import Membership
from taskmanager.tasks.models import Task
from tests.api.helpers import assert_error
from tests.api.project_helpers import (
    PROJECTS_URL,
    TASKS_URL,
    inbox_of,
    member_url,
    members_url,
    project_url,
    role_of,
    task_url,
    token_client,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLE_CHOICES = "Role must be one of: owner, editor, viewer."


@pytest.fixture
def project(user):
    """alice's project."""
    return ProjectFactory(name="Team", members={user: "owner"})


def add(client, project, username, role="viewer"):
    return client.post(members_url(project), {"username": username, "role": role}, format="json")


class TestList:
    def test_owners_then_editors_then_viewers_each_by_username(self, api_client, user):
        others = {name: UserFactory(username=name) for name in ("Zed", "amy", "Bob", "cat", "dan")}
        project = ProjectFactory(
            members={
                user: "owner",
                others["Zed"]: "owner",
                others["Bob"]: "viewer",
                others["amy"]: "viewer",
                others["dan"]: "editor",
                others["cat"]: "editor",
            }
        )

        body = api_client.get(members_url(project)).json()

        assert [(row["username"], row["role"]) for row in body] == [
            ("alice", "owner"),
            ("Zed", "owner"),
            ("cat", "editor"),
            ("dan", "editor"),
            ("amy", "viewer"),
            ("Bob", "viewer"),
        ]
        assert all(set(row) == {"username", "role", "joined_at"} for row in body)
        assert datetime.fromisoformat(body[0]["joined_at"]).utcoffset() is not None


class TestAdd:
    def test_by_username_in_any_case(self, api_client, project, other_user):
        response = add(api_client, project, " BOB ", "editor")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["username"], body["role"]) == ("bob", "editor")
        assert response["Location"] == member_url(project, "bob")
        assert role_of(project, other_user) == "editor"
        # The new member sees it at once, with their role.
        rows = {row["name"]: row["role"] for row in token_client(other_user).get(PROJECTS_URL).json()}
        assert rows == {"Inbox": "owner", "Team": "editor"}

    @pytest.mark.parametrize("username", ["nobody", "inactive"])
    def test_an_unknown_or_inactive_user_is_one_message(self, api_client, project, username):
        UserFactory(username="inactive", is_active=False)

        error = assert_error(add(api_client, project, username), 400, fields=["username"])

        assert error["fields"] == {"username": ["There is no user with that username to add."]}
        assert Membership.objects.filter(project=project).count() == 1

    def test_an_existing_member_is_a_400(self, api_client, project, other_user):
        add(api_client, project, "bob", "viewer")

        error = assert_error(add(api_client, project, "Bob", "editor"), 400, fields=["username"])

        assert error["fields"]["username"] == ["That user is already a member; change their role instead."]
        assert role_of(project, other_user) == "viewer"

    def test_adding_oneself_is_already_being_a_member(self, api_client, project):
        assert_error(add(api_client, project, "alice", "viewer"), 400, fields=["username"])
        assert project.memberships.get().role == "owner"

    @pytest.mark.parametrize("role", ["admin", "Owner", ""])
    def test_an_unknown_role_is_a_400(self, api_client, project, other_user, role):
        error = assert_error(add(api_client, project, "bob", role), 400, fields=["role"])

        assert error["fields"]["role"] == [ROLE_CHOICES]
        assert role_of(project, other_user) is None


class TestChangeRole:
    def test_the_owner_changes_a_members_role(self, api_client, project, other_user):
        add(api_client, project, "bob", "viewer")

        response = api_client.patch(member_url(project, "BOB"), {"role": "editor"}, format="json")

        assert response.status_code == 200, response.content
        assert (response.json()["username"], response.json()["role"]) == ("bob", "editor")
        assert role_of(project, other_user) == "editor"

    def test_a_promoted_owner_may_manage_members(self, api_client, project, other_user):
        add(api_client, project, "bob", "owner")
        UserFactory(username="carol")

        assert add(token_client(other_user), project, "carol").status_code == 201

    def test_demoting_the_last_owner_is_a_409(self, api_client, project, user):
        error = assert_error(
            api_client.patch(member_url(project, "alice"), {"role": "editor"}, format="json"), 409
        )

        assert error["message"] == (
            "A project needs an owner: cannot demote the last owner; make someone else an owner first."
        )
        assert role_of(project, user) == "owner"

    def test_an_owner_may_step_down_while_another_owner_remains(self, api_client, project, user, other_user):
        add(api_client, project, "bob", "owner")

        response = api_client.patch(member_url(project, "alice"), {"role": "viewer"}, format="json")

        assert response.status_code == 200, response.content
        assert (role_of(project, user), role_of(project, other_user)) == ("viewer", "owner")
        # Stepped down: no longer allowed to manage members.
        assert_error(add(api_client, project, "bob", "viewer"), 403)

    def test_an_unknown_role_is_a_400(self, api_client, project, other_user):
        add(api_client, project, "bob", "viewer")

        error = assert_error(
            api_client.patch(member_url(project, "bob"), {"role": "boss"}, format="json"), 400
        )

        assert error["fields"]["role"] == [ROLE_CHOICES]

    def test_someone_who_is_no_member_is_a_404(self, api_client, project, other_user):
        assert_error(api_client.patch(member_url(project, "bob"), {"role": "editor"}, format="json"), 404)
        assert_error(api_client.delete(member_url(project, "bob")), 404)


class TestRemoveAndLeave:
    def test_removal_takes_effect_on_the_very_next_request(self, api_client, project, other_user):
        add(api_client, project, "bob", "editor")
        task = TaskFactory(project=project)
        bob = token_client(other_user)
        assert bob.get(task_url(task)).status_code == 200

        assert api_client.delete(member_url(project, "bob")).status_code == 204

        assert_error(bob.get(project_url(project)), 404)
        assert_error(bob.get(members_url(project)), 404)
        assert_error(bob.get(task_url(task)), 404)
        assert_error(bob.patch(task_url(task), {"title": "Still mine?"}, format="json"), 404)
        assert bob.get(TASKS_URL, {"project": str(project.id)}).json()["count"] == 0
        assert [row["name"] for row in bob.get(PROJECTS_URL).json()] == ["Inbox"]

    def test_removal_unassigns_their_tasks_in_that_project_with_a_new_version(
        self, api_client, project, user, other_user
    ):
        add(api_client, project, "bob", "editor")
        elsewhere = ProjectFactory(members={other_user: "owner"})
        theirs = TaskFactory(project=project, assignee=other_user)
        mine = TaskFactory(project=project, assignee=user)
        other_project = TaskFactory(project=elsewhere, assignee=other_user)

        assert api_client.delete(member_url(project, "bob")).status_code == 204

        theirs.refresh_from_db()
        assert (theirs.assignee_id, theirs.version) == (None, 2)
        assert api_client.get(task_url(theirs)).json()["assignee"] is None
        mine.refresh_from_db()
        other_project.refresh_from_db()
        assert (mine.assignee, mine.version) == (user, 1)
        assert (other_project.assignee, other_project.version) == (other_user, 1)

    def test_any_member_may_leave(self, api_client, project, other_user):
        add(api_client, project, "bob", "viewer")
        bob = token_client(other_user)

        assert bob.delete(member_url(project, "Bob")).status_code == 204

        assert role_of(project, other_user) is None
        assert_error(bob.get(project_url(project)), 404)

    def test_the_last_owner_can_neither_leave_nor_be_removed(self, api_client, project, user, other_user):
        add(api_client, project, "bob", "editor")

        error = assert_error(api_client.delete(member_url(project, "alice")), 409)

        assert error["message"] == (
            "A project needs an owner: cannot remove the last owner; make someone else an owner first."
        )
        assert role_of(project, user) == "owner"

    def test_an_owner_may_leave_while_another_owner_remains(self, api_client, project, user, other_user):
        add(api_client, project, "bob", "owner")

        assert api_client.delete(member_url(project, "alice")).status_code == 204

        assert role_of(project, user) is None
        assert role_of(project, other_user) == "owner"

    def test_an_owner_may_remove_another_owner(self, api_client, project, other_user):
        add(api_client, project, "bob", "owner")

        assert api_client.delete(member_url(project, "bob")).status_code == 204
        assert role_of(project, other_user) is None

    def test_nobody_can_leave_their_inbox(self, api_client, user):
        assert_error(api_client.delete(member_url(inbox_of(user), "alice")), 409)
        assert role_of(inbox_of(user), user) == "owner"

    def test_a_removed_member_may_be_added_again(self, api_client, project, other_user):
        add(api_client, project, "bob", "editor")
        api_client.delete(member_url(project, "bob"))

        assert add(api_client, project, "bob", "viewer").status_code == 201
        assert role_of(project, other_user) == "viewer"
        assert Task.objects.filter(project=project).count() == 0
