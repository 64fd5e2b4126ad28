"""Subtasks: one level deep, in the parent's project, moving and going with it."""

import pytest
from django.core.exceptions import ValidationError

from taskmanager.tasks import selectors
from taskmanager.tasks.models import Task
from taskmanager.tasks.services import task_create, task_delete, task_update, tasks_set_completed
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


def fields_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_subtask_goes_into_its_parents_project_and_is_counted(owner):
    project = ProjectFactory(members={owner: "owner"})
    parent = TaskFactory(project=project)
    child = task_create(actor=owner, title="step 1", parent=parent.id)
    task_create(actor=owner, title="step 2", parent=parent.id, completed=True)

    assert child["project_id"] == project.id
    assert child["parent_id"] == parent.id
    row = selectors.task_row(actor=owner, task_id=parent.id)
    assert (row["subtask_count"], row["subtask_done_count"]) == (2, 1)


def test_the_list_shows_top_level_tasks_unless_asked_for_a_parents_subtasks(owner):
    parent = TaskFactory(owner=owner, title="parent")
    TaskFactory(owner=owner, title="child", parent=parent)
    TaskFactory(owner=owner, title="other")

    def titles(filters=None):
        return {row["title"] for row in selectors.task_rows(actor=owner, filters=filters)}

    assert titles() == {"parent", "other"}
    assert titles({"parent": str(parent.id)}) == {"child"}
    assert titles({"parent": "any"}) == {"parent", "child", "other"}
    # The counts cover every task, subtasks included.
    assert selectors.task_stats(actor=owner)["total"] == 3


@pytest.mark.parametrize(
    ("make_parent", "message"),
    [
        ("subtask", "A subtask cannot have subtasks of its own."),
        ("elsewhere", "Parent must be a task you can see, in the same project."),
        ("invisible", "Parent must be a task you can see, in the same project."),
    ],
)
def test_a_parent_must_be_a_visible_top_level_task_of_the_same_project(owner, make_parent, message):
    top = TaskFactory(owner=owner)
    parents = {
        "subtask": lambda: TaskFactory(owner=owner, parent=top),
        "elsewhere": lambda: TaskFactory(project=ProjectFactory(members={owner: "owner"})),
        "invisible": lambda: TaskFactory(),
    }
    parent = parents[make_parent]()
    project = owner.inbox.id if make_parent == "elsewhere" else None

    with pytest.raises(ValidationError) as excinfo:
        task_create(actor=owner, title="x", parent=parent.id, project=project)
    assert fields_of(excinfo) == {"parent": [message]}


def test_a_task_with_subtasks_cannot_become_a_subtask_nor_its_own_parent(owner):
    first, second = TaskFactory(owner=owner), TaskFactory(owner=owner)
    TaskFactory(owner=owner, parent=second)

    with pytest.raises(ValidationError) as excinfo:
        task_update(actor=owner, task_id=second.id, changes={"parent": first.id})
    assert fields_of(excinfo) == {"parent": ["A task with subtasks cannot become a subtask."]}
    with pytest.raises(ValidationError) as excinfo:
        task_update(actor=owner, task_id=first.id, changes={"parent": first.id})
    assert fields_of(excinfo) == {"parent": ["A task cannot be its own parent."]}


def test_moving_a_parent_moves_its_subtasks_with_their_tags(owner):
    member = UserFactory()
    source = ProjectFactory(members={owner: "owner", member: "editor"})
    target = ProjectFactory(members={owner: "owner"})
    parent = TaskFactory(project=source)
    child = TaskFactory(project=source, parent=parent, tags=["step"], assignee=member)

    task_update(actor=owner, task_id=parent.id, changes={"project": target.id})

    child.refresh_from_db()
    assert child.project_id == target.id
    assert list(child.tags.values_list("project_id", "name")) == [(target.id, "step")]
    assert child.assignee_id is None  # not a member of the target
    assert child.version == 2


def test_a_subtask_stays_in_its_parents_project_unless_detached(owner):
    target = ProjectFactory(members={owner: "owner"})
    parent = TaskFactory(owner=owner)
    child = TaskFactory(owner=owner, parent=parent)

    with pytest.raises(ValidationError) as excinfo:
        task_update(actor=owner, task_id=child.id, changes={"project": target.id})
    assert set(fields_of(excinfo)) == {"project"}

    moved = task_update(actor=owner, task_id=child.id, changes={"project": target.id, "parent": None})
    assert (moved["project_id"], moved["parent_id"]) == (target.id, None)


def test_deleting_a_parent_deletes_its_subtasks_and_completing_it_does_not_complete_them(owner):
    parent = TaskFactory(owner=owner)
    child = TaskFactory(owner=owner, parent=parent)

    task_update(actor=owner, task_id=parent.id, changes={"completed": True})
    assert Task.objects.get(id=child.id).completed is False
    tasks_set_completed(Task.objects.filter(id=parent.id), completed=False)

    task_delete(actor=owner, task_id=parent.id)
    assert not Task.objects.filter(id__in=[parent.id, child.id]).exists()
