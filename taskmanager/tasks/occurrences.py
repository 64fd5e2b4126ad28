"""Completing a repeating task: the occurrence is recorded and the task moves on.

The same task (same id, comments, reminders) comes back open with the next
due of its rule, its subtasks open again; when the rule has no next date the
task completes for good. Each moved-on completion is a TaskCompletion row:
it counts in the stats and keeps the due it had, so an undo right after can
put it back. The next due is computed in the completing user's time zone
(taskmanager.tasks.recurrence).

Every function here runs inside the caller's transaction with the task row locked.
"""

from datetime import datetime

from taskmanager.accounts.preferences import user_time_zone
from taskmanager.domain.errors import Conflict
from taskmanager.projects.access import actor_user
from taskmanager.tasks.models import Task, TaskCompletion
from taskmanager.tasks.recurrence import next_occurrence
from taskmanager.tasks.subtasks import subtasks_locked, subtasks_reopen

NOTHING_TO_UNDO = "There is no completion to undo: the task was not just completed, or has changed since."


def occurrence_complete(task: Task, *, actor, now: datetime) -> bool:
    """Record this occurrence and move ``task`` (unsaved, version still read) to its next one.

    Returns False, changing nothing, when the rule is exhausted: the caller
    then completes the task as any other.
    """
    upcoming = next_occurrence(
        task.recurrence,
        due_date=task.due_date,
        due_at=task.due_at,
        recur_from=task.recur_from,
        completed_at=now,
        time_zone=user_time_zone(actor_user(actor)),
        completions_before=TaskCompletion.objects.filter(task_id=task.id).count(),
    )
    if upcoming is None:
        return False
    TaskCompletion.objects.create(
        task_id=task.id,
        completed_at=now,
        completed_by=actor_user(actor),
        due_date=task.due_date,
        due_at=task.due_at,
        version_after=task.version + 1,
    )
    task.due_date, task.due_at = upcoming
    task.completed, task.completed_at = False, None
    subtasks_reopen(subtasks_locked(task))
    return True


def occurrence_undo(task: Task) -> None:
    """Put back the due of the occurrence just completed; Conflict unless nothing changed since."""
    latest = TaskCompletion.objects.filter(task_id=task.id).order_by("-completed_at", "-id").first()
    if latest is None or latest.version_after != task.version or task.completed:
        raise Conflict(NOTHING_TO_UNDO)
    task.due_date, task.due_at = latest.due_date, latest.due_at
    latest.delete()
