"""Completing a repeating task: recorded, moved to its next due, subtasks reopened; undo."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from taskmanager.accounts.preferences import preferences_update
from taskmanager.domain.errors import Conflict
from taskmanager.tasks import selectors
from taskmanager.tasks.models import Task, TaskCompletion
from taskmanager.tasks.services import task_bulk_apply, task_completion_undo, task_update
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


def complete(owner, task):
    return task_update(actor=owner, task_id=task.id, changes={"completed": True})


@time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), tick=False)
def test_completing_moves_the_task_to_its_next_due_and_records_the_occurrence(owner):
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=WEEKLY;BYDAY=MO,TH")

    row = complete(owner, task)

    assert (row["completed"], row["due_date"], row["completed_at"]) == (False, date(2026, 12, 7), None)
    assert row["recurrence_text"] == "Every week on Mon and Thu"
    (occurrence,) = TaskCompletion.objects.filter(task_id=task.id)
    assert (occurrence.due_date, occurrence.completed_by_id) == (date(2026, 12, 4), owner.id)
    assert selectors.task_stats(actor=owner)["completed_occurrences"] == 1


@time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), tick=False)
def test_from_completion_counts_from_the_day_it_was_done(owner):
    task = TaskFactory(
        owner=owner, due_date=date(2026, 11, 20), recurrence="FREQ=DAILY;INTERVAL=3", recur_from="completion"
    )
    assert complete(owner, task)["due_date"] == date(2026, 12, 8)


def test_the_subtasks_open_again_with_the_next_occurrence(owner):
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=DAILY")
    child = TaskFactory(owner=owner, parent=task, completed=True)

    complete(owner, task)

    child.refresh_from_db()
    assert (child.completed, child.completed_at) == (False, None)


def test_a_rule_that_runs_out_completes_the_task_for_good(owner):
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=DAILY;COUNT=2")

    assert complete(owner, task)["due_date"] == date(2026, 12, 5)
    last = complete(owner, Task.objects.get(id=task.id))
    assert (last["completed"], last["due_date"]) == (True, date(2026, 12, 5))


def test_a_timed_task_keeps_its_local_time_across_dst(owner):
    """09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer (DST began 29 March 2026)."""
    preferences_update(user=owner, time_zone="Europe/Berlin")
    task = TaskFactory(owner=owner, due_at=datetime(2026, 3, 28, 8, 0, tzinfo=UTC), recurrence="FREQ=DAILY")
    with time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tick=False):
        row = complete(owner, task)
    assert row["due_at"] == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_bulk_complete_moves_repeating_tasks_on_and_completes_the_rest(owner):
    repeating = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=DAILY")
    plain = TaskFactory(owner=owner)

    assert task_bulk_apply(actor=owner, ids=[repeating.id, plain.id], action="complete") == 2

    repeating.refresh_from_db()
    plain.refresh_from_db()
    assert (repeating.completed, repeating.due_date, plain.completed) == (False, date(2026, 12, 5), True)


def test_undo_right_after_puts_the_previous_due_back(owner):
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=DAILY")
    moved = complete(owner, task)

    undone = task_completion_undo(actor=owner, task_id=task.id)

    assert undone["due_date"] == date(2026, 12, 4)
    assert undone["version"] == moved["version"] + 1
    assert not TaskCompletion.objects.filter(task_id=task.id).exists()
    with pytest.raises(Conflict):  # nothing left to undo
        task_completion_undo(actor=owner, task_id=task.id)


def test_undo_is_refused_once_the_task_changed_since(owner):
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 4), recurrence="FREQ=DAILY")
    complete(owner, task)
    task_update(actor=owner, task_id=task.id, changes={"title": "renamed"})

    with pytest.raises(Conflict):
        task_completion_undo(actor=owner, task_id=task.id)
    assert Task.objects.get(id=task.id).due_date == date(2026, 12, 5)
