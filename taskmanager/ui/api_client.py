"""The UI role's only way to data: the API role, over HTTP.

One ``httpx.Client`` per process holds a pool of keep-alive connections that
every request thread shares, so a page costs a few round trips on warm
connections instead of new TCP handshakes. Timeouts are short: when the API
is down or stuck, the user gets a clear 503 page within seconds rather than a
hanging tab.

Failures become typed exceptions; the views handle the ones users can fix
(``ApiValidationError``, ``ApiNotFound``...) and ``ApiErrorMiddleware`` the
ones they cannot (``ApiUnavailable``, ``ApiUnauthorized``).
"""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from taskmanager.config.client_address import CLIENT_ADDRESS_HEADER, sign_client_address
from taskmanager.metrics.api_calls import circuit_state, metered
from taskmanager.ui.circuit_breaker import CLOSED, CircuitBreaker, CircuitOpen

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
REQUEST_ID_HEADER = "X-Request-ID"


# --- Errors -------------------------------------------------------------------------
class ApiError(Exception):
    """The API answered with an error the UI did not expect."""

    def __init__(
        self,
        status: int,
        message: str = "",
        code: str = "",
        fields=None,
        etag: str = "",
        retry_after: int | None = None,
    ):
        super().__init__(message or f"API error {status}")
        self.status = status
        self.message = message
        self.code = code
        self.fields: dict[str, list[str]] = fields or {}
        self.etag = etag
        self.retry_after = retry_after


class ApiUnavailable(ApiError):
    """The API could not be reached, timed out or failed (5xx)."""


class ApiUnauthorized(ApiError):
    """401: the token is missing, expired or revoked (or the login was wrong)."""


class ApiForbidden(ApiError):
    """403: e.g. sign-up is disabled on the API, or the caller's role in a project is too low."""


class ApiNotFound(ApiError):
    """404: no such task, or not the caller's."""


class ApiValidationError(ApiError):
    """400: the input was refused; ``fields`` maps field names to messages."""


class ApiConflict(ApiError):
    """409: the change contradicts the current state (the Inbox, the last owner, an archived project)."""


class ApiPreconditionFailed(ApiError):
    """412: the task changed since it was read; ``etag`` is the current one."""


class ApiThrottled(ApiError):
    """429: too many attempts (failed logins, sign-ups, password checks); ``retry_after`` in seconds."""


_ERRORS_BY_STATUS = {
    400: ApiValidationError,
    401: ApiUnauthorized,
    403: ApiForbidden,
    404: ApiNotFound,
    409: ApiConflict,
    412: ApiPreconditionFailed,
    429: ApiThrottled,
}


# --- The shared connection pool -----------------------------------------------------
_pool_lock = threading.Lock()
_pool: httpx.Client | None = None


def build_http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    connect = settings.TASKMANAGER_API_CONNECT_TIMEOUT
    read = settings.TASKMANAGER_API_READ_TIMEOUT
    return httpx.Client(
        base_url=settings.TASKMANAGER_API_URL,
        transport=transport,
        # Waiting for a free pooled connection counts as "slow API" too.
        timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
        # Closing idle connections before the API server's keep-alive does
        # avoids reusing one the server is about to drop.
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=3.0),
        headers={"Accept": "application/json", "User-Agent": "taskmanager-ui"},
        follow_redirects=False,
    )


def http_client() -> httpx.Client:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = metered(build_http_client())
    return _pool


def install_http_client(client: httpx.Client | None) -> httpx.Client | None:
    """Replace the process's client (tests install one over a fake transport); returns the old one."""
    global _pool
    with _pool_lock:
        previous, _pool = _pool, client
    return previous


# --- The circuit breaker, one per process ---------------------------------------------
_breaker: CircuitBreaker | None = None


def circuit_breaker() -> CircuitBreaker:
    global _breaker
    if _breaker is None:
        with _pool_lock:
            if _breaker is None:
                _breaker = build_circuit_breaker()
                circuit_state(_breaker.state)
    return _breaker


def build_circuit_breaker(**overrides) -> CircuitBreaker:
    options = {
        "failures": settings.TASKMANAGER_API_BREAKER_FAILURES,
        "open_seconds": settings.TASKMANAGER_API_BREAKER_OPEN_SECONDS,
        "max_open_seconds": settings.TASKMANAGER_API_BREAKER_MAX_OPEN_SECONDS,
        "on_change": _breaker_changed,
        **overrides,
    }
    return CircuitBreaker(**options)


def install_circuit_breaker(breaker: CircuitBreaker | None) -> CircuitBreaker | None:
    """Replace the process's breaker (tests start each with a closed one); returns the old one."""
    global _breaker
    with _pool_lock:
        previous, _breaker = _breaker, breaker
    if breaker is not None:
        circuit_state(breaker.state)
    return previous


def _breaker_changed(state: str) -> None:
    circuit_state(state)  # the gauge taskmanager_api_client_circuit_state
    log = logger.info if state == CLOSED else logger.warning
    log("circuit breaker for the API: %s", state)


# --- Requests -----------------------------------------------------------------------
@dataclass
class ApiResponse:
    status: int
    data: Any
    headers: httpx.Headers = field(default_factory=httpx.Headers)


class Api:
    """The API as seen by one user in one request: their token, the request id, their address."""

    def __init__(
        self, *, token: str | None = None, request_id: str | None = None, client_address: str | None = None
    ):
        self.token = token
        self.request_id = request_id
        self.client_address = client_address

    # Authentication
    def login(self, *, username: str, password: str) -> dict:
        body = {"username": username, "password": password}
        return self._call("POST", "/auth/token/", json=body, headers=self._client_headers()).data

    def logout(self) -> None:
        self._call("DELETE", "/auth/token/")

    def logout_everywhere(self) -> None:
        self._call("DELETE", "/auth/tokens/")

    def register(self, *, username: str, password: str, email: str = "") -> dict:
        body = {"username": username, "password": password, "email": email}
        return self._call("POST", "/auth/register/", json=body, headers=self._client_headers()).data

    def _client_headers(self) -> dict:
        """The end user's address, signed, for the API's per-client limits on password work."""
        secret = settings.TASKMANAGER_FORWARDING_SECRET
        if not (secret and self.client_address):
            return {}
        return {CLIENT_ADDRESS_HEADER: sign_client_address(self.client_address, secret=secret)}

    # Server facts (no credentials)
    def meta(self) -> dict:
        return self._call("GET", "/meta/", authenticated=False).data

    # Projects
    def project_list(self) -> list[dict]:
        return self._call("GET", "/projects/").data

    def project_get(self, project_id: str) -> tuple[dict, str]:
        response = self._call("GET", f"/projects/{project_id}/")
        return response.data, response.headers.get("ETag", "")

    def project_create(self, fields: dict) -> dict:
        return self._call("POST", "/projects/", json=fields).data

    def project_update(self, project_id: str, fields: dict, *, etag: str = "") -> dict:
        headers = {"If-Match": etag} if etag else {}
        return self._call("PATCH", f"/projects/{project_id}/", json=fields, headers=headers).data

    def project_delete(self, project_id: str) -> None:
        self._call("DELETE", f"/projects/{project_id}/")

    def member_list(self, project_id: str) -> list[dict]:
        return self._call("GET", f"/projects/{project_id}/members/").data

    def member_add(self, project_id: str, *, username: str, role: str) -> dict:
        body = {"username": username, "role": role}
        return self._call("POST", f"/projects/{project_id}/members/", json=body).data

    def member_change_role(self, project_id: str, username: str, role: str) -> dict:
        path = f"/projects/{project_id}/members/{quote(username, safe='')}/"
        return self._call("PATCH", path, json={"role": role}).data

    def member_remove(self, project_id: str, username: str) -> None:
        self._call("DELETE", f"/projects/{project_id}/members/{quote(username, safe='')}/")

    # Tasks
    def task_list(self, params: dict) -> dict:
        return self._call("GET", "/tasks/", params=params).data

    def task_stats(self, params: dict | None = None) -> dict:
        return self._call("GET", "/tasks/stats/", params=params).data

    def tag_list(self, params: dict | None = None) -> list[dict]:
        return self._call("GET", "/tags/", params=params).data

    def task_get(self, task_id: str) -> tuple[dict, str]:
        response = self._call("GET", f"/tasks/{task_id}/")
        return response.data, response.headers.get("ETag", "")

    def task_create(self, fields: dict) -> dict:
        return self._call("POST", "/tasks/", json=fields).data

    def task_update(self, task_id: str, fields: dict, *, etag: str = "") -> dict:
        """PATCH: what the form does not show (the parent, the position) stays as it is."""
        headers = {"If-Match": etag} if etag else {}
        return self._call("PATCH", f"/tasks/{task_id}/", json=fields, headers=headers).data

    def task_undo_completion(self, task_id: str) -> dict:
        return self._call("POST", f"/tasks/{task_id}/undo-completion/").data

    def me(self) -> dict:
        return self._call("GET", "/me/").data

    def me_update(self, fields: dict) -> dict:
        return self._call("PATCH", "/me/", json=fields).data

    def task_set_completed(self, task_id: str, completed: bool) -> dict:
        return self._call("PATCH", f"/tasks/{task_id}/", json={"completed": completed}).data

    def task_delete(self, task_id: str) -> None:
        self._call("DELETE", f"/tasks/{task_id}/")

    def task_bulk(self, *, ids: list[str], action: str) -> int:
        return self._call("POST", "/tasks/bulk/", json={"ids": ids, "action": action}).data["affected"]

    def task_clear_completed(self, project_id: str | None = None) -> int:
        body = {"project": project_id} if project_id else None
        return self._call("POST", "/tasks/clear-completed/", json=body).data["deleted"]

    def subtask_list(self, parent_id: str) -> list[dict]:
        """The task's subtasks in their order (a task has at most 200)."""
        params = {"parent": parent_id, "limit": 200}
        return self._call("GET", "/tasks/", params=params).data["results"]

    def task_patch(self, task_id: str, fields: dict) -> dict:
        return self._call("PATCH", f"/tasks/{task_id}/", json=fields).data

    # Transport
    def _call(
        self, method: str, path: str, *, params=None, json=None, headers=None, authenticated=True
    ) -> ApiResponse:
        all_headers = dict(headers or {})
        if self.token and authenticated:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if self.request_id:
            all_headers[REQUEST_ID_HEADER] = self.request_id
        url = API_PREFIX + path
        response = self._send_guarded(method, path, url, params=params, json=json, headers=all_headers)
        if response.status_code >= 400:
            raise _error_from(response, method, path)
        data = response.json() if response.content else None
        return ApiResponse(status=response.status_code, data=data, headers=response.headers)

    def _send_guarded(self, method, path, url, **kwargs) -> httpx.Response:
        """One call through the circuit breaker: refused at once while the API keeps failing."""
        breaker = circuit_breaker()
        try:
            breaker.before_call()
        except CircuitOpen as refusal:
            raise ApiUnavailable(0, "The task service is failing; trying again shortly.") from refusal
        healthy = False
        try:
            response = self._send(method, url, **kwargs)
            healthy = response.status_code < 500
            return response
        except httpx.TimeoutException as error:
            logger.warning("API %s %s timed out: %r", method, path, error)
            raise ApiUnavailable(0, "The task service did not answer in time.") from error
        except httpx.TransportError as error:
            logger.warning("API %s %s unreachable: %r", method, path, error)
            raise ApiUnavailable(0, "The task service cannot be reached.") from error
        finally:
            # Anything but an answer below 500 counts against the API, a bug here included,
            # so a half-open breaker's probe always ends.
            if healthy:
                breaker.succeeded()
            else:
                breaker.failed()

    def _send(self, method, url, **kwargs) -> httpx.Response:
        client = http_client()
        try:
            return client.request(method, url, **kwargs)
        except httpx.RemoteProtocolError:
            # A pooled connection the server closed while idle. Only a read is
            # safe to send again: a write may have been applied before the drop.
            if method != "GET":
                raise
            return client.request(method, url, **kwargs)


def _error_from(response: httpx.Response, method: str, path: str) -> ApiError:
    status = response.status_code
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message", "")) or response.reason_phrase
    if status >= 500:
        logger.warning("API %s %s failed with %s: %s", method, path, status, message)
        return ApiUnavailable(status, message)
    error_class = _ERRORS_BY_STATUS.get(status, ApiError)
    if error_class is ApiError:
        logger.error("API %s %s answered an unexpected %s: %s", method, path, status, message)
    return error_class(
        status,
        message,
        code=str(error.get("code", "")),
        fields=flatten_field_errors(error.get("fields") or {}),
        etag=response.headers.get("ETag", ""),
        retry_after=_seconds(response.headers.get("Retry-After", "")),
    )


def _seconds(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def flatten_field_errors(fields) -> dict[str, list[str]]:
    """``{"tags": {"0": ["Too long."]}}`` -> ``{"tags": ["Too long."]}``: one list of text per field."""
    if not isinstance(fields, dict):
        return {"non_field_errors": _messages(fields)}
    return {str(name): _messages(value) for name, value in fields.items()}


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]
