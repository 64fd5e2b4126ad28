"""Writes to the task domain. Every rule about what a valid change is lives here.

Each write runs in one transaction and changes rows with database-side
expressions (``F("version") + 1``) under a row lock, so many identical API pods
never lose an update by reading, modifying and writing back across requests.

Every write takes its locks in the same order: the task rows first, ordered by
id, then the tags, ordered by id, then the links between them. Two writes
then never wait on each other in a cycle (which PostgreSQL breaks by aborting
one with "deadlock detected"), and a delete never removes a task whose new
links another transaction is about to commit.
"""

from collections.abc import Collection, Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from taskmanager.tasks.models import (
    DESCRIPTION_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_TASK_MAX,
    TITLE_MAX_LENGTH,
    Priority,
    Tag,
    Task,
    task_etag,
)
from taskmanager.tasks.selectors import task_get_for_update
from taskmanager.tasks.transactions import RetryableConflict, write_transaction

EDITABLE_FIELDS = frozenset({"title", "description", "priority", "completed", "due_date", "tags"})


class PreconditionFailed(Exception):
    """The caller expected a version of the task that is no longer the current one."""

    def __init__(self, task_id, current_version: int):
        super().__init__("The task has changed since it was read.")
        self.task_id = task_id
        self.current_version = current_version

    @property
    def current_etag(self) -> str:
        return task_etag(self.task_id, self.current_version)


class BulkAction:
    COMPLETE = "complete"
    REOPEN = "reopen"
    DELETE = "delete"
    ALL = (COMPLETE, REOPEN, DELETE)


@write_transaction
def task_create(
    *,
    owner,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    completed: bool = False,
    due_date: date | None = None,
    tags: Iterable[str] = (),
) -> Task:
    fields = task_fields_clean(
        {
            "title": title,
            "description": description,
            "priority": priority,
            "completed": completed,
            "due_date": due_date,
            "tags": tags,
        }
    )
    tag_names = fields.pop("tags")
    task = Task(owner=owner, **fields)
    task.completed_at = timezone.now() if task.completed else None
    task.save()
    if tag_names:
        task.tags.set(_tags_locked_for_linking(owner, tag_names))
    return task


@write_transaction
def task_update(*, owner, task_id, changes: dict, expected_versions: Collection[int] | None = None) -> Task:
    """Apply a partial change; a full replacement passes every editable field.

    ``expected_versions``: when given, the change applies only if the task's
    current version is one of them; otherwise PreconditionFailed.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    fields = task_fields_clean(changes)
    tag_names = fields.pop("tags", None)
    task = task_get_for_update(owner=owner, task_id=task_id)
    _check_version(task, expected_versions)
    if not fields and tag_names is None:
        # Nothing to change: keep the version, so other readers' ETags stay valid.
        return task
    if "completed" in fields:
        fields["completed_at"] = completed_at_for(fields["completed"], task.completed_at)
    for name, value in fields.items():
        setattr(task, name, value)
    task.version = F("version") + 1
    task.save()
    if tag_names is not None:
        task.tags.set(_tags_locked_for_linking(owner, tag_names))
    task.refresh_from_db(fields=["version", "updated_at", "priority_rank"])
    return task


def completed_at_for(completed: bool, current: datetime | None) -> datetime | None:
    """When a task with this completion state was completed: kept if already set, now if newly done."""
    if not completed:
        return None
    return current or timezone.now()


@write_transaction
def task_delete(*, owner, task_id, expected_versions: Collection[int] | None = None) -> None:
    task = task_get_for_update(owner=owner, task_id=task_id)
    _check_version(task, expected_versions)
    task.delete()


@write_transaction
def task_bulk_apply(*, owner, ids: Iterable, action: str) -> int:
    """Apply one action to the owner's tasks among ``ids``; returns how many changed.

    Ids of other users' tasks or of no task are ignored: they are simply not
    the caller's, and revealing which exist would leak other users' data.
    """
    if action not in BulkAction.ALL:
        raise ValidationError({"action": f"Must be one of: {', '.join(BulkAction.ALL)}."})
    tasks = Task.objects.filter(owner=owner, id__in=list(ids))
    if action == BulkAction.DELETE:
        return tasks_delete(tasks)
    return tasks_set_completed(tasks, completed=action == BulkAction.COMPLETE)


@write_transaction
def tasks_set_completed(tasks: QuerySet[Task], *, completed: bool) -> int:
    """Complete or reopen every task in ``tasks`` in one UPDATE; returns how many changed."""
    now = timezone.now()
    locked = _tasks_lock(tasks.filter(completed=not completed))
    return Task.objects.filter(id__in=locked).update(
        completed=completed,
        completed_at=now if completed else None,
        version=F("version") + 1,
        updated_at=now,
    )


@write_transaction
def tasks_delete(tasks: QuerySet[Task]) -> int:
    """Delete every task in ``tasks`` with its tag links; returns how many were deleted."""
    locked = _tasks_lock(tasks)
    if not locked:
        return 0
    _deleted, per_model = Task.objects.filter(id__in=locked).delete()
    return per_model.get(Task._meta.label, 0)


def task_clear_completed(*, owner) -> int:
    return tasks_delete(Task.objects.filter(owner=owner, completed=True))


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


def _check_version(task: Task, expected_versions: Collection[int] | None) -> None:
    if expected_versions is not None and task.version not in expected_versions:
        raise PreconditionFailed(task.id, task.version)


def task_fields_clean(fields: dict) -> dict:
    """Normalise and validate the given task fields; raises ValidationError naming each bad one."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        try:
            cleaned[name] = _CLEANERS[name](value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_title(value) -> str:
    """The title rule: 1 to TITLE_MAX_LENGTH characters after trimming."""
    if value is not None and not isinstance(value, str):
        raise ValidationError("Title must be text.")
    title = (value or "").strip()
    if not title:
        raise ValidationError("Title must not be empty.")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(f"Title must be at most {TITLE_MAX_LENGTH} characters.")
    return title


def _clean_description(value) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError("Description must be text.")
    description = value or ""
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(f"Description must be at most {DESCRIPTION_MAX_LENGTH} characters.")
    return description


def _clean_priority(value) -> str:
    if value not in Priority.values:
        raise ValidationError(f"Priority must be one of: {', '.join(Priority.values)}.")
    return value


def _clean_completed(value) -> bool:
    # bool("false") is True, so only real booleans are accepted.
    if not isinstance(value, bool):
        raise ValidationError("Completed must be true or false.")
    return value


def _clean_due_date(value) -> date | None:
    # A datetime is a date too, but would silently drop its time and zone.
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise ValidationError("Due date must be a date (YYYY-MM-DD) or null.")
    return value


def _clean_tags(values) -> list[str]:
    if isinstance(values, str | bytes):
        # Iterating a string would make one tag per character.
        raise ValidationError("Tags must be a list of names.")
    names = []
    for raw in values or ():
        name = str(raw).strip().lower()
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH or not _is_slug(name):
            raise ValidationError(
                f"Tag {raw!r} is invalid: use up to {TAG_MAX_LENGTH} letters, digits, '-' or '_', "
                "starting with a letter or digit."
            )
        if name not in names:
            names.append(name)
    if len(names) > TAGS_PER_TASK_MAX:
        raise ValidationError(f"A task can have at most {TAGS_PER_TASK_MAX} tags.")
    return names


def _is_slug(name: str) -> bool:
    return (name[0].isascii() and name[0].isalnum()) and all(
        (c.isascii() and c.isalnum()) or c in "-_" for c in name
    )


_CLEANERS = {
    "title": clean_title,
    "description": _clean_description,
    "priority": _clean_priority,
    "completed": _clean_completed,
    "due_date": _clean_due_date,
    "tags": _clean_tags,
}


def _tags_locked_for_linking(owner, names: list[str]) -> list[int]:
    """The ids of the owner's tags called ``names``, created if new, held until commit.

    Sorted names make concurrent writers insert shared new tags in one order
    (each waits on the other's uncommitted insert of the same name). The KEY
    SHARE lock lets any number of writers link a tag at once, but makes a
    delete of it wait until the links are committed, so it takes them away too.
    """
    if not names:
        return []
    names = sorted(names)
    # ignore_conflicts makes concurrent creation of the same tag safe.
    Tag.objects.bulk_create([Tag(owner=owner, name=name) for name in names], ignore_conflicts=True)
    query = Tag.objects.filter(owner=owner, name__in=names).order_by("id").values_list("id", flat=True)
    if connection.vendor == "postgresql":
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} FOR KEY SHARE", params)
            ids = [row[0] for row in cursor.fetchall()]
    else:
        ids = list(query)
    if len(ids) != len(names):
        raise RetryableConflict("a tag was deleted while a task was being tagged with it")
    return ids
