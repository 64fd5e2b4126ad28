"""What a valid value of each task field is, with the one message for each refusal.

The services clean every change through ``task_fields_clean``; the API's
serializer runs it too (as its ``domain_rules``), so a body with several bad
fields gets one answer naming them all, in these words.
"""

import functools
import uuid
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError

from taskmanager.domain import cleaning
from taskmanager.tasks.models import (
    DESCRIPTION_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_TASK_MAX,
    TITLE_MAX_LENGTH,
    Priority,
    RecurFrom,
)
from taskmanager.tasks.recurrence import recurrence_clean

BOTH_DUES = "Give a due date (all day) or a due time (due_at), not both."


def task_fields_clean(fields: dict) -> dict:
    """Normalise and validate the given task fields; raises ValidationError naming each bad one."""
    cleaned = cleaning.fields_clean(fields, _CLEANERS)
    if cleaned.get("due_date") is not None and cleaned.get("due_at") is not None:
        raise ValidationError({"due_date": [BOTH_DUES], "due_at": [BOTH_DUES]})
    return cleaned


clean_title = functools.partial(cleaning.required_text, label="Title", max_length=TITLE_MAX_LENGTH)


def _clean_due_date(value) -> date | None:
    # A datetime is a date too, but would silently drop its time and zone.
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise ValidationError("Due date must be a date (YYYY-MM-DD) or null.")
    return value


def _clean_due_at(value) -> datetime | None:
    # An instant needs its offset: a bare local time would be read in the
    # server's zone, which is nobody's.
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError("Due time must be an ISO 8601 date and time with an offset, or null.")
    return value.astimezone(UTC)


def _uuid_cleaner(message: str):
    def clean(value) -> uuid.UUID:
        if isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise ValidationError(message) from None

    return clean


clean_project = _uuid_cleaner("Project must be the id of a project.")
_clean_parent_id = _uuid_cleaner("Parent must be the id of a task, or null.")


def _clean_position(value) -> int:
    # bool is an int in Python; true is not a position.
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not -POSITION_BOUND <= value <= POSITION_BOUND
    ):
        raise ValidationError(f"Position must be a whole number from -{POSITION_BOUND} to {POSITION_BOUND}.")
    return value


POSITION_BOUND = 1_000_000


def _clean_parent(value) -> uuid.UUID | None:
    return None if value is None else _clean_parent_id(value)


def _clean_assignee(value) -> str | None:
    """A username, or None for nobody; whether they are a member is checked with the project."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("Assignee must be a username or null.")
    return value.strip() or None


def _clean_tags(values) -> list[str]:
    if isinstance(values, str | bytes):
        # Iterating a string would make one tag per character.
        raise ValidationError("Tags must be a list of names.")
    names = []
    for raw in values or ():
        if not isinstance(raw, str):
            raise ValidationError("Tags must be a list of names.")
        name = raw.strip().lower()
        # Blank is not a tag: one rule and one message for every way of saying it.
        if not name or len(name) > TAG_MAX_LENGTH or not _is_slug(name):
            raise ValidationError(
                f"Tag {raw!r} is invalid: use up to {TAG_MAX_LENGTH} letters, digits, '-' or '_', "
                "starting with a letter or digit."
            )
        if name not in names:
            names.append(name)
    if len(names) > TAGS_PER_TASK_MAX:
        raise ValidationError(TOO_MANY_TAGS)
    return names


# Also the API's answer to a longer list, which it refuses before reading the items.
TOO_MANY_TAGS = f"A task can have at most {TAGS_PER_TASK_MAX} tags."


def _is_slug(name: str) -> bool:
    return (name[0].isascii() and name[0].isalnum()) and all(
        (c.isascii() and c.isalnum()) or c in "-_" for c in name
    )


_CLEANERS = {
    "title": clean_title,
    "description": functools.partial(
        cleaning.optional_text, label="Description", max_length=DESCRIPTION_MAX_LENGTH
    ),
    "priority": functools.partial(cleaning.choice, label="Priority", choices=Priority.values),
    "completed": functools.partial(cleaning.boolean, label="Completed"),
    "due_date": _clean_due_date,
    "due_at": _clean_due_at,
    "recurrence": recurrence_clean,
    "recur_from": functools.partial(cleaning.choice, label="Repeat from", choices=RecurFrom.values),
    "parent": _clean_parent,
    "position": _clean_position,
    "tags": _clean_tags,
    "project": clean_project,
    "assignee": _clean_assignee,
}
