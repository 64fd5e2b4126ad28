import threading

import httpx
import pytest
from django.conf import settings

from taskmanager.ui import api_client
from taskmanager.ui.api_client import (
    Api,
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiPreconditionFailed,
    ApiUnauthorized,
    ApiUnavailable,
    ApiValidationError,
)
from tests.ui.conftest import task_json


def test_requests_carry_the_token_and_the_request_id_to_the_configured_api(fake_api):
    fake_api.on("GET", "/api/v1/tasks/stats/", json_body={"total": 3})
    assert Api(token="t0k", request_id="req-42").task_stats() == {"total": 3}
    (request,) = fake_api.requests
    assert str(request.url) == f"{settings.TASKMANAGER_API_URL}/api/v1/tasks/stats/"
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["X-Request-ID"] == "req-42"


def test_anonymous_requests_send_no_authorization(fake_api):
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": "new", "expiry": None})
    Api().login(username="a", password="b")
    assert "Authorization" not in fake_api.requests[0].headers
    assert fake_api.body(fake_api.requests[0]) == {"username": "a", "password": "b"}


def test_list_parameters_go_in_the_query_string(fake_api):
    fake_api.on("GET", "/api/v1/tasks/", json_body={"count": 0, "results": []})
    Api(token="t").task_list({"limit": 20, "offset": 40, "priority": "high"})
    assert dict(fake_api.requests[0].url.params) == {"limit": "20", "offset": "40", "priority": "high"}


def test_validation_errors_carry_the_fields_flattened(fake_api):
    fake_api.error(
        "POST",
        "/api/v1/tasks/",
        400,
        "The request has invalid fields.",
        fields={"title": ["Title must not be empty."], "tags": {"0": ["Too long."], "2": ["Bad."]}},
    )
    with pytest.raises(ApiValidationError) as caught:
        Api(token="t").task_create({"title": ""})
    assert caught.value.status == 400
    assert caught.value.fields == {"title": ["Title must not be empty."], "tags": ["Too long.", "Bad."]}


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, ApiUnauthorized),
        (403, ApiForbidden),
        (404, ApiNotFound),
        (500, ApiUnavailable),
        (502, ApiUnavailable),
        (503, ApiUnavailable),
        (418, ApiError),
    ],
)
def test_statuses_map_to_typed_errors(fake_api, status, error_class):
    fake_api.error("GET", "/api/v1/tags/", status, "nope")
    with pytest.raises(error_class) as caught:
        Api(token="t").tag_list()
    assert type(caught.value) is error_class
    assert caught.value.status == status


def test_a_5xx_without_json_is_still_unavailable(fake_api):
    fake_api.routes[("GET", "/api/v1/tags/")] = lambda request: httpx.Response(
        502, text="<html>Bad gateway</html>"
    )
    with pytest.raises(ApiUnavailable):
        Api(token="t").tag_list()


def test_a_stale_etag_reports_the_current_one(fake_api):
    task_id = task_json()["id"]
    fake_api.error("PATCH", f"/api/v1/tasks/{task_id}/", 412, "changed", headers={"ETag": '"abc-3"'})
    with pytest.raises(ApiPreconditionFailed) as caught:
        Api(token="t").task_update(task_id, {"title": "x"}, etag='"abc-2"')
    assert caught.value.etag == '"abc-3"'
    assert fake_api.requests[0].headers["If-Match"] == '"abc-2"'


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.PoolTimeout("no free connection"),
    ],
)
def test_unreachable_or_slow_api_is_unavailable(fake_api, failure):
    fake_api.on("GET", "/api/v1/tasks/stats/", raises=failure)
    with pytest.raises(ApiUnavailable):
        Api(token="t").task_stats()


def test_a_read_is_retried_once_on_a_dropped_keepalive_connection(fake_api):
    attempts = []

    def flaky(request):
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json=[])

    fake_api.routes[("GET", "/api/v1/tags/")] = flaky
    assert Api(token="t").tag_list() == []
    assert len(attempts) == 2


def test_a_write_is_never_sent_twice(fake_api):
    fake_api.on("POST", "/api/v1/tasks/", raises=httpx.RemoteProtocolError("Server disconnected."))
    with pytest.raises(ApiUnavailable):
        Api(token="t").task_create({"title": "once"})
    assert len(fake_api.calls("POST")) == 1


def test_one_pooled_client_per_process_with_the_configured_timeouts():
    previous = api_client.install_http_client(None)
    try:
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(api_client.http_client())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(client) for client in seen}) == 1
        client = seen[0]
        assert client.timeout.connect == settings.TASKMANAGER_API_CONNECT_TIMEOUT
        assert client.timeout.read == settings.TASKMANAGER_API_READ_TIMEOUT
        assert str(client.base_url).rstrip("/") == settings.TASKMANAGER_API_URL
        client.close()
    finally:
        api_client.install_http_client(previous)


def test_bulk_and_clear_completed_return_counts(fake_api):
    fake_api.on("POST", "/api/v1/tasks/bulk/", json_body={"action": "complete", "affected": 2})
    fake_api.on("POST", "/api/v1/tasks/clear-completed/", json_body={"deleted": 5})
    api = Api(token="t")
    assert api.task_bulk(ids=["a", "b"], action="complete") == 2
    assert fake_api.body(fake_api.calls("POST", "/api/v1/tasks/bulk/")[0]) == {
        "ids": ["a", "b"],
        "action": "complete",
    }
    assert api.task_clear_completed() == 5
