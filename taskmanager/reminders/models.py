"""A reminder: one email to the task's recipient, at a fixed instant or some minutes before the due."""

import uuid

from django.db import models
from django.db.models import Q

# Bounds of the domain (services.py says them to clients).
BEFORE_MINUTES_MAX = 4 * 7 * 24 * 60  # four weeks
REMINDERS_PER_TASK_MAX = 10


class Reminder(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="reminders")
    # Exactly one of the two: an absolute instant, or minutes before the task's due.
    remind_at = models.DateTimeField(null=True, blank=True)
    before_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The instant it fires, computed by services.reminders_reschedule (None: a
    # before-due reminder of a task without a due).
    fire_at = models.DateTimeField(null=True, blank=True)
    # Set by the job in the transaction that sends; a before-due reminder is
    # cleared again when the task's due moves to a new occurrence.
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remind_at__isnull=False, before_minutes__isnull=True)
                | Q(remind_at__isnull=True, before_minutes__isnull=False),
                name="reminder_remind_at_or_before_minutes",
            ),
            models.CheckConstraint(
                condition=Q(before_minutes__lte=BEFORE_MINUTES_MAX), name="reminder_before_minutes_bounded"
            ),
        ]
        indexes = [models.Index(fields=["task", "created_at"], name="reminder_task_created")]

    def __str__(self):
        when = self.remind_at.isoformat() if self.remind_at else f"{self.before_minutes} min before due"
        return f"reminder {when} for {self.task_id}"
