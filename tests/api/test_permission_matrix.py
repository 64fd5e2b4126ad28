"""Every project, member and task endpoint against every standing in a project.

Each cell of the tables below is one test: an endpoint called by the
project's owner, an editor, a viewer, a non-member ("outsider") or an
anonymous client, and the exact status it must answer. Beyond the status:

- 403 has the code "role_required" and the message names the role needed;
- a non-member's answer is the same, body included, as for an id that does
  not exist (404 for what names the project or a task, an empty result for
  lists, stats, tags and bulk): nothing says the project is there;
- every refusal (401, 403, 404, 409) leaves every project, membership and
  task as it was.

The second table repeats the task writes in an archived project: read-only
(409) for those who could otherwise write.

Mutation checks: each permission check below was removed or weakened on its
own, locally, and the run showed failing cells (which, in brackets):

- access.visible_project_ids without the membership filter (every project)
  [outsider: GET /tasks/, GET /tasks/{id}/, stats, tags];
- access.project_access reading any member's row instead of the actor's
  [outsider: every project endpoint];
- access.project_access without the role comparison [viewer and editor:
  every 403];
- access.task_write_access needing SEE instead of CHANGE_TASKS [viewer: task
  writes, clear-completed];
- access.task_write_access without the archived check [archived table:
  owner and editor task writes, clear-completed];
- access.editable_project_ids_locked without the role filter [viewer: bulk],
  without the archived filter [archived table: bulk];
- services.project_update and project_delete needing SEE instead of
  MANAGE_PROJECT [editor, viewer: PATCH, DELETE /projects/{id}/];
- services.member_add, member_change_role, member_remove needing SEE
  instead of MANAGE_MEMBERS [editor, viewer: POST members, PATCH and
  DELETE members/{username}/];
- services.member_remove treating every removal as leaving [editor, viewer:
  DELETE members/{username}/];
- tasks.services.task_create without task_write_access [viewer: POST
  /tasks/; archived table: owner, editor] (an outsider's task is still
  refused: reading it back inside the transaction finds nothing, 404);
- tasks.services.task_update checking only the task's own project [viewer:
  move in] or only the target [viewer: move out];
- tasks.services.task_delete without task_write_access [viewer: DELETE];
- tasks.services.task_clear_completed without task_write_access for the
  given project [viewer, outsider: clear-completed];
- tasks.selectors.task_row, task_rows, task_stats, tag_list on every task
  rather than the visible ones [outsider: the matching GET];
- projects.selectors.project_row and member_rows without project_access
  [outsider: GET /projects/{id}/, GET members].

Two checks are doubled by design, so removing one of a pair changes no
single request's answer (each was tried; no cell failed, as expected):
services._project_locked checks the role before and after locking the
project (removing one leaves the other; the second is what the concurrency
tests in tests/projects/ rely on), and tasks.services._task_seen filters by
visibility before task_write_access refuses the same non-member.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from taskmanager.projects.models import Membership, Project
from taskmanager.tasks.models import Task
from tests.api.helpers import assert_error
from tests.api.project_helpers import (
    PROJECTS_URL,
    ROLE_MESSAGES,
    TAGS_URL,
    TASKS_URL,
    inbox_of,
    member_url,
    members_url,
    project_url,
    task_url,
    token_client,
    unknown_id,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("owner", "editor", "viewer", "outsider", "anonymous")
USERNAMES = {"owner": "olive", "editor": "eddie", "viewer": "vera", "outsider": "nora"}


@dataclass
class World:
    """One shared project and one archived one, each with an owner, an editor, two viewers
    (one, "tess", to be changed or removed) and two tasks (one open, one completed)."""

    users: dict
    projects: dict = field(default_factory=dict)
    tasks: dict = field(default_factory=dict)
    own_tasks: dict = field(default_factory=dict)

    def ids(self, which: str, role: str) -> SimpleNamespace:
        actor = self.users[role if role in USERNAMES else "outsider"]
        return SimpleNamespace(
            project=str(self.projects[which].id),
            task=str(self.tasks[which][0].id),
            done=str(self.tasks[which][1].id),
            username=actor.username,
            own_task=str(self.own_tasks[actor.username].id),
            own_inbox=str(inbox_of(actor).id),
        )

    def fake(self, ids: SimpleNamespace) -> SimpleNamespace:
        """The same request about a project and tasks that do not exist."""
        return SimpleNamespace(
            **{**vars(ids), "project": unknown_id(), "task": unknown_id(), "done": unknown_id()}
        )


@pytest.fixture
def world(db):
    users = {role: UserFactory(username=name) for role, name in USERNAMES.items()}
    users["tess"] = UserFactory(username="tess")
    UserFactory(username="nick")  # not a member anywhere: the one to add
    world = World(users)
    roles = {users["owner"]: "owner", users["editor"]: "editor", users["viewer"]: "viewer"}
    for which, archived in (("shared", False), ("archived", True)):
        project = ProjectFactory(
            name=which.title(), archived=archived, members={**roles, users["tess"]: "viewer"}
        )
        world.projects[which] = project
        world.tasks[which] = [
            TaskFactory(project=project, created_by=users["owner"], assignee=users["tess"], tags=["work"]),
            TaskFactory(project=project, created_by=users["owner"], completed=True, tags=["work"]),
        ]
    for user in users.values():
        world.own_tasks[user.username] = TaskFactory(owner=user)
    return world


def snapshot():
    return (
        sorted(Project.objects.values_list("id", "name", "description", "color", "archived", "version")),
        sorted(Membership.objects.values_list("project_id", "user__username", "role")),
        sorted(Task.objects.values_list("id", "project_id", "title", "completed", "assignee_id", "version")),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    send: object  # (client, ids) -> response
    refusal: str | None = None  # which ROLE_MESSAGES a 403 carries
    check: object = None  # (response, world_ids, role) -> None, for a 2xx answer
    # A non-member's answer must equal the answer about ids that do not exist.
    compare_with_unknown: bool = True


def check_project_listed(response, ids, role):
    rows = {row["id"]: row for row in response.json()}
    if role == "outsider":
        assert ids.project not in rows
    else:
        assert rows[ids.project]["role"] == role


def check_role_in_body(response, ids, role):
    assert response.json()["role"] == role


def check_tasks_listed(response, ids, role):
    listed = {task["id"] for task in response.json()["results"]}
    if role == "outsider":
        assert not listed & {ids.task, ids.done}
    else:
        assert {ids.task, ids.done} <= listed


def check_project_tasks(response, ids, role):
    assert response.json()["count"] == (0 if role == "outsider" else 2)


def check_affected(response, ids, role):
    assert response.json()["affected"] == (1 if role in ("owner", "editor") else 0)


def check_deleted_one(response, ids, role):
    assert response.json() == {"deleted": 1}


def check_stats(response, ids, role):
    assert response.json()["total"] == (0 if role == "outsider" else 2)


def check_tags(response, ids, role):
    expected = [] if role == "outsider" else [{"name": "work", "task_count": 2}]
    assert response.json() == expected


def check_moved(response, ids, role):
    assert response.json()["project"] in (ids.project, ids.own_inbox)


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in [
        Endpoint("GET /projects/", lambda c, i: c.get(PROJECTS_URL), None, check_project_listed, False),
        Endpoint(
            "POST /projects/",
            lambda c, i: c.post(PROJECTS_URL, {"name": "Mine"}, format="json"),
            None,
            None,
            False,
        ),
        Endpoint("GET /projects/{id}/", lambda c, i: c.get(project_url(i.project)), None, check_role_in_body),
        Endpoint(
            "PATCH /projects/{id}/",
            lambda c, i: c.patch(project_url(i.project), {"description": "Changed"}, format="json"),
            "project",
        ),
        Endpoint(
            "PATCH /projects/{id}/ restore",
            lambda c, i: c.patch(project_url(i.project), {"archived": False}, format="json"),
            "project",
        ),
        Endpoint("DELETE /projects/{id}/", lambda c, i: c.delete(project_url(i.project)), "project"),
        Endpoint("GET members", lambda c, i: c.get(members_url(i.project))),
        Endpoint(
            "POST members",
            lambda c, i: c.post(
                members_url(i.project), {"username": "nick", "role": "viewer"}, format="json"
            ),
            "members",
        ),
        Endpoint(
            "PATCH members/{username}/",
            lambda c, i: c.patch(member_url(i.project, "tess"), {"role": "editor"}, format="json"),
            "members",
        ),
        Endpoint(
            "DELETE members/{username}/", lambda c, i: c.delete(member_url(i.project, "tess")), "members"
        ),
        Endpoint("DELETE members/{self}/ (leave)", lambda c, i: c.delete(member_url(i.project, i.username))),
        Endpoint("GET /tasks/", lambda c, i: c.get(TASKS_URL), None, check_tasks_listed, False),
        Endpoint(
            "GET /tasks/?project=",
            lambda c, i: c.get(TASKS_URL, {"project": i.project}),
            None,
            check_project_tasks,
        ),
        Endpoint(
            "POST /tasks/",
            lambda c, i: c.post(TASKS_URL, {"title": "New", "project": i.project}, format="json"),
            "tasks",
        ),
        Endpoint("GET /tasks/{id}/", lambda c, i: c.get(task_url(i.task))),
        Endpoint(
            "PUT /tasks/{id}/",
            lambda c, i: c.put(task_url(i.task), {"title": "Replaced"}, format="json"),
            "tasks",
        ),
        Endpoint(
            "PATCH /tasks/{id}/",
            lambda c, i: c.patch(task_url(i.task), {"title": "Changed"}, format="json"),
            "tasks",
        ),
        Endpoint("DELETE /tasks/{id}/", lambda c, i: c.delete(task_url(i.task)), "tasks"),
        Endpoint(
            "PATCH /tasks/{id}/ move in",
            lambda c, i: c.patch(task_url(i.own_task), {"project": i.project}, format="json"),
            "tasks",
            check_moved,
        ),
        Endpoint(
            "PATCH /tasks/{id}/ move out",
            lambda c, i: c.patch(task_url(i.task), {"project": i.own_inbox}, format="json"),
            "tasks",
            check_moved,
        ),
        Endpoint(
            "POST /tasks/bulk/",
            lambda c, i: c.post(
                f"{TASKS_URL}bulk/", {"ids": [i.task, i.done], "action": "complete"}, format="json"
            ),
            None,
            check_affected,
        ),
        Endpoint(
            "POST /tasks/clear-completed/",
            lambda c, i: c.post(f"{TASKS_URL}clear-completed/", {"project": i.project}, format="json"),
            "tasks",
            check_deleted_one,
        ),
        Endpoint(
            "GET /tasks/stats/?project=",
            lambda c, i: c.get(f"{TASKS_URL}stats/", {"project": i.project}),
            None,
            check_stats,
        ),
        Endpoint(
            "GET /tags/?project=", lambda c, i: c.get(TAGS_URL, {"project": i.project}), None, check_tags
        ),
    ]
}


def row(owner, editor, viewer, outsider, anonymous=401):
    return dict(zip(ROLES, (owner, editor, viewer, outsider, anonymous), strict=True))


# The statuses in the shared project, in the order of ROLES.
SHARED = {
    "GET /projects/": row(200, 200, 200, 200),
    "POST /projects/": row(201, 201, 201, 201),
    "GET /projects/{id}/": row(200, 200, 200, 404),
    "PATCH /projects/{id}/": row(200, 403, 403, 404),
    "DELETE /projects/{id}/": row(204, 403, 403, 404),
    "GET members": row(200, 200, 200, 404),
    "POST members": row(201, 403, 403, 404),
    "PATCH members/{username}/": row(200, 403, 403, 404),
    "DELETE members/{username}/": row(204, 403, 403, 404),
    # The owner is the only one: leaving would leave the project without one.
    "DELETE members/{self}/ (leave)": row(409, 204, 204, 404),
    "GET /tasks/": row(200, 200, 200, 200),
    "GET /tasks/?project=": row(200, 200, 200, 200),
    "POST /tasks/": row(201, 201, 403, 404),
    "GET /tasks/{id}/": row(200, 200, 200, 404),
    "PUT /tasks/{id}/": row(200, 200, 403, 404),
    "PATCH /tasks/{id}/": row(200, 200, 403, 404),
    "DELETE /tasks/{id}/": row(204, 204, 403, 404),
    "PATCH /tasks/{id}/ move in": row(200, 200, 403, 404),
    "PATCH /tasks/{id}/ move out": row(200, 200, 403, 404),
    "POST /tasks/bulk/": row(200, 200, 200, 200),
    "POST /tasks/clear-completed/": row(200, 200, 403, 404),
    "GET /tasks/stats/?project=": row(200, 200, 200, 200),
    "GET /tags/?project=": row(200, 200, 200, 200),
}

# The same project archived: its tasks are read-only, its settings are not.
ARCHIVED = {
    "GET /projects/{id}/": row(200, 200, 200, 404),
    "PATCH /projects/{id}/ restore": row(200, 403, 403, 404),
    "GET /tasks/{id}/": row(200, 200, 200, 404),
    "POST /tasks/": row(409, 409, 403, 404),
    "PUT /tasks/{id}/": row(409, 409, 403, 404),
    "PATCH /tasks/{id}/": row(409, 409, 403, 404),
    "DELETE /tasks/{id}/": row(409, 409, 403, 404),
    "PATCH /tasks/{id}/ move in": row(409, 409, 403, 404),
    "PATCH /tasks/{id}/ move out": row(409, 409, 403, 404),
    "POST /tasks/bulk/": row(200, 200, 200, 200),
    "POST /tasks/clear-completed/": row(409, 409, 403, 404),
    "GET /tasks/stats/?project=": row(200, 200, 200, 200),
    "GET /tags/?project=": row(200, 200, 200, 200),
}


def cells(table):
    return [
        pytest.param(name, role, status, id=f"{name} as {role}")
        for name, statuses in table.items()
        for role, status in statuses.items()
    ]


def client_of(world, role):
    if role == "anonymous":
        return APIClient()
    return token_client(world.users[role])


def check_cell(world, which, name, role, status):
    endpoint = ENDPOINTS[name]
    client = client_of(world, role)
    ids = world.ids(which, role)
    before = snapshot()

    response = endpoint.send(client, ids)

    assert response.status_code == status, response.content
    if status >= 400:
        error = assert_error(response, status)
        assert snapshot() == before, "a refused request changed data"
        if status == 403:
            assert error["code"] == "role_required"
            assert error["message"] == ROLE_MESSAGES[endpoint.refusal]
        if status == 409:
            assert error["code"] == "conflict"
    elif endpoint.check is not None:
        if which == "archived" and name == "POST /tasks/bulk/":
            assert response.json()["affected"] == 0
        else:
            endpoint.check(response, ids, role)
    if role == "outsider" and endpoint.compare_with_unknown:
        unknown = endpoint.send(client, world.fake(ids))
        assert (unknown.status_code, unknown.json()) == (response.status_code, response.json())


@pytest.mark.parametrize(("name", "role", "status"), cells(SHARED))
def test_shared_project(world, name, role, status):
    check_cell(world, "shared", name, role, status)


@pytest.mark.parametrize(("name", "role", "status"), cells(ARCHIVED))
def test_archived_project(world, name, role, status):
    check_cell(world, "archived", name, role, status)
