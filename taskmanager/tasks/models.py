"""The task domain's tables. Rules that change data live in services.py."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When

from taskmanager.tasks.recurrence import RECUR_FROM_COMPLETION, RECUR_FROM_DUE, RECURRENCE_MAX_LENGTH

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
TAG_MAX_LENGTH = 32
TAGS_PER_TASK_MAX = 20


class RecurFrom(models.TextChoices):
    DUE = RECUR_FROM_DUE, "From the due date"
    COMPLETION = RECUR_FROM_COMPLETION, "From the completion date"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Sorting by rank (high > medium > low) rather than alphabetically; stored as a
# generated column so the default order can be served from an index.
PRIORITY_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}


class Tag(models.Model):
    """A label within one project: tasks of a project share its tags by name."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX_LENGTH)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="tag_unique_per_project"),
            models.CheckConstraint(
                condition=Q(name__regex=r"^[a-z0-9][a-z0-9_-]*$"), name="tag_name_lowercase_slug"
            ),
        ]

    def __str__(self):
        return self.name


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="tasks")
    # A member of the task's project, or nobody.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tasks",
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    priority_rank = models.GeneratedField(
        expression=Case(
            *(When(priority=value, then=Value(rank)) for value, rank in PRIORITY_RANK.items()),
            default=Value(0),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # All day (a date) or at an instant, never both. The new columns have
    # database defaults so the previous release's pods keep inserting rows.
    due_date = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # An RFC 5545 RRULE ("" when the task does not repeat); see tasks.recurrence.
    recurrence = models.CharField(max_length=RECURRENCE_MAX_LENGTH, blank=True, default="", db_default="")
    recur_from = models.CharField(
        max_length=10, choices=RecurFrom.choices, default=RecurFrom.DUE, db_default=RecurFrom.DUE
    )
    # One level deep: a subtask has no subtasks (the services keep it so).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subtasks"
    )
    # A subtask's place among its siblings (the order a user gave them); lower first.
    position = models.IntegerField(default=0, db_default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tasks")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["completed", "-priority_rank", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="task_priority_valid"),
            models.CheckConstraint(condition=Q(title__regex=r"\S"), name="task_title_not_blank"),
            models.CheckConstraint(
                condition=Q(completed=False, completed_at__isnull=True)
                | Q(completed=True, completed_at__isnull=False),
                name="task_completed_at_matches_completed",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_at__isnull=True), name="task_due_date_or_due_at"
            ),
            models.CheckConstraint(
                condition=Q(recur_from__in=RecurFrom.values), name="task_recur_from_valid"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="task_not_its_own_parent"),
        ]
        indexes = [
            # The default list order, per project.
            models.Index(
                fields=["project", "completed", "-priority_rank", "-created_at"],
                name="task_project_default_order",
            ),
            models.Index(fields=["project", "due_date"], name="task_project_due_date"),
            models.Index(fields=["project", "due_at"], name="task_project_due_at"),
            models.Index(fields=["parent", "completed"], name="task_parent"),
            models.Index(fields=["project", "-created_at"], name="task_project_created"),
            models.Index(fields=["project", "-updated_at"], name="task_project_updated"),
            # Every column the stats aggregate reads: an index-only scan.
            models.Index(
                fields=["project", "completed", "priority", "due_date", "due_at"],
                name="task_project_stats_due",
            ),
            models.Index(fields=["assignee", "completed"], name="task_assignee"),
        ]

    def __str__(self):
        return self.title


class TaskCompletion(models.Model):
    """One completed occurrence of a repeating task, which itself moved on to its next due.

    Keeps the due it had, so an undo can put it back, and the task's version
    right after, so only an undo of the latest change is allowed.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    version_after = models.PositiveIntegerField()

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [models.Index(fields=["task", "-completed_at"], name="task_completion_latest")]

    def __str__(self):
        return f"{self.task_id} completed at {self.completed_at:%Y-%m-%d %H:%M}"
