"""Projects and who may do what in them. The rules of access live in access.py."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2_000
INBOX_NAME = "Inbox"


class Color(models.TextChoices):
    SLATE = "slate", "Slate"
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    INDIGO = "indigo", "Indigo"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"


class Role(models.TextChoices):
    """A member's role; each includes everything the ones below it may do."""

    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    color = models.CharField(max_length=16, choices=Color.choices, default=Color.SLATE)
    archived = models.BooleanField(default=False)
    # Set only on a user's Inbox: one each, gone with its user.
    inbox_of = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="inbox"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="project_name_not_blank"),
            models.CheckConstraint(condition=Q(color__in=Color.values), name="project_color_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="project_version_positive"),
            models.CheckConstraint(
                condition=Q(inbox_of__isnull=True) | Q(archived=False), name="project_inbox_never_archived"
            ),
        ]

    def __str__(self):
        # Every Inbox has the same name; its person tells them apart (in the admin).
        return f"{self.name} of {self.inbox_of}" if self.inbox_of_id else self.name

    @property
    def is_inbox(self) -> bool:
        return self.inbox_of_id is not None


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=6, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="membership_one_per_user_and_project"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["project", "role"], name="membership_project_role")]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.role})"
