"""Writes to the task domain. Every rule about what a valid change is lives here.

Each write runs in one transaction and changes rows with database-side
expressions (``F("version") + 1``) under a row lock, so many identical API pods
never lose an update by reading, modifying and writing back across requests.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
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
)
from taskmanager.tasks.selectors import task_get_for_update

EDITABLE_FIELDS = frozenset({"title", "description", "priority", "completed", "due_date", "tags"})


class PreconditionFailed(Exception):
    """The client's If-Match names a version that is no longer current."""

    def __init__(self, current_etag: str):
        super().__init__("The task has changed since it was read.")
        self.current_etag = current_etag


class BulkAction:
    COMPLETE = "complete"
    REOPEN = "reopen"
    DELETE = "delete"
    ALL = (COMPLETE, REOPEN, DELETE)


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
    fields = _clean(
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
    with transaction.atomic():
        task = Task(owner=owner, **fields)
        task.completed_at = timezone.now() if task.completed else None
        task.save()
        if tag_names:
            task.tags.set(_tags_for(owner, tag_names))
    return task


def task_update(*, owner, task_id, changes: dict, expected_etag: str | None = None) -> Task:
    """Apply a partial change; a full replacement passes every editable field."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    fields = _clean(changes)
    tag_names = fields.pop("tags", None)
    with transaction.atomic():
        task = task_get_for_update(owner=owner, task_id=task_id)
        _check_precondition(task, expected_etag)
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
            task.tags.set(_tags_for(owner, tag_names))
        task.refresh_from_db(fields=["version", "updated_at", "priority_rank"])
    return task


def completed_at_for(completed: bool, current: datetime | None) -> datetime | None:
    """When a task with this completion state was completed: kept if already set, now if newly done."""
    if not completed:
        return None
    return current or timezone.now()


def task_delete(*, owner, task_id, expected_etag: str | None = None) -> None:
    with transaction.atomic():
        task = task_get_for_update(owner=owner, task_id=task_id)
        _check_precondition(task, expected_etag)
        task.delete()


def task_bulk_apply(*, owner, ids: Iterable, action: str) -> int:
    """Apply one action to the owner's tasks among ``ids``; returns how many changed.

    Ids of other users' tasks or of no task are ignored: they are simply not
    the caller's, and revealing which exist would leak other users' data.
    """
    if action not in BulkAction.ALL:
        raise ValidationError({"action": f"Must be one of: {', '.join(BulkAction.ALL)}."})
    tasks = Task.objects.filter(owner=owner, id__in=list(ids))
    with transaction.atomic():
        if action == BulkAction.DELETE:
            _deleted, per_model = tasks.delete()
            return per_model.get(Task._meta.label, 0)
        return tasks_set_completed(tasks, completed=action == BulkAction.COMPLETE)


def tasks_set_completed(tasks: QuerySet[Task], *, completed: bool) -> int:
    """Complete or reopen every task in ``tasks`` in one UPDATE; returns how many changed."""
    now = timezone.now()
    return tasks.filter(completed=not completed).update(
        completed=completed,
        completed_at=now if completed else None,
        version=F("version") + 1,
        updated_at=now,
    )


def task_clear_completed(*, owner) -> int:
    _deleted, per_model = Task.objects.filter(owner=owner, completed=True).delete()
    return per_model.get(Task._meta.label, 0)


def _check_precondition(task: Task, expected_etag: str | None) -> None:
    if expected_etag is None or expected_etag.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/") for tag in expected_etag.split(",")}
    if task.etag not in offered:
        raise PreconditionFailed(task.etag)


def _clean(fields: dict) -> dict:
    """Normalise and validate the given fields; raises ValidationError naming each bad one."""
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


def _tags_for(owner, names: list[str]) -> list[Tag]:
    # ignore_conflicts makes concurrent creation of the same tag safe.
    Tag.objects.bulk_create([Tag(owner=owner, name=name) for name in names], ignore_conflicts=True)
    return list(Tag.objects.filter(owner=owner, name__in=names))
