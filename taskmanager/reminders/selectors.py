"""Every read of reminders."""

from taskmanager.projects.access import visible_project_ids
from taskmanager.reminders.models import Reminder
from taskmanager.tasks.models import Task

FIELDS = ("id", "task_id", "remind_at", "before_minutes", "fire_at", "sent_at", "created_at")


def reminder_list(*, actor, task_id) -> list[dict]:
    """The reminders of a task the actor can see (any member), oldest first; 404 otherwise."""
    if not Task.objects.filter(id=task_id, project_id__in=visible_project_ids(actor)).exists():
        raise Task.DoesNotExist
    return list(Reminder.objects.filter(task_id=task_id).order_by("created_at", "id").values(*FIELDS))


def reminder_row(reminder: Reminder) -> dict:
    return {name: getattr(reminder, name) for name in FIELDS}
