"""The rules of subtasks: one level deep, in the parent's project, moving with it.

A subtask's ``parent`` is a top-level task of the same project. Moving a
parent to another project takes its subtasks along (with their tag names,
unassigning whoever is not a member there); deleting it deletes them (the
foreign key cascades). Completing a parent leaves its subtasks as they are.
"""

from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.utils import timezone

from taskmanager.domain.transactions import RetryableConflict, rows_locked_for_share
from taskmanager.projects.access import is_member_locked, visible_project_ids
from taskmanager.tasks import tag_links
from taskmanager.tasks.models import Task

SUBTASKS_PER_TASK_MAX = 200

NOT_A_PARENT = "Parent must be a task you can see, in the same project."
ONE_LEVEL = "A subtask cannot have subtasks of its own."
HAS_SUBTASKS = "A task with subtasks cannot become a subtask."
OWN_PARENT = "A task cannot be its own parent."
STAYS_WITH_PARENT = "A subtask stays in its parent's project: move the parent, or detach it (parent: null)."
TOO_MANY = f"A task can have at most {SUBTASKS_PER_TASK_MAX} subtasks."


def project_of_parent(actor, parent_id, project_id=None):
    """The project a subtask of ``parent_id`` belongs to (checked against ``project_id`` when given)."""
    found = (
        Task.objects.filter(id=parent_id, project_id__in=visible_project_ids(actor))
        .values_list("project_id", flat=True)
        .first()
    )
    if found is None or (project_id is not None and project_id != found):
        raise ValidationError({"parent": [NOT_A_PARENT]})
    return found


def parent_locked(parent_id, project_id, *, child_id=None) -> None:
    """Check that ``parent_id`` may take a subtask, holding its row (FOR SHARE) until commit.

    The share lock keeps the parent from moving, being deleted or becoming
    a subtask itself before this transaction commits.
    """
    if parent_id == child_id:
        raise ValidationError({"parent": [OWN_PARENT]})
    query = Task.objects.filter(id=parent_id).values_list("project_id", "parent_id")
    rows = rows_locked_for_share(query, of=Task._meta.db_table)
    if not rows:
        raise ValidationError({"parent": [NOT_A_PARENT]})
    if rows[0][0] != project_id:
        # It was in this project when the caller looked, before any lock.
        raise RetryableConflict("the parent moved while a subtask was being added")
    if rows[0][1] is not None:
        raise ValidationError({"parent": [ONE_LEVEL]})
    if Task.objects.filter(parent_id=parent_id).count() >= SUBTASKS_PER_TASK_MAX:
        raise ValidationError({"parent": [TOO_MANY]})


def next_position(parent_id) -> int:
    """After the last of the parent's subtasks: a new step goes at the end."""
    last = Task.objects.filter(parent_id=parent_id).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def check_may_become_subtask(task: Task) -> None:
    if Task.objects.filter(parent_id=task.id).exists():
        raise ValidationError({"parent": [HAS_SUBTASKS]})


def subtasks_locked(task: Task) -> list[Task]:
    """The task's subtasks, locked in id order (after the parent, which the caller holds)."""
    return list(Task.objects.filter(parent_id=task.id).order_by("id").select_for_update(of=("self",)))


def subtasks_move(children: list[Task], *, project_id) -> None:
    """Move locked ``children`` to ``project_id`` with their tag names."""
    for child in children:
        names = list(child.tags.values_list("name", flat=True))
        fields = {"project_id": project_id, "version": F("version") + 1, "updated_at": timezone.now()}
        if child.assignee_id is not None and not is_member_locked(project_id, child.assignee_id):
            fields["assignee_id"] = None
        Task.objects.filter(id=child.id).update(**fields)
        tag_links.task_tags_set(child.id, project_id, names)


def subtasks_reopen(children: list[Task]) -> int:
    """Open again the locked ``children`` that were done (a repeating parent moved to its next occurrence)."""
    done = [child.id for child in children if child.completed]
    return Task.objects.filter(id__in=done).update(
        completed=False, completed_at=None, version=F("version") + 1, updated_at=timezone.now()
    )
