"""Reminders made through the services, for the tests of reminders, jobs and the worker."""

from datetime import timedelta

from django.utils import timezone

from taskmanager.reminders.services import reminder_create
from tests.factories import TaskFactory, UserFactory


def reminder_due_in(seconds: float, *, username: str = "alice", **task_fields) -> dict:
    """A reminder on a new task in ``username``'s Inbox that fires ``seconds`` from now."""
    user = UserFactory(username=username)
    task = TaskFactory(owner=user, **task_fields)
    return reminder_create(actor=user, task_id=task.id, remind_at=timezone.now() + timedelta(seconds=seconds))
