"""API failures no view can fix: outage -> 503 page, dead token -> login, missing task -> 404."""

import uuid

import httpx
import pytest

from taskmanager.ui.session import TOKEN_KEY
from tests.ui.conftest import listing, task_json


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ConnectTimeout("unreachable")],
)
def test_an_unreachable_or_slow_api_gives_the_503_page(logged_in_client, fake_api, failure):
    fake_api.on("GET", "/api/v1/tasks/", raises=failure)
    response = logged_in_client.get("/?tag=x")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Service unavailable, try again" in page
    assert 'href="/?tag=x"' in page  # "Try again" repeats the same view
    assert "No tasks" not in page


def test_an_api_5xx_gives_the_503_page(logged_in_client, list_api):
    list_api.error("GET", "/api/v1/tasks/", 500)
    assert logged_in_client.get("/").status_code == 503


def test_a_failed_change_gives_the_503_page_and_a_way_back(logged_in_client, fake_api):
    fake_api.on("PATCH", f"/api/v1/tasks/{task_json()['id']}/", raises=httpx.ConnectError("refused"))
    response = logged_in_client.post(
        f"/tasks/{task_json()['id']}/toggle/", {"completed": "true", "next": "/?q=a"}
    )
    assert response.status_code == 503
    assert 'href="/?q=a"' in response.content.decode()


def test_a_revoked_token_is_dropped_and_the_user_sent_to_login(logged_in_client, fake_api):
    fake_api.error("GET", "/api/v1/tasks/", 401, "Invalid token.")
    response = logged_in_client.get("/?status=open")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F%3Fstatus%3Dopen"
    assert TOKEN_KEY not in logged_in_client.session
    # With the token gone, the next page goes to login without asking the API.
    fake_api.requests.clear()
    assert logged_in_client.get("/").status_code == 302
    assert fake_api.requests == []


def test_a_revoked_token_on_a_change_returns_to_the_page_after_login(logged_in_client, fake_api):
    fake_api.error("POST", "/api/v1/tasks/bulk/", 401)
    response = logged_in_client.post(
        "/tasks/bulk/", {"ids": [task_json()["id"]], "action": "complete", "next": "/?page=3"}
    )
    assert response["Location"] == "/login/?next=%2F%3Fpage%3D3"


def test_a_task_the_api_does_not_know_is_the_404_page(logged_in_client, fake_api):
    response = logged_in_client.get(f"/tasks/{task_json()['id']}/edit/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


def test_an_unexpected_api_answer_is_the_friendly_500_page(logged_in_client, list_api):
    list_api.error("GET", "/api/v1/tasks/", 418)
    logged_in_client.raise_request_exception = False
    response = logged_in_client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_every_page_sends_a_strict_content_security_policy(logged_in_client, list_api):
    list_api.on("GET", "/api/v1/tasks/", json_body=listing([task_json()]))
    for response in (logged_in_client.get("/"), logged_in_client.get("/login/?next=/")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


# --- Input the API refused where no form can show it ------------------------------
NUL_IN_SEARCH = {"search": ["Null characters are not allowed."]}


@pytest.mark.parametrize("query", ["?q=a%00b", "?tag=a%00b"])
def test_a_filter_the_api_refuses_shows_its_message_on_the_plain_list(logged_in_client, list_api, query):
    list_api.error("GET", "/api/v1/tasks/", 400, "The request has invalid fields.", fields=NUL_IN_SEARCH)
    response = logged_in_client.get(f"/{query}")
    assert response.status_code == 302
    assert response["Location"] == "/"
    list_api.on("GET", "/api/v1/tasks/", json_body=listing([]))
    page = logged_in_client.get("/")
    assert page.status_code == 200
    assert "Null characters are not allowed." in page.content.decode()


def test_the_plain_list_refused_too_is_a_400_page_not_a_loop(logged_in_client, list_api):
    list_api.error("GET", "/api/v1/tasks/", 400, "The request has invalid fields.", fields=NUL_IN_SEARCH)
    response = logged_in_client.get("/")
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


def test_a_bulk_change_the_api_refuses_goes_back_with_its_message(logged_in_client, list_api, fake_api):
    too_many = {"ids": ["Ensure this field has no more than 500 elements."]}
    fake_api.error("POST", "/api/v1/tasks/bulk/", 400, "The request has invalid fields.", fields=too_many)
    ids = [str(uuid.uuid4()) for _ in range(501)]
    response = logged_in_client.post("/tasks/bulk/", {"ids": ids, "action": "complete", "next": "/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"
    list_api.on("GET", "/api/v1/tasks/", json_body=listing([]))
    assert "no more than 500 elements" in logged_in_client.get("/").content.decode()
