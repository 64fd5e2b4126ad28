"""Each project's "permissions" say truly what the caller's next request will be allowed to do.

Clients (the UI first) show controls from these flags instead of knowing the
role rules, so every flag is checked against the answer of the request it
stands for, for every role and project state.
"""

import pytest

from taskmanager.projects.models import Role
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

PROJECTS_URL = "/api/v1/projects/"


def _permissions(client, project_id) -> dict:
    response = client.get(f"{PROJECTS_URL}{project_id}/")
    assert response.status_code == 200, response.content
    return response.json()["permissions"]


def _allowed(response) -> bool:
    assert response.status_code in {200, 201, 204, 403, 409}, response.content
    return response.status_code < 300


# Each flag and a request that is allowed exactly when the flag is true.
def _change_tasks(client, project, other):
    task = TaskFactory(project=project)
    return client.patch(f"/api/v1/tasks/{task.id}/", {"title": "Changed"}, format="json")


def _change_project(client, project, other):
    return client.patch(f"{PROJECTS_URL}{project.id}/", {"description": "New words"}, format="json")


def _rename_or_archive(client, project, other):
    return client.patch(f"{PROJECTS_URL}{project.id}/", {"name": "Renamed"}, format="json")


def _delete_project(client, project, other):
    return client.delete(f"{PROJECTS_URL}{project.id}/")


def _manage_members(client, project, other):
    return client.post(f"{PROJECTS_URL}{project.id}/members/", {"username": other.username, "role": "viewer"})


def _leave(client, project, other):
    return client.delete(f"{PROJECTS_URL}{project.id}/members/{client.username}/")


PROBES = {
    "change_tasks": _change_tasks,
    "change_project": _change_project,
    "rename_or_archive": _rename_or_archive,
    "delete_project": _delete_project,
    "manage_members": _manage_members,
    "leave": _leave,
}


@pytest.mark.parametrize("flag", sorted(PROBES))
@pytest.mark.parametrize(
    "setting",
    ["inbox", "owner", "editor", "viewer", "archived-owner", "archived-editor"],
)
def test_each_flag_matches_the_answer_of_its_request(client_for, setting, flag):
    me, co_owner, outsider = UserFactory(), UserFactory(), UserFactory()
    if setting == "inbox":
        project = me.inbox
    else:
        role = setting.removeprefix("archived-")
        members = {me: role} if role == Role.OWNER else {me: role, co_owner: Role.OWNER}
        if role == Role.OWNER:
            members[co_owner] = Role.OWNER  # so that the owner may leave
        project = ProjectFactory(archived=setting.startswith("archived-"), members=members)
    client = client_for(me)
    client.username = me.username

    promised = _permissions(client, project.id)[flag]
    answered = _allowed(PROBES[flag](client, project, outsider))

    assert answered == promised, (setting, flag, promised)
