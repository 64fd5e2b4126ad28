"""The UI's calls to the API are measured in its own connection pool, by the API's route templates."""

import httpx
import pytest
from prometheus_client import generate_latest

from taskmanager.metrics.api_calls import MeteredTransport, metered
from taskmanager.metrics.registry import METRICS
from taskmanager.ui import api_client
from taskmanager.ui.api_client import Api, ApiNotFound, ApiUnavailable

TASK_ID = "6f1c1f47-5d0e-4c1e-9a52-1b1d0c6f7a10"
TASK_ROUTE = "api/v1/tasks/<uuid:pk>/"


def calls(route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return METRICS.get_sample_value("taskmanager_api_client_requests_total", labels) or 0.0


def timed(route: str, method: str) -> float:
    labels = {"route": route, "method": method}
    return METRICS.get_sample_value("taskmanager_api_client_request_duration_seconds_count", labels) or 0.0


@pytest.fixture
def api_answers():
    """Install a metered pool over a fake API that answers with whatever the test sets."""
    answer = {}

    def handle(request: httpx.Request) -> httpx.Response:
        if "raises" in answer:
            raise answer["raises"]
        return httpx.Response(answer.get("status", 200), json=answer.get("json", {}))

    previous = api_client.install_http_client(
        metered(api_client.build_http_client(httpx.MockTransport(handle)))
    )
    yield answer
    api_client.install_http_client(previous)


def test_the_process_pool_is_metered():
    previous = api_client.install_http_client(None)
    try:
        assert isinstance(api_client.http_client()._transport, MeteredTransport)
    finally:
        api_client.install_http_client(previous)


def test_a_call_counts_under_the_api_route_template_and_its_status(api_answers):
    api_answers["json"] = {"id": TASK_ID}
    before, before_timed = calls(TASK_ROUTE, "GET", "200"), timed(TASK_ROUTE, "GET")
    Api(token="t").task_get(TASK_ID)
    assert calls(TASK_ROUTE, "GET", "200") == before + 1
    assert timed(TASK_ROUTE, "GET") == before_timed + 1

    api_answers.update(status=404, json={"error": {"status": 404, "code": "not_found", "message": "No."}})
    before = calls(TASK_ROUTE, "DELETE", "404")
    with pytest.raises(ApiNotFound):
        Api(token="t").task_delete(TASK_ID)
    assert calls(TASK_ROUTE, "DELETE", "404") == before + 1


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.PoolTimeout("busy"), "timeout"),
        (httpx.ConnectError("refused"), "error"),
    ],
)
def test_a_call_without_an_answer_counts_as_a_timeout_or_an_error(api_answers, error, status):
    api_answers["raises"] = error
    route = "api/v1/tasks/stats/"
    before, before_timed = calls(route, "GET", status), timed(route, "GET")
    with pytest.raises(ApiUnavailable):
        Api(token="t").task_stats()
    assert calls(route, "GET", status) == before + 1
    assert timed(route, "GET") == before_timed + 1


def test_a_timeout_while_the_body_is_read_counts_once_as_a_timeout():
    class StallingBody(httpx.SyncByteStream):
        def __iter__(self):
            yield b'{"total":'
            raise httpx.ReadTimeout("stalled")

    def handle(request):
        return httpx.Response(200, stream=StallingBody())

    previous = api_client.install_http_client(
        metered(api_client.build_http_client(httpx.MockTransport(handle)))
    )
    route = "api/v1/tasks/stats/"
    before_timeouts, before_ok = calls(route, "GET", "timeout"), calls(route, "GET", "200")
    try:
        with pytest.raises(ApiUnavailable):
            Api(token="t").task_stats()
    finally:
        api_client.install_http_client(previous)
    assert calls(route, "GET", "timeout") == before_timeouts + 1
    assert calls(route, "GET", "200") == before_ok


def test_the_labels_never_carry_the_ids_of_the_paths(api_answers):
    Api(token="t").task_get(TASK_ID)
    exported = generate_latest(METRICS).decode()
    assert TASK_ROUTE in exported
    assert TASK_ID not in exported


def circuit(state: str) -> float | None:
    return METRICS.get_sample_value("taskmanager_api_client_circuit_state", {"state": state})


def test_the_circuit_breakers_state_is_a_gauge_with_one_state_set(settings):
    class Clock:
        now = 100.0

        def __call__(self):
            return self.now

    clock = Clock()
    settings.TASKMANAGER_API_BREAKER_FAILURES = 2
    up = {"yes": False}

    def handle(request):
        if not up["yes"]:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    previous = api_client.install_http_client(
        metered(api_client.build_http_client(httpx.MockTransport(handle)))
    )
    api_client.install_circuit_breaker(api_client.build_circuit_breaker(clock=clock))
    try:
        assert (circuit("closed"), circuit("open"), circuit("half_open")) == (1, 0, 0)
        before = calls("api/v1/tasks/stats/", "GET", "error")
        for _ in range(3):
            with pytest.raises(ApiUnavailable):
                Api(token="t").task_stats()
        assert (circuit("closed"), circuit("open"), circuit("half_open")) == (0, 1, 0)
        # The refused third call never reached the pool: only the two attempts count.
        assert calls("api/v1/tasks/stats/", "GET", "error") == before + 2

        clock.now += settings.TASKMANAGER_API_BREAKER_OPEN_SECONDS
        breaker = api_client.circuit_breaker()
        breaker.before_call()  # the probe's turn
        assert (circuit("closed"), circuit("open"), circuit("half_open")) == (0, 0, 1)
        breaker.succeeded()
        assert (circuit("closed"), circuit("open"), circuit("half_open")) == (1, 0, 0)
    finally:
        api_client.install_http_client(previous)


def test_a_new_process_breaker_reports_closed():
    previous = api_client.install_circuit_breaker(None)
    try:
        api_client.circuit_breaker()
        assert (circuit("closed"), circuit("open"), circuit("half_open")) == (1, 0, 0)
    finally:
        api_client.install_circuit_breaker(previous)
