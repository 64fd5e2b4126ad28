"""Writes to the task domain. Every rule about what a valid change is lives here
(who may make it: projects.access).

Each write runs in one transaction and changes rows with database-side
expressions (``F("version") + 1``) under a row lock, so many identical API pods
never lose an update by reading, modifying and writing back across requests.

Every write takes its locks in one order, shared with the project services:
the memberships it relies on (FOR SHARE, by project id), then task rows
ordered by id, then tags ordered by id, then the links between them. Two
writes then never wait on each other in a cycle (which PostgreSQL breaks by
aborting one with "deadlock detected"), and a delete never removes a task
whose new links another transaction is about to commit.

Each write returns what the API sends: the task's row as ``selectors.task_row``
reads it, inside the same transaction, so it shows this write and no later one.
"""

import functools
from collections.abc import Collection, Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import F, QuerySet
from django.utils import timezone

from taskmanager.domain import cleaning
from taskmanager.domain.compiled import INT, UUID, UUID_LIST, CompiledQuery
from taskmanager.domain.compiled_writes import CompiledCreate, CompiledWrite, Param, saved_columns
from taskmanager.domain.errors import VersionConflict
from taskmanager.domain.transactions import RetryableConflict, update_lock_clause, write_transaction
from taskmanager.projects.access import (
    actor_user,
    editable_project_ids_locked,
    is_member_actor,
    is_member_locked,
    member_user_id,
    task_write_access,
    visible_project_ids,
)
from taskmanager.projects.services import inbox_id
from taskmanager.reminders.services import reminders_reschedule
from taskmanager.tasks import occurrences, subtasks, tag_links
from taskmanager.tasks.fields import TOO_MANY_TAGS, clean_project, task_fields_clean
from taskmanager.tasks.models import Priority, RecurFrom, Tag, Task
from taskmanager.tasks.selectors import task_row

__all__ = ["TOO_MANY_TAGS", "task_fields_clean"]  # the API's serializers check with these

EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "priority",
        "completed",
        "due_date",
        "due_at",
        "recurrence",
        "recur_from",
        "parent",
        "position",
        "tags",
        "project",
        "assignee",
    }
)
# What PUT (a full replacement) sets a field it leaves out to.
REPLACEMENT_DEFAULTS = {
    "description": "",
    "priority": Priority.MEDIUM,
    "completed": False,
    "due_date": None,
    "due_at": None,
    "recurrence": "",
    "recur_from": RecurFrom.DUE,
    "parent": None,
    "position": 0,
    "tags": [],
    "assignee": None,
}
DUE_FIELDS = ("due_date", "due_at")
REMINDER_INPUTS = frozenset({*DUE_FIELDS, "assignee_id"})


class BulkAction:
    COMPLETE = "complete"
    REOPEN = "reopen"
    DELETE = "delete"
    ALL = (COMPLETE, REOPEN, DELETE)


@write_transaction
def task_create(
    *,
    actor,
    title: str,
    project=None,
    description: str = "",
    priority: str = Priority.MEDIUM,
    completed: bool = False,
    due_date: date | None = None,
    due_at: datetime | None = None,
    recurrence: str = "",
    recur_from: str = RecurFrom.DUE,
    parent=None,
    position: int | None = None,
    tags: Iterable[str] = (),
    assignee: str | None = None,
) -> dict:
    """A new task by the actor in ``project``: the actor's Inbox when None, the parent's for a subtask."""
    fields = task_fields_clean(
        {
            "title": title,
            "description": description,
            "priority": priority,
            "completed": completed,
            "due_date": due_date,
            "due_at": due_at,
            "recurrence": recurrence,
            "recur_from": recur_from,
            "parent": parent,
            **({} if position is None else {"position": position}),
            "tags": tags,
            "assignee": assignee,
            **({} if project is None else {"project": project}),
        }
    )
    parent_id = fields.pop("parent")
    project_id = fields.pop("project", None)
    if parent_id is not None:
        project_id = subtasks.project_of_parent(actor, parent_id, project_id)
    project_id = project_id or inbox_id(actor_user(actor))
    task_write_access(actor, project_id)
    if parent_id is not None:
        subtasks.parent_locked(parent_id, project_id)
        if "position" not in fields:
            fields["position"] = subtasks.next_position(parent_id)
    username = fields.pop("assignee")
    tag_names = fields.pop("tags")
    task = Task(project_id=project_id, parent_id=parent_id, created_by=actor_user(actor), **fields)
    task.assignee_id = member_user_id(project_id, username) if username else None
    task.completed_at = timezone.now() if task.completed else None
    _TASK_INSERT.insert(task)
    if tag_names:
        tag_links.task_tags_set(task.id, project_id, tag_names, new=True)
    return task_row(actor=actor, task_id=task.id)


@write_transaction
def task_update(*, actor, task_id, changes: dict, expected_versions: Collection[int] | None = None) -> dict:
    """Apply a partial change; a full replacement passes every editable field.

    ``expected_versions``: when given, the change applies only if the task's
    current version is one of them; otherwise VersionConflict. Moving the task
    to another project needs the editor role in both, takes its tag names
    (and its subtasks) along and unassigns an assignee who is not a member
    there. Setting one kind of due clears the other. Completing a repeating
    task moves it to its next occurrence instead (tasks.occurrences).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    fields = task_fields_clean(changes)
    for kind, other in (DUE_FIELDS, DUE_FIELDS[::-1]):
        if fields.get(kind) is not None and other not in fields:
            fields[other] = None
    seen = _task_seen(actor, task_id)
    parent_given = "parent" in fields
    parent_id = fields.pop("parent", seen["parent_id"])
    target = fields.pop("project", None)
    if parent_id is not None:
        if not parent_given and target not in (None, seen["project_id"]):
            raise ValidationError({"project": [subtasks.STAYS_WITH_PARENT]})
        target = subtasks.project_of_parent(actor, parent_id, target)
    target = target or seen["project_id"]
    for project_id in sorted({seen["project_id"], target}, key=str):
        task_write_access(actor, project_id)
    if "assignee" in fields:
        username = fields.pop("assignee")
        fields["assignee_id"] = member_user_id(target, username) if username else None
    elif (
        target != seen["project_id"]
        and seen["assignee_id"] is not None
        and not is_member_locked(target, seen["assignee_id"])
    ):
        fields["assignee_id"] = None
    tag_names = fields.pop("tags", None)
    task = _task_locked(task_id, seen)
    _check_version(task, expected_versions)
    moved = target != task.project_id
    reparented = parent_id != task.parent_id
    if not fields and tag_names is None and not moved and not reparented:
        # Nothing to change: keep the version, so other readers' ETags stay valid.
        return task_row(actor=actor, task_id=task.id)
    if reparented and parent_id is not None:
        subtasks.parent_locked(parent_id, target, child_id=task.id)
        subtasks.check_may_become_subtask(task)
    completing = fields.get("completed") is True and not task.completed
    # What a reminder's instant or recipient depends on.
    reschedule = moved or bool(REMINDER_INPUTS & set(fields))
    for name, value in fields.items():
        setattr(task, name, value)
    if "completed" in fields:
        task.completed_at = completed_at_for(task.completed, task.completed_at)
    if completing and task.recurrence:
        reschedule |= occurrences.occurrence_complete(task, actor=actor, now=timezone.now())
    if moved:
        if tag_names is None:
            tag_names = list(task.tags.values_list("name", flat=True))
        subtasks.subtasks_move(subtasks.subtasks_locked(task), project_id=target)
    task.project_id = target
    task.parent_id = parent_id
    _task_save(task)
    if tag_names is not None:
        tag_links.task_tags_set(task.id, target, tag_names)
    if reschedule:
        reminders_reschedule([task.id])
    return task_row(actor=actor, task_id=task.id)


@write_transaction
def task_completion_undo(*, actor, task_id, expected_versions: Collection[int] | None = None) -> dict:
    """Take back the completion of a repeating task's occurrence, if nothing changed the task since."""
    seen = _task_seen(actor, task_id)
    task_write_access(actor, seen["project_id"])
    task = _task_locked(task_id, seen)
    _check_version(task, expected_versions)
    occurrences.occurrence_undo(task)
    _task_save(task)
    reminders_reschedule([task.id])
    return task_row(actor=actor, task_id=task.id)


def _task_seen(actor, task_id) -> dict:
    """Where the task is as the actor sees it before any lock; raises Task.DoesNotExist."""
    if is_member_actor(actor):
        rows = _SEEN.rows("one", user_id=actor.pk, task_id=task_id)
    else:
        rows = list(_seen(actor, task_id))
    if not rows:
        raise Task.DoesNotExist
    return rows[0]


def _seen(actor, task_id):
    return Task.objects.filter(id=task_id, project_id__in=visible_project_ids(actor)).values(
        "project_id", "assignee_id", "parent_id"
    )


_SEEN = CompiledQuery(lambda _context, user_id, task_id: _seen(user_id, task_id), user_id=INT, task_id=UUID)


def _task_locked(task_id, seen: dict) -> Task:
    """The task's row, locked; started over if it moved or changed hands since ``seen``."""
    rows = _TASK_ROW.rows("one", lock=_TASK_LOCK, task_id=task_id)
    if not rows:
        raise Task.DoesNotExist
    task = _task_from_row(rows[0])
    if (task.project_id, task.assignee_id, task.parent_id) != (
        seen["project_id"],
        seen["assignee_id"],
        seen["parent_id"],
    ):
        raise RetryableConflict("the task moved or was reassigned while being changed")
    return task


def completed_at_for(completed: bool, current: datetime | None) -> datetime | None:
    """When a task with this completion state was completed: kept if already set, now if newly done."""
    if not completed:
        return None
    return current or timezone.now()


@write_transaction
def task_delete(*, actor, task_id, expected_versions: Collection[int] | None = None) -> None:
    seen = _task_seen(actor, task_id)
    task_write_access(actor, seen["project_id"])
    task = _task_locked(task_id, seen)
    _check_version(task, expected_versions)
    task.delete()


@write_transaction
def task_bulk_apply(*, actor, ids: Iterable, action: str) -> int:
    """Apply one action to those of ``ids`` the actor may change; returns how many changed.

    Ids of tasks the actor cannot see, cannot change or that do not exist are
    ignored: saying which exist would leak other people's data.
    """
    action = cleaning.fields_clean({"action": action}, {"action": _ACTION_CLEANER})["action"]
    project_ids, ids = editable_project_ids_locked(actor), list(ids)
    if action == BulkAction.DELETE:
        return tasks_delete(Task.objects.filter(project_id__in=project_ids, id__in=ids))
    completed = action == BulkAction.COMPLETE
    locked, repeating = [], []
    if project_ids and ids:
        rows = _AMONG.rows(not completed, not completed, lock=_TASK_LOCK, project_ids=project_ids, ids=ids)
        locked = [row["id"] for row in rows]
        repeating = [row["id"] for row in rows if row["recurrence"]]
    return _tasks_completed_set(locked, completed=completed, actor=actor, repeating=repeating)


_ACTION_CLEANER = functools.partial(cleaning.choice, label="Action", choices=BulkAction.ALL)


@write_transaction
def tasks_set_completed(tasks: QuerySet[Task], *, completed: bool, actor=None) -> int:
    """Complete or reopen every task in ``tasks``; returns how many changed.

    One UPDATE, but for repeating tasks being completed: each moves to its
    next occurrence on ``actor``'s clock (tasks.occurrences).
    """
    return _tasks_completed_set(
        _tasks_lock(tasks.filter(completed=not completed)), completed=completed, actor=actor
    )


def _tasks_completed_set(locked: list, *, completed: bool, actor, repeating: list | None = None) -> int:
    """tasks_set_completed on the ids of tasks already locked (and still in the other state).

    ``repeating``: those of them that repeat, when the lock read it; None: look them up.
    """
    if not locked:
        return 0
    now = timezone.now()
    moved_on = 0
    # Which of them repeat: read with the lock, or else picked out of them all here.
    candidates = locked if repeating is None else repeating
    if completed and candidates:
        for row in _REPEATING.rows("all", ids=candidates):
            task = _task_from_row(row)
            if occurrences.occurrence_complete(task, actor=actor, now=now):
                _task_save(task)
                reminders_reschedule([task.id])
                locked.remove(task.id)
                moved_on += 1
    if not locked:
        return moved_on
    columns = {"completed": completed, "completed_at": now if completed else None, "updated_at": now}
    return moved_on + _TASKS_UPDATE.update(columns, ids=locked)


@write_transaction
def tasks_delete(tasks: QuerySet[Task]) -> int:
    """Delete every task in ``tasks`` with its tag links; returns how many were deleted."""
    locked = _tasks_lock(tasks)
    if not locked:
        return 0
    _deleted, per_model = Task.objects.filter(id__in=locked).delete()
    return per_model.get(Task._meta.label, 0)


@write_transaction
def task_clear_completed(*, actor, project=None) -> int:
    """Delete the completed tasks the actor may change (only in ``project``, when given)."""
    if project is None:
        project_ids = editable_project_ids_locked(actor)
    else:
        project_ids = [task_write_access(actor, clean_project(project)).project_id]
    return tasks_delete(Task.objects.filter(project_id__in=project_ids, completed=True))


@write_transaction
def tasks_unassign(*, project_id, user_id) -> int:
    """Unassign the user from the project's tasks (they left it); each gets a new version."""
    locked = _tasks_lock(Task.objects.filter(project_id=project_id, assignee_id=user_id))
    changed = Task.objects.filter(id__in=locked).update(
        assignee=None, version=F("version") + 1, updated_at=timezone.now()
    )
    reminders_reschedule(locked)  # they go to each task's creator now
    return changed


@write_transaction
def tags_delete(tags: QuerySet[Tag]) -> int:
    """Delete ``tags``, taking them off their tasks, which get a new version; returns how many.

    The tasks are locked before the tags, as on every other write path. A task
    tagged with one of them in between (its writer held the tag until it
    committed) makes the whole delete start over with that task included.
    """
    tag_ids = list(Tag.objects.filter(id__in=tags.values("id")).values_list("id", flat=True))
    links = Task.tags.through.objects.filter(tag_id__in=tag_ids)
    task_ids = set(_tasks_lock(Task.objects.filter(id__in=links.values("task_id"))))
    locked_tags = Tag.objects.filter(id__in=tag_ids).order_by("id").select_for_update()
    tag_ids = list(locked_tags.values_list("id", flat=True))
    if not set(links.values_list("task_id", flat=True)) <= task_ids:
        raise RetryableConflict("a task was tagged while its tags were being deleted")
    Task.objects.filter(id__in=task_ids).update(version=F("version") + 1, updated_at=timezone.now())
    _deleted, per_model = Tag.objects.filter(id__in=tag_ids).delete()
    return per_model.get(Tag._meta.label, 0)


def _tasks_lock(tasks: QuerySet[Task]) -> list:
    """Lock the rows of ``tasks`` in id order; returns the ids of those that still match.

    A row changed by a transaction this one waited for is checked against the
    filter again, so a task reopened meanwhile is no longer "completed".
    ``of`` keeps rows of tables joined only to filter (such as users) unlocked.
    """
    rows = tasks.order_by("id").select_for_update(of=("self",))
    return list(rows.values_list("id", flat=True))


_TASK_COLUMNS = [field.attname for field in Task._meta.concrete_fields]
_TASK_ROW = CompiledQuery(
    lambda _context, task_id: Task.objects.filter(id=task_id).values(*_TASK_COLUMNS), task_id=UUID
)
_TASK_LOCK = update_lock_clause(Task._meta.db_table)
_AMONG = CompiledQuery(
    lambda currently_completed, project_ids, ids: (
        Task.objects.filter(project_id__in_array=project_ids, id__in_array=ids, completed=currently_completed)
        .order_by("id")
        .values("id", "recurrence")
    ),
    project_ids=UUID_LIST,
    ids=UUID_LIST,
)
_REPEATING = CompiledQuery(
    lambda _context, ids: (
        Task.objects.filter(id__in_array=ids).exclude(recurrence="").order_by("id").values(*_TASK_COLUMNS)
    ),
    ids=UUID_LIST,
)
_TASK_INSERT = CompiledCreate(Task)
_TASKS_UPDATE = CompiledWrite(
    lambda: Task.objects.filter(id__in_array=Param("ids", Task._meta.pk, many=True)), version=F("version") + 1
)
_TASK_UPDATE = CompiledWrite(
    lambda: Task.objects.filter(id=Param("id", Task._meta.pk)), version=F("version") + 1
)


def _task_from_row(row: dict) -> Task:
    return Task.from_db(router.db_for_write(Task), _TASK_COLUMNS, list(row.values()))


def _task_save(task: Task) -> None:
    """Write the locked task's columns as ``save()`` would, with a new version."""
    _TASK_UPDATE.update(saved_columns(task, leave_out=("version",)), id=task.id)
    task.version = F("version") + 1  # read back by task_row, as after save()


def _check_version(task: Task, expected_versions: Collection[int] | None) -> None:
    if expected_versions is not None and task.version not in expected_versions:
        raise VersionConflict(task.id, task.version, "task")
