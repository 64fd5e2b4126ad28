"""Repeating tasks: validating a task's repeat rule and computing its next due.

Pure: no database and no Django models, so the task services (and anything else) can call it
inside or outside a transaction. The rule is an RFC 5545 RRULE (see ``recurrence_rule``); the
task's current due is its DTSTART, so the rule itself never carries one.

Everything is computed on the wall clock of the user's time zone: a task due at 09:00 stays at
09:00 local when daylight saving time begins or ends, and its UTC instant moves instead.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from taskmanager.tasks.recurrence_rule import RECURRENCE_MAX_LENGTH, Rule, first_after, parse_rule
from taskmanager.tasks.recurrence_text import describe

RECUR_FROM_DUE = "due"
RECUR_FROM_COMPLETION = "completion"
RECUR_FROM_CHOICES = (
    (RECUR_FROM_DUE, "From the due date"),
    (RECUR_FROM_COMPLETION, "From the completion date"),
)

__all__ = [
    "RECURRENCE_MAX_LENGTH",
    "RECUR_FROM_CHOICES",
    "RECUR_FROM_COMPLETION",
    "RECUR_FROM_DUE",
    "next_occurrence",
    "recurrence_clean",
    "recurrence_text",
]


def recurrence_clean(value: str | None) -> str:
    """The rule in canonical form ("" for no repeat), or ValidationError with one message.

    Canonical: upper case, no "RRULE:" prefix, parts in a fixed order, INTERVAL=1 left out and
    list values sorted, so two spellings of one rule store the same text.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return str(parse_rule(value))


def next_occurrence(
    rule: str,
    *,
    due_date: date | None,
    due_at: datetime | None,
    recur_from: str,
    completed_at: datetime,
    time_zone: ZoneInfo,
    completions_before: int,
) -> tuple[date | None, datetime | None] | None:
    """The next ``(due_date, due_at)`` of a repeating task being completed now, or None when the
    series has ended (or ``rule`` is "").

    The result has the kind of the current due: all-day stays all-day and a timed task stays
    timed (returned as an aware UTC datetime). A task without any due repeats from the day it
    was completed, all-day. ``completions_before`` counts the occurrences completed before this
    one, so under COUNT=3 the third completion ends the series. Raises ValidationError for a
    rule ``recurrence_clean`` would refuse.
    """
    if due_date is not None and due_at is not None:
        raise ValueError("A task has either due_date or due_at, never both.")
    if completed_at.tzinfo is None or (due_at is not None and due_at.tzinfo is None):
        raise ValueError("completed_at and due_at must be aware datetimes.")
    if recur_from not in (RECUR_FROM_DUE, RECUR_FROM_COMPLETION):
        raise ValueError(f"recur_from must be {RECUR_FROM_DUE!r} or {RECUR_FROM_COMPLETION!r}.")
    if not rule:
        return None
    parsed = parse_rule(rule)
    if parsed.count is not None and completions_before + 1 >= parsed.count:
        return None

    completion_day = completed_at.astimezone(time_zone).date()
    local_due = due_at.astimezone(time_zone).replace(tzinfo=None) if due_at is not None else None
    if local_due is not None:
        # A timed task keeps its local time of day, also when it repeats from its completion.
        anchor = (
            local_due if recur_from == RECUR_FROM_DUE else datetime.combine(completion_day, local_due.time())
        )
    elif due_date is not None and recur_from == RECUR_FROM_DUE:
        anchor = datetime.combine(due_date, time())
    else:
        anchor = datetime.combine(completion_day, time())

    # Repeating from the due follows the schedule even when the task was completed late: a daily
    # task done five days late gets the day after its old due, which may still lie in the past,
    # as Todoist does for "every". Whoever wants the next date counted from the day it was done
    # asks for that with recur_from="completion" (Todoist's "every!").
    following = first_after(parsed, anchor)
    if following is None:
        return None
    if local_due is None:
        if _after_until(parsed, following.date(), time_zone):
            return None
        return following.date(), None
    instant = _localise(following, time_zone)
    if _after_until(parsed, following.date(), time_zone, instant=instant):
        return None
    return None, instant


def recurrence_text(rule: str, recur_from: str = RECUR_FROM_DUE) -> str:
    """The rule in English words, like "Every 2 weeks on Mon and Thu" ("" for no repeat)."""
    if not rule:
        return ""
    return describe(parse_rule(rule), after_completion=recur_from == RECUR_FROM_COMPLETION)


def _localise(wall_time: datetime, time_zone: ZoneInfo) -> datetime:
    # fold=0 (the default) reads an ambiguous wall time (autumn, clocks go back) as its first
    # instant, and a wall time inside a spring-forward gap with the offset from before the gap,
    # which lands it later by the gap's length: 02:30 on the night Berlin skips 02:00-03:00 is
    # 03:30 summer time. The wall time that was asked for no longer exists; that is the nearest.
    return wall_time.replace(tzinfo=time_zone).astimezone(UTC)


def _after_until(rule: Rule, day: date, time_zone: ZoneInfo, *, instant: datetime | None = None) -> bool:
    until = rule.until
    if until is None:
        return False
    if not isinstance(until, datetime):
        return day > until  # a date UNTIL includes that whole local day
    if instant is not None:
        return instant > until
    # An all-day task has no instant; it runs through the local day on which UNTIL falls.
    return day > until.astimezone(time_zone).date()
