"""An account's projects as the account comes and goes, whichever way it does."""

import pytest
from django.contrib.auth import get_user_model

from taskmanager.projects.models import Membership, Project, Role
from taskmanager.tasks.models import Task
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_new_account_has_one_inbox_it_owns():
    user = get_user_model().objects.create_user(username="newcomer", password="x")
    inbox = Project.objects.get(inbox_of=user)
    assert list(inbox.memberships.values_list("user__username", "role")) == [("newcomer", Role.OWNER)]


def test_deleting_the_last_owner_hands_the_project_to_its_longest_standing_editor():
    owner, viewer, first_editor, second_editor = (UserFactory() for _ in range(4))
    project = ProjectFactory(members={owner: Role.OWNER, viewer: Role.VIEWER})
    Membership.objects.create(project=project, user=first_editor, role=Role.EDITOR)
    Membership.objects.create(project=project, user=second_editor, role=Role.EDITOR)
    task = TaskFactory(project=project, created_by=owner)

    owner.delete()

    roles = dict(project.memberships.values_list("user_id", "role"))
    assert roles == {viewer.id: Role.VIEWER, first_editor.id: Role.OWNER, second_editor.id: Role.EDITOR}
    task.refresh_from_db()
    assert (task.created_by, task.version) == (None, 2)


def test_without_editors_a_viewer_becomes_owner():
    owner, viewer = UserFactory(), UserFactory()
    project = ProjectFactory(members={owner: Role.OWNER, viewer: Role.VIEWER})

    owner.delete()

    assert project.memberships.get().role == Role.OWNER


def test_a_project_nobody_else_is_in_goes_with_its_tasks():
    owner = UserFactory()
    project = ProjectFactory(members={owner: Role.OWNER})
    TaskFactory(project=project)

    owner.delete()

    assert not Project.objects.filter(id=project.id).exists()
    assert not Task.objects.filter(project_id=project.id).exists()


def test_a_project_with_another_owner_keeps_its_roles():
    owner, other_owner, editor = UserFactory(), UserFactory(), UserFactory()
    project = ProjectFactory(members={owner: Role.OWNER, other_owner: Role.OWNER, editor: Role.EDITOR})

    owner.delete()

    assert dict(project.memberships.values_list("user_id", "role")) == {
        other_owner.id: Role.OWNER,
        editor.id: Role.EDITOR,
    }
