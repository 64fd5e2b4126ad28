"""What the API returns, in the shapes the templates display."""

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")

DESCRIPTION_PREVIEW_LENGTH = 160
# The UI speaks en-us; the month names are fixed rather than looked up per row
# because date formatting through template filters was a fifth of a 50-task
# page's render time.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    description: str
    priority: str
    completed: bool
    completed_at: datetime | None
    due_date: date | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int
    # The API's word, against its own idea of "today" (UTC): the UI does not recompute it.
    overdue: bool
    project_id: str = ""
    assignee: str | None = None
    created_by: str | None = None
    # The due instant in the user's zone, for a task due at a time.
    due_local: datetime | None = None
    due_today: bool = False
    recurrence: str = ""
    recurrence_text: str = ""
    recur_from: str = "due"
    parent: str | None = None
    subtask_count: int = 0
    subtask_done_count: int = 0

    @property
    def description_preview(self) -> str:
        """The description cut to fit a list row, ending in an ellipsis when cut."""
        if len(self.description) <= DESCRIPTION_PREVIEW_LENGTH:
            return self.description
        return self.description[: DESCRIPTION_PREVIEW_LENGTH - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"

    @property
    def due_label(self) -> str:
        """The due as people read it, e.g. "3 Dec 2026" or "3 Dec 2026, 09:30" (in the user's zone)."""
        if self.due_local is not None:
            due = self.due_local
            return f"{due.day} {_MONTHS[due.month - 1]} {due.year}, {due:%H:%M}"
        due = self.due_date
        return f"{due.day} {_MONTHS[due.month - 1]} {due.year}" if due else ""

    @property
    def due_iso(self) -> str:
        return (
            self.due_local.isoformat()
            if self.due_local
            else (self.due_date.isoformat() if self.due_date else "")
        )

    @property
    def has_due(self) -> bool:
        return self.due_local is not None or self.due_date is not None

    @classmethod
    def from_api(cls, data: dict, zone: ZoneInfo = UTC) -> "Task":
        due_date = date.fromisoformat(data["due_date"]) if data.get("due_date") else None
        due_at = _datetime(data.get("due_at"))
        return cls(
            id=data["id"],
            title=data["title"],
            description=data.get("description") or "",
            priority=data["priority"],
            completed=bool(data["completed"]),
            completed_at=_datetime(data.get("completed_at")),
            due_date=due_date,
            tags=tuple(data.get("tags") or ()),
            created_at=_datetime(data["created_at"]),
            updated_at=_datetime(data["updated_at"]),
            version=int(data.get("version", 1)),
            overdue=bool(data.get("overdue")),
            project_id=str(data.get("project") or ""),
            assignee=data.get("assignee") or None,
            created_by=data.get("created_by") or None,
            due_local=due_at.astimezone(zone) if due_at else None,
            due_today=bool(data.get("due_today")),
            recurrence=data.get("recurrence") or "",
            recurrence_text=data.get("recurrence_text") or "",
            recur_from=data.get("recur_from") or "due",
            parent=data.get("parent") or None,
            subtask_count=int(data.get("subtask_count") or 0),
            subtask_done_count=int(data.get("subtask_done_count") or 0),
        )


@dataclass(frozen=True)
class Page:
    """One page of a limit/offset listing, numbered from 1 for people."""

    count: int
    offset: int
    limit: int
    shown: int

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.limit))

    @property
    def first(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.offset + self.shown

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.offset + self.shown < self.count

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
