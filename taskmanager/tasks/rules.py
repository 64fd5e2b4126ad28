"""Facts about a task that more than one read needs, stated once."""

from datetime import date

from django.db.models import Q
from django.utils import timezone


def today_utc() -> date:
    return timezone.now().date()


def overdue_condition(today: date) -> Q:
    """Open and due before today: the one meaning of "overdue" in lists, filters and counts."""
    return Q(completed=False, due_date__lt=today)


def is_overdue(*, completed: bool, due_date: date | None, today: date) -> bool:
    return not completed and due_date is not None and due_date < today
