"""reminders.services and the send job's checks, in-process on PostgreSQL, with Django's test mailbox."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from taskmanager.domain.errors import RoleRequired
from taskmanager.reminders.jobs import SEND_REMINDER
from taskmanager.reminders.models import REMINDERS_PER_TASK_MAX, Reminder
from taskmanager.reminders.selectors import reminder_list
from taskmanager.reminders.sending import SENT, reminder_send
from taskmanager.reminders.services import reminder_create, reminder_delete, reminders_reschedule
from taskmanager.tasks.models import Task
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.reminders.helpers import reminder_due_in


def _jobs():
    return list(ProcrastinateJob.objects.filter(task_name=SEND_REMINDER).order_by("id"))


def _soon(minutes: int = 5) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


@pytest.mark.django_db(transaction=True)
class TestTheJobIsDeferredInTheWritesTransaction:
    def test_a_write_that_rolls_back_leaves_no_job(self):
        user = UserFactory(username="alice")
        task = TaskFactory(owner=user)
        # Jobs of earlier tests may stay: Django's flush leaves procrastinate's tables alone.
        before = len(_jobs())
        with pytest.raises(RuntimeError), transaction.atomic():
            reminder_create(actor=user, task_id=task.id, remind_at=_soon())
            assert len(_jobs()) == before + 1
            raise RuntimeError("the caller's transaction fails after the reminder was made")
        assert len(_jobs()) == before
        assert not Reminder.objects.exists()

    def test_a_committed_write_has_its_job_for_the_fire_at(self):
        reminder = reminder_due_in(300)
        [job] = [job for job in _jobs() if job.args["reminder_id"] == str(reminder["id"])]
        assert job.status == "todo"
        assert job.args == {"reminder_id": str(reminder["id"]), "fire_at": reminder["fire_at"].isoformat()}
        assert job.scheduled_at == reminder["fire_at"]


@pytest.mark.django_db
class TestCreate:
    def test_exactly_one_of_the_two_fields(self):
        user = UserFactory()
        task = TaskFactory(owner=user, due_date=date.today() + timedelta(days=3))
        with pytest.raises(ValidationError) as neither:
            reminder_create(actor=user, task_id=task.id)
        assert set(neither.value.message_dict) == {"remind_at", "before_minutes"}
        with pytest.raises(ValidationError) as both:
            reminder_create(actor=user, task_id=task.id, remind_at=_soon(), before_minutes=10)
        assert set(both.value.message_dict) == {"remind_at", "before_minutes"}

    def test_before_minutes_needs_a_due_and_at_most_four_weeks(self):
        user = UserFactory()
        undated = TaskFactory(owner=user)
        with pytest.raises(ValidationError) as no_due:
            reminder_create(actor=user, task_id=undated.id, before_minutes=10)
        assert "no due date" in no_due.value.message_dict["before_minutes"][0]
        dated = TaskFactory(owner=user, due_date=date.today() + timedelta(days=3))
        with pytest.raises(ValidationError) as too_far:
            reminder_create(actor=user, task_id=dated.id, before_minutes=4 * 7 * 24 * 60 + 1)
        assert "four weeks" in too_far.value.message_dict["before_minutes"][0]

    def test_remind_at_in_the_past_is_refused(self):
        user = UserFactory()
        task = TaskFactory(owner=user)
        with pytest.raises(ValidationError) as past:
            reminder_create(actor=user, task_id=task.id, remind_at=timezone.now() - timedelta(minutes=1))
        assert past.value.message_dict == {"remind_at": ["The reminder must be in the future."]}

    def test_a_task_has_at_most_ten(self):
        user = UserFactory()
        task = TaskFactory(owner=user)
        for minutes in range(REMINDERS_PER_TASK_MAX):
            reminder_create(actor=user, task_id=task.id, remind_at=_soon(minutes + 1))
        with pytest.raises(ValidationError) as too_many:
            reminder_create(actor=user, task_id=task.id, remind_at=_soon(30))
        assert "task" in too_many.value.message_dict

    def test_a_viewer_may_not_add_and_a_stranger_does_not_see_the_task(self):
        owner, viewer, stranger = UserFactory(), UserFactory(), UserFactory()
        project = ProjectFactory(members={owner: "owner", viewer: "viewer"})
        task = TaskFactory(project=project, created_by=owner)
        with pytest.raises(RoleRequired):
            reminder_create(actor=viewer, task_id=task.id, remind_at=_soon())
        with pytest.raises(Task.DoesNotExist):
            reminder_create(actor=stranger, task_id=task.id, remind_at=_soon())
        assert reminder_list(actor=viewer, task_id=task.id) == []

    def test_an_all_day_due_fires_before_nine_utc_without_a_chosen_zone(self):
        user = UserFactory()
        due = date.today() + timedelta(days=3)
        task = TaskFactory(owner=user, due_date=due)
        row = reminder_create(actor=user, task_id=task.id, before_minutes=60)
        assert row["fire_at"] == datetime(due.year, due.month, due.day, 8, 0, tzinfo=UTC)


@pytest.mark.django_db
class TestReschedule:
    def test_a_moved_due_moves_fire_at_rearms_a_sent_reminder_and_defers_a_job(self):
        user = UserFactory()
        task = TaskFactory(owner=user, due_date=date.today() + timedelta(days=3))
        row = reminder_create(actor=user, task_id=task.id, before_minutes=60)
        Reminder.objects.filter(id=row["id"]).update(sent_at=timezone.now())
        Task.objects.filter(id=task.id).update(due_date=date.today() + timedelta(days=10))
        assert reminders_reschedule([task.id]) == 1
        reminder = Reminder.objects.get(id=row["id"])
        assert reminder.sent_at is None
        assert reminder.fire_at == row["fire_at"] + timedelta(days=7)
        assert [job.args["fire_at"] for job in _jobs()] == [
            row["fire_at"].isoformat(),
            reminder.fire_at.isoformat(),
        ]

    def test_nothing_changes_and_nothing_is_deferred_when_the_due_stays(self):
        user = UserFactory()
        task = TaskFactory(owner=user, due_date=date.today() + timedelta(days=3))
        reminder_create(actor=user, task_id=task.id, before_minutes=60)
        assert reminders_reschedule([task.id]) == 0
        assert len(_jobs()) == 1

    def test_a_due_removed_leaves_a_before_due_reminder_without_fire_at(self):
        user = UserFactory()
        task = TaskFactory(owner=user, due_date=date.today() + timedelta(days=3))
        row = reminder_create(actor=user, task_id=task.id, before_minutes=60)
        Task.objects.filter(id=task.id).update(due_date=None)
        assert reminders_reschedule([task.id]) == 1
        assert Reminder.objects.get(id=row["id"]).fire_at is None
        assert len(_jobs()) == 1

    def test_delete(self):
        user = UserFactory()
        row = reminder_due_in(60, username=user.username)
        reminder_delete(actor=user, reminder_id=row["id"])
        assert not Reminder.objects.exists()
        with pytest.raises(Reminder.DoesNotExist):
            reminder_delete(actor=user, reminder_id=row["id"])


@pytest.mark.django_db
class TestSend:
    def test_the_email_has_text_and_html_parts_the_task_link_and_the_settings_link(self, settings):
        settings.TASKMANAGER_UI_URL = "https://tasks.example.com"
        settings.DEFAULT_FROM_EMAIL = "reminders@tasks.example.com"
        row = reminder_due_in(60, title="Water the plants", due_date=date(2026, 12, 24))
        assert reminder_send(reminder_id=row["id"], fire_at=row["fire_at"]) == SENT
        [email] = mail.outbox
        assert email.to == ["alice@example.com"]
        assert email.subject == "Reminder: Water the plants (due Thu 24 Dec 2026)"
        task_id = Reminder.objects.get(id=row["id"]).task_id
        assert f"https://tasks.example.com/tasks/{task_id}/" in email.body
        assert "https://tasks.example.com/settings/" in email.body
        assert "Project: Inbox" in email.body
        [(html, mimetype)] = email.alternatives
        assert mimetype == "text/html"
        assert 'href="https://tasks.example.com/settings/"' in html
        assert f'href="https://tasks.example.com/tasks/{task_id}/"' in html
        assert email.extra_headers["Message-ID"].startswith(f"<reminder.{row['id']}.")
        assert email.extra_headers["Message-ID"].endswith("@tasks.example.com>")

    def test_sent_once_and_not_for_an_old_fire_at_a_completed_task_or_no_email(self):
        row = reminder_due_in(60)
        assert reminder_send(reminder_id=row["id"], fire_at=row["fire_at"] - timedelta(minutes=1)) != SENT
        assert reminder_send(reminder_id=row["id"], fire_at=row["fire_at"]) == SENT
        assert reminder_send(reminder_id=row["id"], fire_at=row["fire_at"]) == "already sent"
        completed = reminder_due_in(60, username="bob", completed=True)
        assert reminder_send(reminder_id=completed["id"], fire_at=completed["fire_at"]) == "task completed"
        silent = reminder_due_in(60, username="carol")
        get_user_model().objects.filter(username="carol").update(email="")
        assert reminder_send(reminder_id=silent["id"], fire_at=silent["fire_at"]) == "no recipient email"
        assert len(mail.outbox) == 1
