"""The task services keep reminders in step: a changed due, a new recipient, a next occurrence, a move."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from procrastinate.contrib.django.models import ProcrastinateJob

from taskmanager.accounts.preferences import preferences_update
from taskmanager.reminders.jobs import SEND_REMINDER
from taskmanager.reminders.models import Reminder
from taskmanager.reminders.services import reminder_create
from taskmanager.tasks.services import task_completion_undo, task_update
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def deferred_fire_ats(reminder_id) -> list[str]:
    jobs = ProcrastinateJob.objects.filter(task_name=SEND_REMINDER, args__reminder_id=str(reminder_id))
    return [job.args["fire_at"] for job in jobs.order_by("id")]


def fire_at(reminder) -> datetime | None:
    return Reminder.objects.get(id=reminder["id"]).fire_at


@time_machine.travel(NOW, tick=False)
def test_a_new_due_time_moves_the_reminder_and_defers_its_job_in_the_same_write():
    owner = UserFactory()
    task = TaskFactory(owner=owner, due_at=datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    reminder = reminder_create(actor=owner, task_id=task.id, before_minutes=60)

    task_update(actor=owner, task_id=task.id, changes={"due_at": datetime(2026, 12, 4, 15, 0, tzinfo=UTC)})

    assert fire_at(reminder) == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert deferred_fire_ats(reminder["id"])[-1] == "2026-12-04T14:00:00+00:00"
    # A change that does not touch the due defers nothing more.
    count = len(deferred_fire_ats(reminder["id"]))
    task_update(actor=owner, task_id=task.id, changes={"title": "renamed"})
    assert len(deferred_fire_ats(reminder["id"])) == count


@time_machine.travel(NOW, tick=False)
def test_an_all_day_reminder_follows_its_recipient_their_zone_and_a_new_assignee():
    owner, colleague = UserFactory(), UserFactory()
    project = ProjectFactory(members={owner: "owner", colleague: "editor"})
    preferences_update(user=colleague, time_zone="Asia/Tokyo")
    task = TaskFactory(project=project, created_by=owner, due_date=date(2026, 12, 3))
    reminder = reminder_create(actor=owner, task_id=task.id, before_minutes=0)
    assert fire_at(reminder) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # the creator's 09:00, UTC

    task_update(actor=owner, task_id=task.id, changes={"assignee": colleague.username})
    assert fire_at(reminder) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo

    preferences_update(user=colleague, time_zone="Europe/Berlin")
    assert fire_at(reminder) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_the_next_occurrence_arms_a_sent_reminder_again_and_undo_puts_it_back():
    owner = UserFactory()
    task = TaskFactory(owner=owner, due_date=date(2026, 12, 3), recurrence="FREQ=WEEKLY")
    reminder = reminder_create(actor=owner, task_id=task.id, before_minutes=60)
    Reminder.objects.filter(id=reminder["id"]).update(sent_at=NOW)

    task_update(actor=owner, task_id=task.id, changes={"completed": True})
    moved = Reminder.objects.get(id=reminder["id"])
    assert (moved.fire_at, moved.sent_at) == (datetime(2026, 12, 10, 8, 0, tzinfo=UTC), None)

    task_completion_undo(actor=owner, task_id=task.id)
    assert fire_at(reminder) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
