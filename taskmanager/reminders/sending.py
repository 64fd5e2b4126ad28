"""Sending one reminder, exactly once per firing as far as the database can see.

The reminder row is locked (SELECT ... FOR UPDATE) for the whole send, so
duplicate jobs for one reminder (two workers, a stalled job run again) queue
on the lock, and the one that comes second finds sent_at set and does
nothing. Only when SMTP accepted the message is sent_at written, and only
when the transaction commits is that visible; a worker killed between the two
(a window of one round trip to the database) leaves the reminder unsent, so
the retried job sends it again. That second copy has the same Message-ID,
which lets mail clients that honour it show it once.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from taskmanager.jobs.mail import email_send, message_id, ui_url
from taskmanager.reminders.models import Reminder
from taskmanager.reminders.recipients import task_recipient, user_wants_reminders, user_zone

logger = logging.getLogger(__name__)

SENT = "sent"


def reminder_send(*, reminder_id, fire_at: datetime) -> str:
    """Send the reminder if it still fires at ``fire_at``; returns what happened ("sent" or why not)."""
    # Not write_transaction: starting over after the email went out would send it twice.
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("task__project", "task__assignee", "task__created_by")
            .filter(id=reminder_id)
            .first()
        )
        outcome = _refusal(reminder, fire_at)
        if outcome is None:
            task = reminder.task
            recipient = task_recipient(task)
            email_send(
                to=recipient.email,
                template="reminders/email/reminder",
                context={
                    "task": task,
                    "project_name": task.project.name,
                    "due": _due_text(task, user_zone(recipient)),
                    "task_url": ui_url(f"/tasks/{task.id}/"),
                },
                message_id=message_id("reminder", f"{reminder.id}.{int(fire_at.timestamp())}"),
            )
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
            outcome = SENT
    logger.info("reminder %s for %s: %s", reminder_id, fire_at.isoformat(), outcome)
    return outcome


def _refusal(reminder: Reminder | None, fire_at: datetime) -> str | None:
    if reminder is None:
        return "deleted"
    if reminder.sent_at is not None:
        return "already sent"
    if reminder.fire_at != fire_at:
        return "moved to another time"
    if reminder.task.completed:
        return "task completed"
    recipient = task_recipient(reminder.task)
    if recipient is None or not recipient.email:
        return "no recipient email"
    if not user_wants_reminders(recipient):
        return "recipient turned reminders off"
    return None


def _due_text(task, zone) -> str:
    """The task's due as the recipient reads it: the date, or the local date and time with the zone."""
    due_at = task.due_at
    if due_at is not None:
        local = due_at.astimezone(zone)
        return f"{date_format(local, 'D j M Y, H:i')} ({zone.key})"
    if task.due_date is not None:
        return date_format(task.due_date, "D j M Y")
    return ""
