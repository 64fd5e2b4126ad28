"""Who a task's reminders go to, and that person's zone and wishes (accounts.Preferences).

Read through ``getattr`` so a user without a preferences row behaves as the
contract's defaults: time zone never chosen (UTC) and reminders wanted.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")


def task_recipient(task):
    """The assignee, else the creator (None when neither exists any more)."""
    return task.assignee or task.created_by


def user_zone(user) -> ZoneInfo:
    name = getattr(getattr(user, "preferences", None), "time_zone", "") if user is not None else ""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def user_wants_reminders(user) -> bool:
    return bool(getattr(getattr(user, "preferences", None), "email_reminders", True))
