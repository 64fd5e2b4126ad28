"""The circuit breaker: its states on a controlled clock, and the API client failing fast behind it."""

import httpx
import pytest

from taskmanager.ui import api_client
from taskmanager.ui.api_client import Api, ApiNotFound, ApiUnavailable
from taskmanager.ui.circuit_breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker(failures=3, open_seconds=1.0, max_open_seconds=4.0, clock=clock)


def fail(breaker, times):
    for _ in range(times):
        breaker.before_call()
        breaker.failed()


def test_it_opens_after_the_failures_in_a_row_and_refuses_without_calling(breaker):
    fail(breaker, 2)
    assert breaker.state == CLOSED
    fail(breaker, 1)
    assert breaker.state == OPEN
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_a_success_resets_the_count(breaker):
    fail(breaker, 2)
    breaker.before_call()
    breaker.succeeded()
    fail(breaker, 2)
    assert breaker.state == CLOSED


def test_after_the_interval_one_probe_goes_through_and_closes_it(breaker, clock):
    fail(breaker, 3)
    clock.now += 1.0
    breaker.before_call()  # the probe
    assert breaker.state == HALF_OPEN
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # everyone else still waits for the probe
    breaker.succeeded()
    assert breaker.state == CLOSED
    breaker.before_call()


def test_a_failed_probe_opens_it_for_twice_as_long_up_to_the_maximum(breaker, clock):
    fail(breaker, 3)
    waits = []
    for _ in range(4):
        waited = 0.0
        while True:
            try:
                breaker.before_call()
                break
            except CircuitOpen:
                clock.now += 0.25
                waited += 0.25
        waits.append(waited)
        breaker.failed()  # the probe fails
    assert waits == [1.0, 2.0, 4.0, 4.0]
    assert breaker.state == OPEN


def test_the_client_stops_calling_a_failing_api_then_probes_it(settings, clock):
    settings.TASKMANAGER_API_BREAKER_FAILURES = 2
    calls = []
    up = {"yes": False}

    def handle(request):
        calls.append(request.url.path)
        if not up["yes"]:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(
            404, json={"error": {"status": 404, "code": "not_found", "message": "Not found."}}
        )

    previous_client = api_client.install_http_client(
        api_client.build_http_client(httpx.MockTransport(handle))
    )
    api_client.install_circuit_breaker(api_client.build_circuit_breaker(clock=clock))
    try:
        for _ in range(2):
            with pytest.raises(ApiUnavailable, match="cannot be reached"):
                Api(token="t").task_get("x")
        assert len(calls) == 2
        for _ in range(5):
            with pytest.raises(ApiUnavailable, match="failing"):
                Api(token="t").task_get("x")
        assert len(calls) == 2  # refused at once, without a call
        assert api_client.circuit_breaker().state == OPEN

        up["yes"] = True
        clock.now += settings.TASKMANAGER_API_BREAKER_OPEN_SECONDS
        with pytest.raises(ApiNotFound):  # the probe: an answer, even a 404, means the API is back
            Api(token="t").task_get("x")
        assert api_client.circuit_breaker().state == CLOSED
        with pytest.raises(ApiNotFound):
            Api(token="t").task_get("x")
        assert len(calls) == 4
    finally:
        api_client.install_http_client(previous_client)
