from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from taskmanager.reminders.recipients import user_zone
from taskmanager.reminders.rules import due_instant, fire_at_for

BERLIN = ZoneInfo("Europe/Berlin")


def test_an_all_day_due_counts_from_nine_in_the_recipients_zone():
    due = due_instant(due_date=date(2026, 7, 1), due_at=None, zone=BERLIN)
    assert due == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
    winter = due_instant(due_date=date(2026, 12, 1), due_at=None, zone=BERLIN)
    assert winter == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 CET


def test_a_timed_due_is_its_instant_whatever_the_zone():
    moment = datetime(2026, 7, 1, 15, 30, tzinfo=UTC)
    assert due_instant(due_date=None, due_at=moment, zone=BERLIN) == moment


def test_fire_at_is_remind_at_or_minutes_before_the_due():
    due = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert fire_at_for(remind_at=None, before_minutes=90, due=due) == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert fire_at_for(remind_at=due, before_minutes=None, due=None) == due
    assert fire_at_for(remind_at=None, before_minutes=30, due=None) is None


def test_a_user_without_preferences_lives_in_utc():
    class Nobody:
        pass

    assert user_zone(Nobody()).key == "UTC"
    assert user_zone(None).key == "UTC"
