"""What a metric label may say: a bounded set of values, never a raw path or an id.

A label value that came straight from a request (its path, its method) would
let any client create new time series, one per id or per made-up method,
until Prometheus runs out of memory. Every value here is either the URL
pattern Django resolved (``api/v1/tasks/<uuid:pk>/``), one of a few fixed
words, or an HTTP status code.
"""

from http import HTTPStatus

# A request no URL pattern matched (a 404, a redirect to the slashed path, a
# request the size limits refused before Django saw it).
UNMATCHED = "<unmatched>"
# Answered before URL resolution, each one fixed value.
STATIC = "static/<path:path>"
OTHER = "other"

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUSES = frozenset(str(status.value) for status in HTTPStatus)


def route_label(route: str | None) -> str:
    """The resolved URL pattern, or UNMATCHED when there was none."""
    return route if route else UNMATCHED


def method_label(method: str | None) -> str:
    """One of the methods the application answers; anything else a client made up is OTHER."""
    method = (method or "").upper()
    return method if method in METHODS else OTHER


def status_label(status: int | str | None) -> str:
    """A known HTTP status code as text; anything else (none, a garbled one) is OTHER."""
    text = str(status).strip() if status is not None else ""
    return text if text in _STATUSES else OTHER
