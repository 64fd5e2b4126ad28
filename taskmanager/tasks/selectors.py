"""Reads from the task domain: every one takes the acting user and shows only
tasks in projects they are a member of (see projects.access)."""

from collections import defaultdict

from django.db.models import Count, F, QuerySet

from taskmanager.projects.access import visible_project_id_list, visible_project_ids
from taskmanager.tasks.filters import tasks_filter
from taskmanager.tasks.models import Priority, Task
from taskmanager.tasks.rules import is_overdue, overdue_condition, today_utc

# What a task row carries (everything the API shows but its tags and the
# derived "overdue"); the usernames come from joins, not per-row queries.
TASK_ROW_FIELDS = (
    "id",
    "project_id",
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
TASK_ROW_JOINED = {
    "assignee_username": F("assignee__username"),
    "created_by_username": F("created_by__username"),
}


def tasks_visible(actor) -> QuerySet[Task]:
    return Task.objects.filter(project_id__in=visible_project_ids(actor))


def tasks_visible_for_listing(actor) -> QuerySet[Task]:
    """``tasks_visible`` with the project ids read first, so an ordered page walks an index."""
    project_ids = visible_project_id_list(actor)
    return Task.objects.all() if project_ids is None else Task.objects.filter(project_id__in=project_ids)


def task_rows(*, actor, filters=None) -> QuerySet:
    """The tasks the actor can see, narrowed and ordered by the query ``filters``, as dicts.

    Lists build no model instances: slice this, then give the page to
    ``with_tag_names``. Per-instance model and prefetch machinery was most
    of a 100-task page's cost. Raises ValidationError for a bad filter.
    """
    rows = tasks_visible_for_listing(actor).values(*TASK_ROW_FIELDS, **TASK_ROW_JOINED)
    return tasks_filter(rows, filters, actor=actor)


def with_tag_names(rows) -> list[dict]:
    """Add each row's sorted tag names (one query for the whole page) and whether it is overdue."""
    rows = list(rows)
    names_by_task = defaultdict(list)
    if rows:
        links = Task.tags.through.objects.filter(task_id__in=[row["id"] for row in rows])
        for task_id, name in links.values_list("task_id", "tag__name"):
            names_by_task[task_id].append(name)
    today = today_utc()
    for row in rows:
        row["tags"] = sorted(names_by_task.get(row["id"], ()))
        row["overdue"] = is_overdue(completed=row["completed"], due_date=row["due_date"], today=today)
    return rows


def task_row(*, actor, task_id) -> dict:
    """One task the actor can see, as ``task_rows`` gives it, in one query; raises Task.DoesNotExist.

    The LEFT JOIN to the tags yields one row per tag (one with no name when
    there are none), so the detail costs one round trip instead of two.
    """
    fields = (*TASK_ROW_FIELDS, *TASK_ROW_JOINED)
    joined = list(
        tasks_visible(actor)
        .filter(id=task_id)
        .order_by()
        .values(*TASK_ROW_FIELDS, **TASK_ROW_JOINED, tag_name=F("tags__name"))
    )
    if not joined:
        raise Task.DoesNotExist
    row = {name: joined[0][name] for name in fields}
    row["tags"] = sorted(item["tag_name"] for item in joined if item["tag_name"] is not None)
    row["overdue"] = is_overdue(completed=row["completed"], due_date=row["due_date"], today=today_utc())
    return row


def task_stats(*, actor, filters=None) -> dict:
    """Counts over the tasks the actor can see (narrowed by the list's ``filters``)."""
    today = today_utc()
    # One query grouped by (completed, priority), at most six rows, summed here:
    # two aggregates build far less ORM machinery per request than six
    # filtered ones. Counting the never-null project column rather than id
    # keeps every column read inside the task_project_stats index.
    groups = (
        tasks_filter(tasks_visible(actor), filters, actor=actor, ordering=False)
        .order_by()
        .values("completed", "priority")
        .annotate(n=Count("project"), n_overdue=Count("project", filter=overdue_condition(today)))
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


def tag_list(*, actor, filters=None) -> list[dict]:
    """The names of the tags on tasks the actor can see, each with how many of those tasks carry it.

    A name used in several projects is one entry: filtering by it matches in all of them.
    """
    tasks = tasks_filter(tasks_visible(actor), filters, actor=actor, ordering=False)
    return list(
        Task.tags.through.objects.filter(task_id__in=tasks.values("id"))
        .values(name=F("tag__name"))
        .annotate(task_count=Count("*"))
        .order_by("name")
    )
