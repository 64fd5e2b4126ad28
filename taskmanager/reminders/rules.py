"""When a reminder fires: pure functions of a task's due, the reminder and the recipient's zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# An all-day due (a date without a time) counts from this hour in the recipient's zone.
ALL_DAY_DUE_TIME = time(9, 0)


def due_instant(*, due_date: date | None, due_at: datetime | None, zone: ZoneInfo) -> datetime | None:
    """The instant a task is due: its due_at, or 09:00 of its due_date where the recipient lives."""
    if due_at is not None:
        return due_at
    if due_date is not None:
        return datetime.combine(due_date, ALL_DAY_DUE_TIME, tzinfo=zone)
    return None


def fire_at_for(*, remind_at: datetime | None, before_minutes: int | None, due: datetime | None):
    """The reminder's instant: remind_at itself, or before_minutes before ``due`` (None without one)."""
    if remind_at is not None:
        return remind_at
    if due is None or before_minutes is None:
        return None
    return due - timedelta(minutes=before_minutes)
