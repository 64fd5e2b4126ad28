"""Reads from the task domain."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from taskmanager.tasks.models import Priority, Tag, Task


def task_list(*, owner) -> QuerySet[Task]:
    """The owner's tasks in the default order, with tags fetched in one extra query."""
    return Task.objects.filter(owner=owner).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name"))
    )


# What a task row carries on the list's read path (everything the API shows but tags).
TASK_ROW_FIELDS = (
    "id",
    "title",
    "description",
    "priority",
    "completed",
    "completed_at",
    "due_date",
    "created_at",
    "updated_at",
    "version",
)


def task_rows(*, owner) -> QuerySet:
    """The owner's tasks as plain dicts in the default order, for listing.

    Lists build no model instances: filter, order and slice this, then give
    the page to ``with_tag_names``. Per-instance model and prefetch machinery
    was most of a 100-task page's cost.
    """
    return Task.objects.filter(owner=owner).values(*TASK_ROW_FIELDS)


def with_tag_names(rows) -> list[dict]:
    """Add each row's tag names, sorted, with one query for the whole page."""
    rows = list(rows)
    names_by_task = defaultdict(list)
    if rows:
        links = Task.tags.through.objects.filter(task_id__in=[row["id"] for row in rows])
        for task_id, name in links.values_list("task_id", "tag__name"):
            names_by_task[task_id].append(name)
    for row in rows:
        row["tags"] = sorted(names_by_task.get(row["id"], ()))
    return rows


def task_row(*, owner, task_id) -> dict:
    """One task as a row with its sorted tag names, in one query; raises Task.DoesNotExist.

    The LEFT JOIN to the tags yields one row per tag (one with no name when
    there are none), so the detail costs one round trip instead of two.
    """
    joined = list(
        Task.objects.filter(owner=owner, id=task_id)
        .order_by()
        .values(*TASK_ROW_FIELDS, tag_name=F("tags__name"))
    )
    if not joined:
        raise Task.DoesNotExist
    row = {name: joined[0][name] for name in TASK_ROW_FIELDS}
    row["tags"] = sorted(item["tag_name"] for item in joined if item["tag_name"] is not None)
    return row


def task_get(*, owner, task_id) -> Task:
    return task_list(owner=owner).get(id=task_id)


def task_get_for_update(*, owner, task_id) -> Task:
    return Task.objects.select_for_update().get(owner=owner, id=task_id)


def task_stats(*, owner) -> dict:
    today = today_utc()
    # One query grouped by (completed, priority), at most six rows, summed here:
    # two aggregates build far less ORM machinery per request than six
    # filtered ones. Counting the never-null owner column rather than id keeps
    # every column read inside the task_owner_stats index (index-only scan).
    groups = (
        Task.objects.filter(owner=owner)
        .order_by()
        .values("completed", "priority")
        .annotate(n=Count("owner"), n_overdue=Count("owner", filter=Q(completed=False, due_date__lt=today)))
    )
    total = completed = overdue = 0
    by_priority = dict.fromkeys(reversed(Priority.values), 0)
    for group in groups:
        total += group["n"]
        overdue += group["n_overdue"]
        completed += group["n"] if group["completed"] else 0
        by_priority[group["priority"]] += group["n"]
    return {
        "total": total,
        "completed": completed,
        "open": total - completed,
        "overdue": overdue,
        "by_priority": by_priority,
    }


def tag_list(*, owner) -> QuerySet[Tag]:
    # One small count per tag from the link table's tag_id index, instead of a
    # join and GROUP BY over every link: about 5x faster at 10,000 tasks, and
    # it reads only this owner's links.
    uses = (
        Task.tags.through.objects.filter(tag_id=OuterRef("pk"))
        .order_by()
        .values("tag_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Tag.objects.filter(owner=owner).annotate(task_count=Coalesce(Subquery(uses), 0)).order_by("name")


def today_utc() -> date:
    return timezone.now().date()
