"""The UI's calls to the API, counted and timed by the API's own route templates.

The UI knows a call's path (``/api/v1/tasks/3f2c.../``), not the pattern the
API will match it to, and the API role's URL map cannot be loaded in the UI
role (it imports the API's views and models). ``API_ROUTES`` lists the API's
patterns; tests/metrics checks that it is exactly the API's URL map under
``api/v1/``, so it cannot drift. A path none of them matches counts under the
one UNMATCHED value.

``MeteredTransport`` wraps the transport of the UI's connection pool
(ui/api_client.py), so every attempt is measured where it happens: a timeout
or refused connection (no status: "timeout" or "error"), and the time until
the body has been read, where a read timeout can still happen. A call the
circuit breaker refuses never reaches the transport and is not counted there;
``circuit_state`` shows the breaker's state instead (set from its ``on_change``).
"""

import time

import httpx
from django.urls.resolvers import RoutePattern

from taskmanager.metrics.labels import UNMATCHED, method_label, status_label
from taskmanager.metrics.registry import API_CALL_DURATION, API_CALLS, API_CIRCUIT_STATE
from taskmanager.ui.circuit_breaker import STATES

# The API role's URL patterns under api/v1/ (taskmanager/api/urls.py), in its order.
API_ROUTES = (
    "api/v1/auth/token/",
    "api/v1/auth/tokens/",
    "api/v1/auth/register/",
    "api/v1/me/",
    "api/v1/meta/",
    "api/v1/projects/",
    "api/v1/projects/<uuid:pk>/",
    "api/v1/projects/<uuid:pk>/members/",
    "api/v1/projects/<uuid:pk>/members/<str:username>/",
    "api/v1/tasks/",
    "api/v1/tasks/bulk/",
    "api/v1/tasks/clear-completed/",
    "api/v1/tasks/stats/",
    "api/v1/tasks/<uuid:pk>/",
    "api/v1/tasks/<uuid:pk>/undo-completion/",
    "api/v1/tags/",
    "api/v1/tasks/<uuid:pk>/reminders/",
    "api/v1/reminders/<uuid:pk>/",
    "api/v1/schema/",
    "api/v1/docs/",
)
TIMEOUT = "timeout"
ERROR = "error"

_FIXED = {route: route for route in API_ROUTES if "<" not in route}
_PATTERNS = [(RoutePattern(route, is_endpoint=True), route) for route in API_ROUTES if "<" in route]


def api_route_label(path: str) -> str:
    """The API route template a request path matches, or UNMATCHED."""
    path = path.lstrip("/")
    if path in _FIXED:
        return _FIXED[path]
    for pattern, route in _PATTERNS:
        if pattern.match(path) is not None:
            return route
    return UNMATCHED


def circuit_state(state: str) -> None:
    """This process's breaker is now in ``state``: 1 there, 0 in the other states."""
    for each in STATES:
        API_CIRCUIT_STATE.labels(each).set(1 if each == state else 0)


def metered(client: httpx.Client) -> httpx.Client:
    """The UI's API client, with its transport measured; returns the same client."""
    # httpx offers no public way to wrap a built client's transport; the
    # client's own keeps its pool limits, so it is wrapped rather than rebuilt.
    if not isinstance(client._transport, MeteredTransport):
        client._transport = MeteredTransport(client._transport)
    return client


class MeteredTransport(httpx.BaseTransport):
    def __init__(self, transport: httpx.BaseTransport):
        self.transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call = _Call(api_route_label(request.url.path), method_label(request.method))
        try:
            response = self.transport.handle_request(request)
        except httpx.TimeoutException:
            call.done(TIMEOUT)
            raise
        except Exception:
            call.done(ERROR)
            raise
        status = status_label(response.status_code)
        if isinstance(response.stream, httpx.ByteStream):
            call.done(status)  # a body already in memory: nothing left to wait for
        else:
            response.stream = _MeteredStream(response.stream, call, status)
        return response

    def close(self) -> None:
        self.transport.close()


class _Call:
    """One attempt, recorded once: at the end of its body, or when it failed."""

    def __init__(self, route: str, method: str):
        self.route, self.method = route, method
        self.started = time.perf_counter()
        self.recorded = False

    def done(self, status: str) -> None:
        if self.recorded:
            return
        self.recorded = True
        API_CALLS.labels(self.route, self.method, status).inc()
        API_CALL_DURATION.labels(self.route, self.method).observe(time.perf_counter() - self.started)


class _MeteredStream(httpx.SyncByteStream):
    def __init__(self, stream, call: _Call, status: str):
        self.stream, self.call, self.status = stream, call, status

    def __iter__(self):
        try:
            yield from self.stream
        except httpx.TimeoutException:
            self.call.done(TIMEOUT)
            raise
        except Exception:
            self.call.done(ERROR)
            raise

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            self.call.done(self.status)
