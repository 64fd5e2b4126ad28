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

TOKEN = "token-abc123"


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


@pytest.fixture
def fake_api():
    fake = FakeApi()
    previous = api_client.install_http_client(api_client.build_http_client(httpx.MockTransport(fake.handle)))
    yield fake
    api_client.install_http_client(previous)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def logged_in_client(client, fake_api):
    fake_api.on(
        "POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": "2030-01-01T00:00:00+00:00"}
    )
    response = client.post("/login/", {"username": "alice", "password": "s3cret-pass"})
    assert response.status_code == 302
    fake_api.requests.clear()
    return client


def task_json(**overrides) -> dict:
    task = {
        "id": "6f1c1f47-5d0e-4c1e-9a52-1b1d0c6f7a10",
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


def listing(tasks, count=None) -> dict:
    return {"count": len(tasks) if count is None else count, "next": None, "previous": None, "results": tasks}


@pytest.fixture
def list_api(fake_api):
    """An API answering the three calls of the list page with an empty list."""
    fake_api.on("GET", "/api/v1/tasks/", json_body=listing([]))
    fake_api.on("GET", "/api/v1/tasks/stats/", json_body=STATS)
    fake_api.on("GET", "/api/v1/tags/", json_body=[])
    return fake_api
