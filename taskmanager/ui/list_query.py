"""The task list's view state (filters, search, sort, page), read from the URL query.

Keeping it all in the query string makes every view bookmarkable and the back
button faithful; values that do not parse fall back to the defaults instead
of failing the page.
"""

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from django.http import QueryDict

STATUSES = [("all", "All"), ("open", "Open"), ("completed", "Completed")]
# The UI's labels for orderings; those the API does not list (GET /meta/) are left out.
# The API's ordering value -> label; "" is the API's default order.
SORTS = [
    ("", "Open first, by priority"),
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("due_date", "Due soonest"),
    ("-due_date", "Due latest"),
    ("-priority", "Highest priority"),
    ("priority", "Lowest priority"),
    ("title", "Title A to Z"),
    ("-title", "Title Z to A"),
    ("-updated_at", "Recently changed"),
]
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20
TAG_FILTER_MAX_LENGTH = 64


@dataclass(frozen=True)
class ListChoices:
    """What the list's filters offer, from the API's vocabulary and limits (see meta.py)."""

    priorities: tuple[tuple[str, str], ...] = (("high", "High"), ("medium", "Medium"), ("low", "Low"))
    sorts: tuple[tuple[str, str], ...] = tuple(SORTS)
    page_sizes: tuple[int, ...] = PAGE_SIZES
    search_max_length: int = 200

    @classmethod
    def from_facts(cls, facts) -> "ListChoices":
        sorts = tuple(
            (value, label) for value, label in SORTS if not value or value.lstrip("-") in facts.orderings
        )
        page_max = facts.limit("page_size_max")
        return cls(
            priorities=tuple(facts.priority_choices()),
            sorts=sorts,
            page_sizes=tuple(size for size in PAGE_SIZES if page_max is None or size <= page_max),
            search_max_length=facts.limit("search_max_length") or cls.search_max_length,
        )

    @property
    def priority_filters(self) -> list[tuple[str, str]]:
        return [("", "Any priority"), *self.priorities]


@dataclass(frozen=True)
class TaskListQuery:
    status: str = "all"
    priority: str = ""
    tag: str = ""
    overdue: bool = False
    search: str = ""
    sort: str = ""
    per_page: int = DEFAULT_PAGE_SIZE
    page: int = 1

    @classmethod
    def from_query(cls, query: QueryDict, choices: ListChoices | None = None) -> "TaskListQuery":
        choices = choices or ListChoices()
        status = query.get("status", "all")
        priority = query.get("priority", "")
        sort = query.get("sort", "")
        return cls(
            status=status if status in dict(STATUSES) else "all",
            priority=priority if priority in dict(choices.priorities) else "",
            tag=query.get("tag", "").strip()[:TAG_FILTER_MAX_LENGTH],
            overdue=query.get("overdue") in {"1", "true", "on"},
            search=query.get("q", "").strip()[: choices.search_max_length],
            sort=sort if sort in dict(choices.sorts) else "",
            per_page=_int_in(query.get("per_page"), choices.page_sizes, DEFAULT_PAGE_SIZE),
            page=max(1, _int(query.get("page"), 1)),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def is_filtered(self) -> bool:
        return any([self.status != "all", self.priority, self.tag, self.overdue, self.search])

    def api_params(self) -> dict:
        params = {"limit": self.per_page, "offset": self.offset}
        if self.status != "all":
            params["completed"] = "true" if self.status == "completed" else "false"
        if self.priority:
            params["priority"] = self.priority
        if self.tag:
            params["tag"] = self.tag
        if self.overdue:
            params["overdue"] = "true"
        if self.search:
            params["search"] = self.search
        if self.sort:
            params["ordering"] = self.sort
        return params

    def is_canonical(self, query: QueryDict) -> bool:
        """True when ``query`` holds exactly this view's non-default values, once each."""
        given = sorted((name, value) for name, values in query.lists() for value in values)
        return given == sorted(parse_qsl(self.url_query().lstrip("?")))

    def url_query(self, **changes) -> str:
        """This view's query string with ``changes`` applied; defaults are left out to keep URLs short."""
        query = replace(self, **changes)
        defaults = TaskListQuery()
        pairs = [
            ("status", query.status, defaults.status),
            ("priority", query.priority, defaults.priority),
            ("tag", query.tag, defaults.tag),
            ("overdue", "1" if query.overdue else "", ""),
            ("q", query.search, defaults.search),
            ("sort", query.sort, defaults.sort),
            ("per_page", query.per_page, defaults.per_page),
            ("page", query.page, defaults.page),
        ]
        encoded = urlencode([(name, value) for name, value, default in pairs if value != default])
        return f"?{encoded}" if encoded else ""


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _int_in(value, allowed, default: int) -> int:
    number = _int(value, default)
    return number if number in allowed else default
