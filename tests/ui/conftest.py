"""UI-role test fixtures. The API role is replaced at the HTTP boundary by httpx.MockTransport.

That boundary is the only thing faked: requests go through the real API
client, its real error mapping, the real views, middleware and templates.
The real API behind it is exercised by the end-to-end tests in tests/e2e.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from django.test import Client

from taskmanager.ui import api_client
from taskmanager.ui.meta import forget_server_facts

TOKEN = "token-abc123"
INBOX_ID = "0c0c0c0c-0000-4000-8000-000000000001"
TEAM_ID = "7e7e7e7e-0000-4000-8000-000000000002"

# GET /api/v1/meta/ as the API answers it (taskmanager/api/views/meta.py).
META = {
    "signup_open": True,
    "priorities": ["low", "medium", "high"],
    "colors": ["slate", "red", "orange", "amber", "green", "teal", "blue", "indigo", "purple", "pink"],
    "roles": ["owner", "editor", "viewer"],
    "bulk_actions": ["complete", "reopen", "delete"],
    "orderings": ["created_at", "due_date", "position", "priority", "title", "updated_at"],
    "recur_from": ["due", "completion"],
    "time_zones": ["America/New_York", "Asia/Tokyo", "Europe/Berlin", "UTC"],
    "limits": {
        "task_title_max_length": 200,
        "task_description_max_length": 10000,
        "tag_max_length": 32,
        "tags_per_task_max": 20,
        "project_name_max_length": 100,
        "project_description_max_length": 2000,
        "search_max_length": 200,
        "bulk_ids_max": 500,
        "page_size_default": 50,
        "page_size_max": 200,
    },
}


@dataclass
class FakeApi:
    """Answers API requests from a table of (method, path) -> response, and records every request."""

    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *, status: int = 200, json_body=None, headers=None, raises=None):
        def answer(request):
            if raises is not None:
                raise raises
            content = b"" if json_body is None else json.dumps(json_body).encode()
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            return httpx.Response(status, content=content, headers=all_headers)

        self.routes[(method, path)] = answer
        return self

    def error(self, method: str, path: str, status: int, message: str = "", fields=None, headers=None):
        error = {"status": status, "code": "x", "message": message or f"error {status}"}
        if fields:
            error["fields"] = fields
        return self.on(method, path, status=status, json_body={"error": error}, headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(
                404, json={"error": {"status": 404, "code": "not_found", "message": "no route"}}
            )
        return route(request)

    def calls(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.url.path == path)
        ]

    def body(self, request: httpx.Request):
        return json.loads(request.content) if request.content else None


@pytest.fixture(autouse=True)
def closed_circuit_breaker():
    """Each test starts with the API's circuit breaker closed, whatever the last one failed."""
    previous = api_client.install_circuit_breaker(None)
    yield
    api_client.install_circuit_breaker(previous)


@pytest.fixture
def fake_api():
    """The API over a fake transport, answering the server facts and a user with only an Inbox."""
    fake = FakeApi()
    fake.on("GET", "/api/v1/meta/", json_body=META)
    fake.on("GET", "/api/v1/projects/", json_body=[project_json()])
    fake.on("GET", f"/api/v1/projects/{INBOX_ID}/members/", json_body=[member_json("alice", "owner")])
    forget_server_facts()
    previous = api_client.install_http_client(api_client.build_http_client(httpx.MockTransport(fake.handle)))
    yield fake
    api_client.install_http_client(previous)
    forget_server_facts()


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def logged_in_client(client, fake_api):
    fake_api.on(
        "POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": "2030-01-01T00:00:00+00:00"}
    )
    fake_api.on("GET", "/api/v1/me/", json_body=ME)
    response = client.post("/login/", {"username": "alice", "password": "s3cret-pass"})
    assert response.status_code == 302
    fake_api.requests.clear()
    return client


# GET /api/v1/me/ for the logged-in user: their zone is Europe/Berlin.
ME = {
    "id": 1,
    "username": "alice",
    "email": "alice@example.com",
    "is_staff": False,
    "date_joined": "2026-01-01T10:00:00Z",
    "time_zone": "Europe/Berlin",
    "time_zone_chosen": True,
    "email_reminders": True,
}


def project_json(**overrides) -> dict:
    """A project as GET /projects/ lists it; by default the user's Inbox."""
    project = {
        "id": INBOX_ID,
        "name": "Inbox",
        "description": "",
        "color": "blue",
        "archived": False,
        "is_inbox": True,
        "role": "owner",
        "task_count": 0,
        "open_task_count": 0,
        "created_at": "2026-01-01T10:00:00Z",
        "updated_at": "2026-01-01T10:00:00Z",
        "version": 1,
    }
    project.update(overrides)
    project.setdefault("permissions", api_permissions(project))
    return project


def api_permissions(project: dict) -> dict:
    """What the real API says a member may do, for this fake's projects (projects/access.py)."""
    rank = {"viewer": 1, "editor": 2, "owner": 3}[project["role"]]
    owner = rank == 3
    return {
        "change_tasks": rank >= 2 and not project["archived"],
        "change_project": owner,
        "rename_or_archive": owner and not project["is_inbox"],
        "delete_project": owner and not project["is_inbox"],
        "manage_members": owner and not project["is_inbox"],
        "leave": not project["is_inbox"],
    }


def team_json(**overrides) -> dict:
    """A shared project; the user's role in it is ``role`` (owner unless told)."""
    return project_json(**{"id": TEAM_ID, "name": "Team", "is_inbox": False, "color": "green", **overrides})


def member_json(username: str, role: str) -> dict:
    return {"username": username, "role": role, "joined_at": "2026-01-01T10:00:00Z"}


def task_json(**overrides) -> dict:
    task = {
        "id": "6f1c1f47-5d0e-4c1e-9a52-1b1d0c6f7a10",
        "project": INBOX_ID,
        "title": "Write the report",
        "description": "",
        "priority": "medium",
        "completed": False,
        "completed_at": None,
        "due_date": None,
        "tags": [],
        "created_at": "2026-01-02T10:00:00+00:00",
        "updated_at": "2026-01-02T10:00:00+00:00",
        "version": 1,
        "overdue": False,
        "assignee": None,
        "created_by": "alice",
    }
    task.update(overrides)
    return task


STATS = {
    "total": 0,
    "completed": 0,
    "open": 0,
    "overdue": 0,
    "by_priority": {"high": 0, "medium": 0, "low": 0},
}


def listing(tasks, count=None, *, stats=None, tags=None) -> dict:
    """A page of the task list, with the facets (stats, tag counts) the list page asks for."""
    return {
        "count": len(tasks) if count is None else count,
        "next": None,
        "previous": None,
        "results": tasks,
        "facets": {"stats": STATS if stats is None else stats, "tags": tags or []},
    }


@pytest.fixture
def list_api(fake_api):
    """An API answering the list page's task call with an empty list (fake_api answers the rest)."""
    fake_api.on("GET", "/api/v1/tasks/", json_body=listing([]))
    return fake_api
