"""Reads from the task domain."""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from taskmanager.tasks.models import Priority, Tag, Task


def task_list(*, owner) -> QuerySet[Task]:
    """The owner's tasks in the default order, with tags fetched in one extra query."""
    return (
        Task.objects.filter(owner=owner)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
    )


def task_get(*, owner, task_id) -> Task:
    return task_list(owner=owner).get(id=task_id)


def task_get_for_update(*, owner, task_id) -> Task:
    return Task.objects.select_for_update().get(owner=owner, id=task_id)


def task_stats(*, owner) -> dict:
    today = today_utc()
    # One query; aliases are prefixed so they cannot collide with field names.
    totals = Task.objects.filter(owner=owner).aggregate(
        n_total=Count("id"),
        n_completed=Count("id", filter=Q(completed=True)),
        n_overdue=Count("id", filter=Q(completed=False, due_date__lt=today)),
        **{f"n_{value}": Count("id", filter=Q(priority=value)) for value in Priority.values},
    )
    return {
        "total": totals["n_total"],
        "completed": totals["n_completed"],
        "open": totals["n_total"] - totals["n_completed"],
        "overdue": totals["n_overdue"],
        "by_priority": {value: totals[f"n_{value}"] for value in reversed(Priority.values)},
    }


def tag_list(*, owner) -> QuerySet[Tag]:
    return Tag.objects.filter(owner=owner).annotate(task_count=Count("tasks")).order_by("name")


def today_utc() -> date:
    return timezone.now().date()
