"""Test data for the API role's domain.

Factories write rows directly (not through the services) so tests can set up
any state, including states the services would never produce on their own
timeline, such as a task due last week.
"""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from taskmanager.projects.models import Membership, Project
from taskmanager.tasks.models import Priority, Tag, Task

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A shared project; pass ``members={user: "owner", other: "viewer"}`` to add members."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Project {n}")

    @factory.post_generation
    def members(self, create, roles, **kwargs):
        if create and roles:
            for user, role in roles.items():
                Membership.objects.create(project=self, user=user, role=role)


class TagFactory(factory.django.DjangoModelFactory):
    """A tag of ``project``, or of ``owner``'s Inbox."""

    class Meta:
        model = Tag
        django_get_or_create = ("project", "name")

    class Params:
        owner = None

    project = factory.LazyAttribute(lambda tag: (tag.owner or UserFactory()).inbox)
    name = factory.Sequence(lambda n: f"tag{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A task in ``project``, or in ``owner``'s Inbox (made by them); pass
    ``tags=["home", "work"]`` to attach the project's tags by name."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    class Params:
        owner = None

    project = factory.LazyAttribute(lambda task: (task.owner or UserFactory()).inbox)
    created_by = factory.LazyAttribute(lambda task: task.owner or task.project.inbox_of)
    title = factory.Sequence(lambda n: f"Task {n}")
    description = ""
    priority = Priority.MEDIUM
    completed = False
    completed_at = factory.LazyAttribute(lambda task: timezone.now() if task.completed else None)
    due_date = None

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if create and names:
            self.tags.set([TagFactory(project=self.project, name=name) for name in names])
