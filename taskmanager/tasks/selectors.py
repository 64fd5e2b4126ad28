"""Reads from the task domain: every one takes the acting user and shows only
tasks in projects they are a member of (see projects.access)."""

from collections import defaultdict

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from taskmanager.projects.access import visible_project_id_list, visible_project_ids
from taskmanager.tasks.filters import PARENT_ANY, PARENT_NONE, tasks_filter
from taskmanager.tasks.models import Priority, Task, TaskCompletion
from taskmanager.tasks.recurrence import recurrence_text
from taskmanager.tasks.rules import Clock, clock_for, is_due_today, is_overdue, overdue_condition

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
    "due_at",
    "recurrence",
    "recur_from",
    "parent_id",
    "position",
    "created_at",
    "updated_at",
    "version",
)


def _subtasks_counted(condition: Q | None = None):
    # A correlated count per row, read from the task_parent index.
    subtasks = Task.objects.filter(condition or Q(), parent=OuterRef("pk")).order_by().values("parent")
    return Coalesce(Subquery(subtasks.annotate(n=Count("*")).values("n")), 0)


TASK_ROW_JOINED = {
    "assignee_username": F("assignee__username"),
    "created_by_username": F("created_by__username"),
    "subtask_count": _subtasks_counted(),
    "subtask_done_count": _subtasks_counted(Q(completed=True)),
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
    of a 100-task page's cost. Lists top-level tasks unless ``parent`` says
    otherwise. Raises ValidationError for a bad filter.
    """
    rows = tasks_visible_for_listing(actor).values(*TASK_ROW_FIELDS, **TASK_ROW_JOINED)
    if filters is None or "parent" not in filters:
        # A copy: a request's QueryDict is immutable (and a dict of lists underneath).
        filters = filters.copy() if filters is not None else {}
        filters["parent"] = PARENT_NONE
    elif filters.get("parent") not in (PARENT_NONE, PARENT_ANY) and not filters.get("ordering"):
        # One task's subtasks come in the order their user gave them.
        rows = rows.order_by("position", "created_at", "id")
    return tasks_filter(rows, filters, actor=actor)


def with_tag_names(rows, *, actor) -> list[dict]:
    """Add each row's sorted tag names (one query for the whole page) and the facts derived from it."""
    rows = list(rows)
    names_by_task = defaultdict(list)
    if rows:
        links = Task.tags.through.objects.filter(task_id__in=[row["id"] for row in rows])
        for task_id, name in links.values_list("task_id", "tag__name"):
            names_by_task[task_id].append(name)
    clock = clock_for(actor)
    for row in rows:
        row["tags"] = sorted(names_by_task.get(row["id"], ()))
        with_derived_facts(row, clock)
    return rows


def with_derived_facts(row: dict, clock: Clock) -> dict:
    """What a row says about itself on the caller's clock, and its rule in words."""
    row["overdue"] = is_overdue(row, clock)
    row["due_today"] = is_due_today(row, clock)
    row["recurrence_text"] = (
        recurrence_text(row["recurrence"], row["recur_from"]) if row["recurrence"] else ""
    )
    return row


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
    return with_derived_facts(row, clock_for(actor))


def task_stats(*, actor, filters=None) -> dict:
    """Counts over the tasks the actor can see (narrowed by the list's ``filters``)."""
    clock = clock_for(actor)
    # One query grouped by (completed, priority), at most six rows, summed here:
    # two aggregates build far less ORM machinery per request than six
    # filtered ones. Counting the never-null project column rather than id
    # keeps every column read inside the task_project_stats index.
    tasks = tasks_filter(tasks_visible(actor), filters, actor=actor, ordering=False)
    groups = (
        tasks.order_by()
        .values("completed", "priority")
        .annotate(n=Count("project"), n_overdue=Count("project", filter=overdue_condition(clock)))
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
        # Earlier occurrences of repeating tasks, each completed before the task moved on.
        "completed_occurrences": TaskCompletion.objects.filter(task__in=tasks.values("id")).count(),
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
