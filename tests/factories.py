"""Test data for the API role's domain.

Factories write rows directly (not through the services) so tests can set up
any state, including states the services would never produce on their own
timeline, such as a task due last week.
"""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

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


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("owner", "name")

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A task; pass ``tags=["home", "work"]`` to attach the owner's tags by name."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    description = ""
    priority = Priority.MEDIUM
    completed = False
    completed_at = factory.LazyAttribute(lambda task: timezone.now() if task.completed else None)
    due_date = None

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if create and names:
            self.tags.set([TagFactory(owner=self.owner, name=name) for name in names])
