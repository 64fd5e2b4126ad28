"""Every write of reminders, each in one transaction (domain/transactions.py).

Each change that moves a reminder's fire_at defers the job `reminders.send`
(jobs.py) in the same transaction, with the new fire_at in its arguments: a
write that rolls back leaves no job, and the job of an older fire_at finds
the reminder moved on and does nothing. Lock order, after the caller's: the
project and membership (share), the task row, then its reminders by id.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from taskmanager.domain.cleaning import fields_clean
from taskmanager.domain.transactions import write_transaction
from taskmanager.projects.access import task_write_access, visible_project_ids
from taskmanager.reminders.jobs import send_reminder
from taskmanager.reminders.models import BEFORE_MINUTES_MAX, REMINDERS_PER_TASK_MAX, Reminder
from taskmanager.reminders.recipients import task_recipient, user_zone
from taskmanager.reminders.rules import due_instant, fire_at_for
from taskmanager.reminders.selectors import reminder_row
from taskmanager.tasks.models import Task

ONE_OF = "Give either remind_at or before_minutes."
NOT_BOTH = "Give remind_at or before_minutes, not both."
NO_DUE = "The task has no due date or time to count back from."
PAST = "The reminder must be in the future."
TOO_MANY = f"A task has at most {REMINDERS_PER_TASK_MAX} reminders."


def _before_minutes_clean(value) -> int:
    # bool is an int to Python; the API's serializer already refuses it, other callers may not.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Minutes must be a whole number.")
    if not 0 <= value <= BEFORE_MINUTES_MAX:
        raise ValidationError(f"Minutes must be between 0 and {BEFORE_MINUTES_MAX} (four weeks).")
    return value


def _remind_at_clean(value) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationError("Give a date and time with its UTC offset.")
    if value <= timezone.now():
        raise ValidationError(PAST)
    return value


def reminder_fields_clean(fields: dict) -> dict:
    """The rules on a new reminder's fields; raises one ValidationError naming each bad one."""
    remind_at, before_minutes = fields.get("remind_at"), fields.get("before_minutes")
    if remind_at is None and before_minutes is None:
        raise ValidationError({"remind_at": [ONE_OF], "before_minutes": [ONE_OF]})
    if remind_at is not None and before_minutes is not None:
        raise ValidationError({"remind_at": [NOT_BOTH], "before_minutes": [NOT_BOTH]})
    return reminder_values_clean(fields)


def reminder_values_clean(fields: dict) -> dict:
    """The rule on each value given, alone (the API's serializer runs it on the well-formed fields)."""
    cleaners = {"remind_at": _remind_at_clean, "before_minutes": _before_minutes_clean}
    given = {name: value for name, value in fields.items() if value is not None}
    return {**fields, **fields_clean(given, cleaners)}


@write_transaction
def reminder_create(*, actor, task_id, remind_at: datetime | None = None, before_minutes: int | None = None):
    """A new reminder on a task the actor may change (the editor role, as for editing the task)."""
    task = _task_for_write(actor, task_id)
    fields = reminder_fields_clean({"remind_at": remind_at, "before_minutes": before_minutes})
    if fields["before_minutes"] is not None and task.due_date is None and task.due_at is None:
        raise ValidationError({"before_minutes": [NO_DUE]})
    if task.reminders.count() >= REMINDERS_PER_TASK_MAX:
        raise ValidationError({"task": [TOO_MANY]})
    reminder = Reminder(task=task, **fields)
    reminder.fire_at = _fire_at(reminder, task)
    reminder.save()
    _send_defer(reminder)
    return reminder_row(reminder)


@write_transaction
def reminder_delete(*, actor, reminder_id) -> None:
    task_id = (
        Reminder.objects.filter(id=reminder_id, task__project_id__in=visible_project_ids(actor))
        .values_list("task_id", flat=True)
        .first()
    )
    if task_id is None:
        raise Reminder.DoesNotExist
    task = _task_for_write(actor, task_id)
    deleted, _ = task.reminders.filter(id=reminder_id).delete()
    if not deleted:
        raise Reminder.DoesNotExist


@write_transaction
def reminders_reschedule(task_ids: Iterable) -> int:
    """Recompute fire_at of the tasks' reminders after their due, assignee, project or completion changed.

    The task services call it inside their own transaction, holding the task
    rows. A before-due reminder already sent is armed again when the due moved
    (a repeating task's next occurrence, a postponed task). Every reminder whose
    fire_at changed gets a job for its new instant. Returns how many changed.
    """
    tasks = {
        task.id: task
        for task in Task.objects.filter(id__in=list(task_ids)).select_related("assignee", "created_by")
    }
    if not tasks:
        return 0
    changed = 0
    reminders = Reminder.objects.select_for_update(of=("self",)).filter(task_id__in=tasks).order_by("id")
    for reminder in reminders:
        task = tasks[reminder.task_id]
        fire_at = _fire_at(reminder, task)
        if fire_at == reminder.fire_at:
            continue
        if reminder.before_minutes is not None and reminder.sent_at is not None and fire_at is not None:
            reminder.sent_at = None
        reminder.fire_at = fire_at
        reminder.save(update_fields=["fire_at", "sent_at"])
        _send_defer(reminder)
        changed += 1
    return changed


def _task_for_write(actor, task_id) -> Task:
    """The task, locked, when the actor may change it; 404 when they cannot see it, 403/409 as for edits."""
    project_id = (
        Task.objects.filter(id=task_id, project_id__in=visible_project_ids(actor))
        .values_list("project_id", flat=True)
        .first()
    )
    if project_id is None:
        raise Task.DoesNotExist
    task_write_access(actor, project_id)
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("assignee", "created_by")
        .filter(id=task_id, project_id=project_id)
        .first()
    )
    if task is None:  # moved or deleted since it was seen
        raise Task.DoesNotExist
    return task


def _fire_at(reminder: Reminder, task: Task):
    due = due_instant(due_date=task.due_date, due_at=task.due_at, zone=user_zone(task_recipient(task)))
    return fire_at_for(remind_at=reminder.remind_at, before_minutes=reminder.before_minutes, due=due)


def _send_defer(reminder: Reminder) -> None:
    if reminder.fire_at is None:
        return
    send_reminder.configure(schedule_at=reminder.fire_at).defer(
        reminder_id=str(reminder.id), fire_at=reminder.fire_at.isoformat()
    )
