"""What the UI learns from the API instead of copying it: GET /api/v1/meta/.

Whether sign-up is open, the vocabularies (priorities, colours, roles,
orderings, what a repeating task counts from) and the field limits are the
API's facts. The UI asks once and keeps the answer per process for
``TASKMANAGER_META_TTL`` seconds, so a page
normally costs no extra round trip and a changed API setting shows up within
that time. When the API cannot be reached the call raises ``ApiUnavailable``
like any other, and the user gets the 503 page.
"""

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from taskmanager.ui.api_client import Api

# Wording only: which values exist is the API's fact; one it adds later shows with its plain label.
_RECUR_FROM_WORDING = {"due": "the due date (a fixed schedule)", "completion": "when I complete it"}


@dataclass(frozen=True)
class ServerFacts:
    signup_open: bool
    priorities: tuple[str, ...]
    colors: tuple[str, ...]
    roles: tuple[str, ...]
    orderings: frozenset[str]
    limits: dict = field(default_factory=dict)
    time_zones: tuple[str, ...] = ("UTC",)
    recur_from: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: dict) -> "ServerFacts":
        return cls(
            signup_open=bool(data.get("signup_open")),
            priorities=tuple(data.get("priorities") or ()),
            colors=tuple(data.get("colors") or ()),
            roles=tuple(data.get("roles") or ()),
            orderings=frozenset(data.get("orderings") or ()),
            limits=dict(data.get("limits") or {}),
            time_zones=tuple(data.get("time_zones") or ("UTC",)),
            recur_from=tuple(data.get("recur_from") or ()),
        )

    def limit(self, name: str) -> int | None:
        value = self.limits.get(name)
        return value if isinstance(value, int) and value > 0 else None

    @property
    def default_priority(self) -> str:
        """The middle of the vocabulary ("medium" in the API's low-to-high list)."""
        if "medium" in self.priorities:
            return "medium"
        return self.priorities[len(self.priorities) // 2] if self.priorities else ""

    @staticmethod
    def label(value: str) -> str:
        return value.replace("_", " ").capitalize()

    def priority_choices(self) -> list[tuple[str, str]]:
        """Highest first, as people scan a priority menu; the API lists them lowest first."""
        return [(name, self.label(name)) for name in reversed(self.priorities)]

    def recur_from_choices(self) -> list[tuple[str, str]]:
        """The API's values, each said as the task form asks its question ("Next date counts from ...")."""
        return [(name, _RECUR_FROM_WORDING.get(name, self.label(name))) for name in self.recur_from]

    def color_choices(self) -> list[tuple[str, str]]:
        return [(name, self.label(name)) for name in self.colors]

    def role_choices(self) -> list[tuple[str, str]]:
        return [(name, self.label(name)) for name in self.roles]


_lock = threading.Lock()
_cached: tuple[float, ServerFacts] | None = None


def server_facts(api: Api | None = None) -> ServerFacts:
    """The API's facts, from the per-process cache while fresh; else asked again (raises ApiError)."""
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < settings.TASKMANAGER_META_TTL:
        return cached[1]
    facts = ServerFacts.from_api((api or Api()).meta())
    with _lock:
        _cached = (time.monotonic(), facts)
    return facts


def forget_server_facts() -> None:
    """Drop the cached answer (tests; the next page asks the API again)."""
    global _cached
    with _lock:
        _cached = None


def facts_for(request) -> ServerFacts:
    """The facts for this request, asked (when not cached) with the request's id for the API's log."""
    facts = getattr(request, "_server_facts", None)
    if facts is None:
        facts = server_facts(Api(request_id=getattr(request, "request_id", None)))
        request._server_facts = facts
    return facts
