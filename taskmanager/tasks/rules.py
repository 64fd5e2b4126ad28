"""Facts about a task that more than one read needs, stated once: when it is
overdue and when it is due today, judged on the caller's clock.

A task is due either on a date (all day) or at an instant. "Today" is the
caller's local date, so the same task can be due today for a user in Tokyo
and tomorrow for one in New York; an instant is the same for everyone.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from taskmanager.accounts.preferences import user_time_zone
from taskmanager.projects.access import actor_user


@dataclass(frozen=True)
class Clock:
    """The moment of a request, the caller's time zone and their local date then."""

    now: datetime
    zone: ZoneInfo
    today: date = field(default=None)

    def __post_init__(self):
        if self.today is None:
            object.__setattr__(self, "today", self.now.astimezone(self.zone).date())

    def at(self, now: datetime) -> "Clock":
        """The same day in the same zone at another instant (a compiled query's marker for "now")."""
        return replace(self, now=now)

    def day_start(self, day: date) -> datetime:
        """The instant ``day`` begins in this zone (DST-aware; a day can be 23 or 25 hours)."""
        return datetime.combine(day, time(), tzinfo=self.zone)


def clock_for(actor) -> Clock:
    return Clock(now=timezone.now(), zone=user_time_zone(actor_user(actor)))


def overdue_condition(clock: Clock) -> Q:
    """Open and past due: before today (all day) or before now (at an instant)."""
    return Q(completed=False) & (Q(due_date__lt=clock.today) | Q(due_at__lt=clock.now))


def due_today_condition(clock: Clock) -> Q:
    return Q(due_date=clock.today) | Q(due_at__gte=clock.day_start(clock.today), due_at__lt=_tomorrow(clock))


def due_before_condition(clock: Clock, day: date) -> Q:
    """Due earlier than ``day`` (a local date)."""
    return Q(due_date__lt=day) | Q(due_at__lt=clock.day_start(day))


def due_after_condition(clock: Clock, day: date) -> Q:
    """Due later than ``day`` (a local date)."""
    return Q(due_date__gt=day) | Q(due_at__gte=clock.day_start(day + timedelta(days=1)))


def is_overdue(row: dict, clock: Clock) -> bool:
    if row["completed"]:
        return False
    if row["due_at"] is not None:
        return row["due_at"] < clock.now
    return row["due_date"] is not None and row["due_date"] < clock.today


def is_due_today(row: dict, clock: Clock) -> bool:
    if row["due_at"] is not None:
        return row["due_at"].astimezone(clock.zone).date() == clock.today
    return row["due_date"] == clock.today


def _tomorrow(clock: Clock) -> datetime:
    return clock.day_start(clock.today + timedelta(days=1))
