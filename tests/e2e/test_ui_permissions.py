"""The permission matrix of the UI's actions: each page and form of a project, sent by an
owner, an editor, a viewer, a non-member and an anonymous visitor, through the real UI
and API processes (no browser: the forms are posted as a forged or replayed form would be).

Each cell states the UI's exact answer and whether the change happened, checked through
the API as the project's owner afterwards. The UI hides controls a role may not use; the
cells prove that posting them anyway changes nothing, because the domain refuses them.
"""

from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.support import User

CSRF_COOKIE = "taskmanager_ui_csrftoken"
ROLES = ("owner", "editor", "viewer", "outsider", "anonymous")


class Browserless:
    """A UI session through plain HTTP: the cookies and CSRF token a browser would keep."""

    def __init__(self, base_url: str, user: User | None):
        self.http = httpx.Client(base_url=base_url, timeout=15, follow_redirects=False)
        self.http.get("/login/")
        if user is not None:
            response = self.post("/login/", {"username": user.username, "password": user.password})
            assert response.status_code == 302, response.text

    def post(self, path: str, data: dict) -> httpx.Response:
        return self.http.post(path, data={**data, "csrfmiddlewaretoken": self.http.cookies[CSRF_COOKIE]})

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def messages_after(self, response: httpx.Response) -> str:
        """The page a redirect leads to (where the UI shows its messages)."""
        return self.http.get(response.headers["Location"]).text


@dataclass
class Cell:
    project: str
    task: str
    done_task: str


@pytest.fixture(scope="module")
def people(stack):
    names = ("owner", "editor", "viewer", "outsider", "extra", "newcomer")
    users = {name: stack.register_user() for name in names}
    yield users
    for user in users.values():
        user.api.close()


@pytest.fixture(scope="module")
def sessions(stack, people):
    clients = {role: Browserless(stack.ui.url, people[role]) for role in ROLES if role != "anonymous"}
    clients["anonymous"] = Browserless(stack.ui.url, None)
    yield clients
    for client in clients.values():
        client.http.close()


def fresh_project(people) -> Cell:
    """A project of the owner's with an editor, two viewers, an open and a completed task."""
    owner = people["owner"].api
    project = owner.post("/projects/", json={"name": "Matrix"}).json()["id"]
    for name, role in (("editor", "editor"), ("viewer", "viewer"), ("extra", "viewer")):
        added = owner.post(
            f"/projects/{project}/members/", json={"username": people[name].username, "role": role}
        )
        assert added.status_code == 201, added.text
    task = people["owner"].create_task(title="Probe", project=project)["id"]
    done = people["owner"].create_task(title="Done already", project=project, completed=True)["id"]
    return Cell(project, task, done)


def task_of(people, task_id) -> dict | None:
    response = people["owner"].api.get(f"/tasks/{task_id}/")
    return response.json() if response.status_code == 200 else None


def project_of(people, project_id) -> dict | None:
    response = people["owner"].api.get(f"/projects/{project_id}/")
    return response.json() if response.status_code == 200 else None


def role_of(people, project_id, name) -> str | None:
    members = people["owner"].api.get(f"/projects/{project_id}/members/").json()
    return next((m["role"] for m in members if m["username"] == people[name].username), None)


def task_form(cell, title) -> dict:
    return {
        "title": title,
        "description": "",
        "priority": "medium",
        "due_date": "",
        "tags": "",
        "project": cell.project,
        "assignee": "",
        "etag": "",
    }


# action: (method, path, form data, did it happen?)
ACTIONS = {
    "view-project": ("GET", lambda c, p: f"/projects/{c.project}/", None, None),
    "add-task": (
        "POST",
        lambda c, p: "/tasks/new/",
        lambda c, p: task_form(c, "Added"),
        lambda c, p: any(
            t["title"] == "Added"
            for t in p["owner"].api.get(f"/tasks/?project={c.project}").json()["results"]
        ),
    ),
    "edit-task": (
        "POST",
        lambda c, p: f"/tasks/{c.task}/edit/",
        lambda c, p: task_form(c, "Edited"),
        lambda c, p: task_of(p, c.task)["title"] == "Edited",
    ),
    "complete-task": (
        "POST",
        lambda c, p: f"/tasks/{c.task}/toggle/",
        lambda c, p: {"completed": "true"},
        lambda c, p: task_of(p, c.task)["completed"],
    ),
    "delete-task": (
        "POST",
        lambda c, p: f"/tasks/{c.task}/delete/",
        lambda c, p: {},
        lambda c, p: task_of(p, c.task) is None,
    ),
    "bulk-complete": (
        "POST",
        lambda c, p: "/tasks/bulk/",
        lambda c, p: {"ids": c.task, "action": "complete"},
        lambda c, p: task_of(p, c.task)["completed"],
    ),
    "clear-completed": (
        "POST",
        lambda c, p: "/tasks/clear-completed/",
        lambda c, p: {"project": c.project},
        lambda c, p: task_of(p, c.done_task) is None,
    ),
    "project-settings": (
        "POST",
        lambda c, p: f"/projects/{c.project}/settings/",
        lambda c, p: {"name": "Renamed", "color": "green", "description": "", "etag": ""},
        lambda c, p: project_of(p, c.project)["name"] == "Renamed",
    ),
    "archive-project": (
        "POST",
        lambda c, p: f"/projects/{c.project}/archive/",
        lambda c, p: {"archived": "true"},
        lambda c, p: project_of(p, c.project)["archived"],
    ),
    "delete-project": (
        "POST",
        lambda c, p: f"/projects/{c.project}/delete/",
        lambda c, p: {},
        lambda c, p: project_of(p, c.project) is None,
    ),
    "add-member": (
        "POST",
        lambda c, p: f"/projects/{c.project}/members/",
        lambda c, p: {"username": p["newcomer"].username, "role": "viewer"},
        lambda c, p: role_of(p, c.project, "newcomer") == "viewer",
    ),
    "change-role": (
        "POST",
        lambda c, p: f"/projects/{c.project}/members/{p['extra'].username}/role/",
        lambda c, p: {"role": "editor"},
        lambda c, p: role_of(p, c.project, "extra") == "editor",
    ),
    "remove-member": (
        "POST",
        lambda c, p: f"/projects/{c.project}/members/{p['extra'].username}/remove/",
        lambda c, p: {},
        lambda c, p: role_of(p, c.project, "extra") is None,
    ),
    "leave-project": (
        "POST",
        lambda c, p: f"/projects/{c.project}/leave/",
        lambda c, p: {},
        lambda c, p, role: role in p and role_of(p, c.project, role) is None and role != "outsider",
    ),
}


def act(sessions, people, role, action):
    method, path, data, happened = ACTIONS[action]
    cell = fresh_project(people)
    client = sessions[role]
    url = path(cell, people)
    response = client.get(url) if method == "GET" else client.post(url, data(cell, people))
    if happened is None:
        done = None
    elif happened.__code__.co_argcount == 3:
        done = happened(cell, people, role)
    else:
        done = happened(cell, people)
    return client, response, done


EDITOR_NEEDED = "You need the editor role in this project to change its tasks."
OWNER_NEEDED = "You need the owner role in this project to change or delete the project."
MEMBERS_NEEDED = "You need the owner role in this project to manage its members."
LAST_OWNER = "A project needs an owner"
# What each role gets: "done" (a redirect and the change made), "login" (sent to log in),
# a status (that page, nothing changed), or a message (a redirect back showing the
# API's refusal, nothing changed).
DONE, LOGIN = "done", "login"
EXPECTED = {
    #                   owner          editor          viewer          outsider  anonymous
    "view-project": (200, 200, 200, 404, LOGIN),
    "add-task": (DONE, DONE, 403, 404, LOGIN),
    "edit-task": (DONE, DONE, 403, 404, LOGIN),
    "complete-task": (DONE, DONE, EDITOR_NEEDED, 404, LOGIN),
    "delete-task": (DONE, DONE, EDITOR_NEEDED, 404, LOGIN),
    # Bulk changes what the user may change among the ids, and says how many.
    "bulk-complete": (DONE, DONE, "Completed 0 tasks.", "Completed 0 tasks.", LOGIN),
    "clear-completed": (DONE, DONE, EDITOR_NEEDED, 404, LOGIN),
    "project-settings": (DONE, 403, 403, 404, LOGIN),
    "archive-project": (DONE, OWNER_NEEDED, OWNER_NEEDED, 404, LOGIN),
    "delete-project": (DONE, OWNER_NEEDED, OWNER_NEEDED, 404, LOGIN),
    "add-member": (DONE, 403, 403, 404, LOGIN),
    "change-role": (DONE, MEMBERS_NEEDED, MEMBERS_NEEDED, 404, LOGIN),
    "remove-member": (DONE, MEMBERS_NEEDED, MEMBERS_NEEDED, 404, LOGIN),
    "leave-project": (LAST_OWNER, DONE, DONE, 404, LOGIN),
}
CELLS = [(action, role, EXPECTED[action][index]) for action in ACTIONS for index, role in enumerate(ROLES)]


@pytest.mark.parametrize(("action", "role", "expected"), CELLS, ids=[f"{a}-{r}" for a, r, _ in CELLS])
def test_each_ui_action_for_each_role(sessions, people, action, role, expected):
    client, response, done = act(sessions, people, role, action)
    location = response.headers.get("Location", "")

    if expected == LOGIN:
        assert response.status_code == 302 and location.startswith("/login/?next="), response.text[:300]
    elif expected == DONE:
        assert response.status_code == 302 and not location.startswith("/login/"), response.text[:300]
    elif isinstance(expected, int):
        assert response.status_code == expected, response.text[:300]
        if expected == 403:
            assert "role" in response.text
    else:
        assert response.status_code == 302 and not location.startswith("/login/"), response.text[:300]
        assert expected in client.messages_after(response)
    if done is not None:
        assert done is (expected == DONE), f"{action} by {role}: changed={done}"
