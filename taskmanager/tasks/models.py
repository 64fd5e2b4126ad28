"""The task domain's tables. Rules that change data live in services.py."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
TAG_MAX_LENGTH = 32
TAGS_PER_TASK_MAX = 20


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Sorting by rank (high > medium > low) rather than alphabetically; stored as a
# generated column so the default order can be served from an index.
PRIORITY_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}


class Tag(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX_LENGTH)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_per_owner"),
            models.CheckConstraint(
                condition=Q(name__regex=r"^[a-z0-9][a-z0-9_-]*$"), name="tag_name_lowercase_slug"
            ),
        ]

    def __str__(self):
        return self.name


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
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
    due_date = models.DateField(null=True, blank=True)
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
        ]
        indexes = [
            # The default list order, per owner.
            models.Index(
                fields=["owner", "completed", "-priority_rank", "-created_at"],
                name="task_owner_default_order",
            ),
            models.Index(fields=["owner", "due_date"], name="task_owner_due_date"),
            models.Index(fields=["owner", "-created_at"], name="task_owner_created"),
            models.Index(fields=["owner", "-updated_at"], name="task_owner_updated"),
            # Every column the stats aggregate reads: an index-only scan.
            models.Index(fields=["owner", "completed", "priority", "due_date"], name="task_owner_stats"),
        ]

    def __str__(self):
        return self.title

    @property
    def etag(self) -> str:
        return task_etag(self.id, self.version)


def task_etag(task_id, version) -> str:
    """The strong ETag of one version of a task (also for rows read without a model)."""
    return f'"{task_id.hex}-{version}"'


def task_version_from_etag(task_id, etag: str) -> int | None:
    """The version a ``task_etag`` of this task names, or None for any other tag."""
    prefix = f'"{task_id.hex}-'
    digits = etag.removeprefix(prefix).removesuffix('"')
    if not (etag.startswith(prefix) and etag.endswith('"')) or not _is_version_number(digits):
        return None
    return int(digits)


def _is_version_number(digits: str) -> bool:
    # Bounded by the column's range, and short enough that int() never refuses it.
    return 0 < len(digits) <= 10 and digits.isascii() and digits.isdigit()
