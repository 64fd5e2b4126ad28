"""The repeat rule: the canonical form it is stored in and the next due it computes.

Pure functions, no database. Dates in the tables are 2026 unless they say otherwise; 1 January
2026 is a Thursday.
"""

import time as clock
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from taskmanager.tasks.recurrence import (
    RECUR_FROM_CHOICES,
    RECUR_FROM_COMPLETION,
    RECUR_FROM_DUE,
    RECURRENCE_MAX_LENGTH,
    next_occurrence,
    recurrence_clean,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
AUCKLAND = ZoneInfo("Pacific/Auckland")
UTC_ZONE = ZoneInfo("UTC")


def d(text: str) -> date:
    return date.fromisoformat(text)


def local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def next_all_day(rule, due, *, completed=None, recur_from=RECUR_FROM_DUE, before=0, zone=UTC_ZONE):
    """The next due of an all-day task due on ``due``, completed at noon on ``completed``."""
    completed_at = datetime.combine(d(completed or due), time(12), tzinfo=zone)
    return next_occurrence(
        rule,
        due_date=d(due) if due else None,
        due_at=None,
        recur_from=recur_from,
        completed_at=completed_at,
        time_zone=zone,
        completions_before=before,
    )


def next_timed(rule, due_at, zone, *, completed_at=None, recur_from=RECUR_FROM_DUE):
    return next_occurrence(
        rule,
        due_date=None,
        due_at=due_at,
        recur_from=recur_from,
        completed_at=completed_at or due_at,
        time_zone=zone,
        completions_before=0,
    )


def test_the_module_constants():
    assert (RECUR_FROM_DUE, RECUR_FROM_COMPLETION) == ("due", "completion")
    assert [value for value, _ in RECUR_FROM_CHOICES] == ["due", "completion"]
    assert RECURRENCE_MAX_LENGTH == 500


class TestClean:
    @pytest.mark.parametrize(
        ("value", "clean"),
        [
            pytest.param(None, "", id="None is no repeat"),
            pytest.param("", "", id="empty is no repeat"),
            pytest.param("  \n", "", id="blank is no repeat"),
            pytest.param(" rrule:freq=daily ", "FREQ=DAILY", id="prefix, case and spaces go"),
            pytest.param("FREQ=DAILY;", "FREQ=DAILY", id="a trailing semicolon is harmless"),
            pytest.param("COUNT=5;FREQ=DAILY", "FREQ=DAILY;COUNT=5", id="parts in a fixed order"),
            pytest.param(
                "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH,MO", "FREQ=WEEKLY;BYDAY=MO,TH", id="INTERVAL=1 goes"
            ),
            pytest.param(
                "FREQ=MONTHLY;BYMONTHDAY=-1,15,1", "FREQ=MONTHLY;BYMONTHDAY=1,15,-1", id="days sorted"
            ),
            pytest.param("FREQ=MONTHLY;BYDAY=+1MO", "FREQ=MONTHLY;BYDAY=1MO", id="plus sign goes"),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=03;BYDAY=2SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", id="zero goes"
            ),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", id="29 Feb"
            ),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=31", id="31st"),
            pytest.param("FREQ=DAILY;UNTIL=20271231", "FREQ=DAILY;UNTIL=20271231", id="date UNTIL"),
            pytest.param(
                "FREQ=DAILY;UNTIL=20271231T230000Z", "FREQ=DAILY;UNTIL=20271231T230000Z", id="UTC UNTIL"
            ),
            pytest.param(
                "FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=MO",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU",
                id="WKST accepted",
            ),
            pytest.param(
                "FREQ=WEEKLY;BYDAY=MO" + ",MO" * 160, "FREQ=WEEKLY;BYDAY=MO", id="exactly 500 characters"
            ),
        ],
    )
    def test_accepted_rules_come_back_canonical(self, value, clean):
        assert recurrence_clean(value) == clean
        assert recurrence_clean(clean) == clean


class TestNextAllDay:
    @pytest.mark.parametrize(
        ("rule", "due", "following"),
        [
            pytest.param("FREQ=DAILY", "2026-01-10", "2026-01-11", id="daily"),
            pytest.param("FREQ=DAILY;INTERVAL=3", "2026-01-10", "2026-01-13", id="every 3 days"),
            pytest.param(
                "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "2026-01-09", "2026-01-12", id="weekday Fri->Mon"
            ),
            pytest.param("FREQ=WEEKLY", "2026-01-08", "2026-01-15", id="weekly on the due's weekday"),
            pytest.param("FREQ=WEEKLY;BYDAY=MO,TH", "2026-01-08", "2026-01-12", id="Mon+Thu: Thu->Mon"),
            pytest.param("FREQ=WEEKLY;BYDAY=MO,TH", "2026-01-12", "2026-01-15", id="Mon+Thu: Mon->Thu"),
            pytest.param("FREQ=WEEKLY;BYDAY=MO", "2026-01-07", "2026-01-12", id="due off the rule's days"),
            pytest.param("FREQ=WEEKLY;INTERVAL=2", "2026-01-08", "2026-01-22", id="every 2 weeks"),
            pytest.param(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-01-12", "2026-01-15", id="2 weeks: Mon->Thu"
            ),
            pytest.param(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-01-15", "2026-01-26", id="2 weeks: Thu->Mon"
            ),
            # RFC 5545: a month without the asked-for day is skipped, not clamped to its last day.
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31", "2026-03-31", id="31st skips February"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=31", "2026-03-31", "2026-05-31", id="31st skips April"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=31", "2026-07-31", "2026-08-31", id="31st July->August"),
            pytest.param("FREQ=MONTHLY", "2026-01-31", "2026-03-31", id="monthly from a 31st: same"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-31", "2026-02-28", id="last day: February"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-02-28", "2026-03-31", id="last day: March"),
            pytest.param(
                "FREQ=MONTHLY;BYMONTHDAY=-1", "2028-01-31", "2028-02-29", id="last day: leap February"
            ),
            pytest.param(
                "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15", "2026-01-15", "2026-03-15", id="every 2 months"
            ),
            pytest.param("FREQ=MONTHLY;BYDAY=1MO", "2026-01-05", "2026-02-02", id="first Monday"),
            pytest.param("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-30", "2026-02-27", id="last Friday"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "2026-02-13", "2026-03-13", id="Friday 13th"),
            pytest.param("FREQ=YEARLY", "2026-07-04", "2027-07-04", id="yearly"),
            # RFC 5545 again: 29 February comes back only in leap years, not as 28 February or 1 March.
            pytest.param("FREQ=YEARLY", "2024-02-29", "2028-02-29", id="29 Feb: 4 years later"),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2096-02-29", "2104-02-29", id="29 Feb: 2100 skipped"
            ),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "2026-03-08", "2027-03-14", id="2nd Sunday of March"
            ),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", "2026-01-01", "2026-07-01", id="1 Jan and 1 Jul"
            ),
        ],
    )
    def test_from_the_due(self, rule, due, following):
        assert next_all_day(rule, due) == (d(following), None)

    def test_a_late_completion_still_follows_the_schedule(self):
        assert next_all_day("FREQ=DAILY", "2026-01-10", completed="2026-01-15") == (d("2026-01-11"), None)

    @pytest.mark.parametrize(
        ("rule", "due", "completed", "following"),
        [
            pytest.param(
                "FREQ=DAILY;INTERVAL=3", "2026-12-01", "2026-12-05", "2026-12-08", id="3 days, late"
            ),
            pytest.param(
                "FREQ=DAILY;INTERVAL=3", "2026-12-10", "2026-12-05", "2026-12-08", id="3 days, early"
            ),
            pytest.param("FREQ=DAILY", "2026-12-01", "2026-12-01", "2026-12-02", id="daily, on time"),
            pytest.param("FREQ=WEEKLY", "2026-01-08", "2026-01-13", "2026-01-20", id="weekly from a Tue"),
            pytest.param(
                "FREQ=WEEKLY;BYDAY=MO,TH", "2026-01-12", "2026-01-13", "2026-01-15", id="Mon+Thu from Tue"
            ),
            pytest.param(
                "FREQ=WEEKLY;BYDAY=MO,TH", "2026-01-12", "2026-01-15", "2026-01-19", id="Mon+Thu from Thu"
            ),
            pytest.param(
                "FREQ=MONTHLY;BYMONTHDAY=1", "2026-01-01", "2026-01-20", "2026-02-01", id="monthly 1st"
            ),
        ],
    )
    def test_from_the_completion(self, rule, due, completed, following):
        result = next_all_day(rule, due, completed=completed, recur_from=RECUR_FROM_COMPLETION)

        assert result == (d(following), None)

    def test_the_completion_day_is_the_local_one(self):
        result = next_occurrence(
            "FREQ=DAILY;INTERVAL=3",
            due_date=d("2026-12-01"),
            due_at=None,
            recur_from=RECUR_FROM_COMPLETION,
            completed_at=utc("2026-12-05T23:30"),  # already 6 December in Tokyo
            time_zone=TOKYO,
            completions_before=0,
        )

        assert result == (d("2026-12-09"), None)

    @pytest.mark.parametrize("recur_from", [RECUR_FROM_DUE, RECUR_FROM_COMPLETION])
    def test_a_task_without_due_repeats_from_its_completion_day(self, recur_from):
        result = next_all_day("FREQ=WEEKLY", None, completed="2026-01-10", recur_from=recur_from, zone=BERLIN)

        assert result == (d("2026-01-17"), None)

    @pytest.mark.parametrize(
        ("before", "following"),
        [
            pytest.param(0, (d("2026-01-11"), None), id="1st of 3 completed"),
            pytest.param(1, (d("2026-01-11"), None), id="2nd of 3 completed"),
            pytest.param(2, None, id="3rd of 3 completed: series over"),
        ],
    )
    def test_count_ends_the_series(self, before, following):
        assert next_all_day("FREQ=DAILY;COUNT=3", "2026-01-10", before=before) == following

    @pytest.mark.parametrize(
        ("rule", "due", "zone", "following"),
        [
            pytest.param(
                "FREQ=DAILY;UNTIL=20260112", "2026-01-11", UTC_ZONE, d("2026-01-12"), id="UNTIL included"
            ),
            pytest.param("FREQ=DAILY;UNTIL=20260112", "2026-01-12", UTC_ZONE, None, id="after UNTIL"),
            pytest.param("FREQ=MONTHLY;UNTIL=20260215", "2026-01-31", UTC_ZONE, None, id="next beyond UNTIL"),
            # 23:00 UTC on 11 January is already 12 January in Berlin.
            pytest.param(
                "FREQ=DAILY;UNTIL=20260111T230000Z", "2026-01-11", BERLIN, d("2026-01-12"), id="local"
            ),
            pytest.param("FREQ=DAILY;UNTIL=20260111T230000Z", "2026-01-11", UTC_ZONE, None, id="UTC UNTIL"),
        ],
    )
    def test_until_ends_the_series(self, rule, due, zone, following):
        expected = None if following is None else (following, None)

        assert next_all_day(rule, due, zone=zone) == expected

    @pytest.mark.parametrize(
        ("rule", "due"),
        [
            pytest.param("FREQ=MONTHLY;INTERVAL=2;BYMONTH=2", "2026-01-01", id="odd months never reach Feb"),
            pytest.param("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "2025-02-28", id="no leap years"),
            # A YEARLY rule naming only the month takes its day from the due, and April has no 31st.
            pytest.param("FREQ=YEARLY;BYMONTH=4", "2026-01-31", id="31 April from the due's day"),
        ],
    )
    def test_a_rule_that_cannot_go_on_from_this_due_ends_quickly(self, rule, due):
        started = clock.perf_counter()

        assert next_all_day(rule, due) is None
        assert clock.perf_counter() - started < 1

    def test_no_rule_no_next(self):
        assert next_all_day("", "2026-01-10") is None


class TestNextTimed:
    @pytest.mark.parametrize(
        ("rule", "zone", "due", "following_utc"),
        [
            pytest.param("FREQ=DAILY", BERLIN, "2026-03-28T09:00", "2026-03-29T07:00", id="Berlin spring"),
            pytest.param("FREQ=DAILY", BERLIN, "2026-10-24T09:00", "2026-10-25T08:00", id="Berlin autumn"),
            pytest.param(
                "FREQ=DAILY", NEW_YORK, "2026-03-07T09:00", "2026-03-08T13:00", id="New York spring"
            ),
            pytest.param(
                "FREQ=DAILY", NEW_YORK, "2026-10-31T09:00", "2026-11-01T14:00", id="New York autumn"
            ),
            # 02:30 does not exist on 29 March in Berlin; the due moves forward by the hour skipped.
            pytest.param("FREQ=DAILY", BERLIN, "2026-03-28T02:30", "2026-03-29T01:30", id="into the gap"),
            # Only due_at is stored, so the day after the gap continues from 03:30, its new time.
            pytest.param("FREQ=DAILY", BERLIN, "2026-03-29T03:30", "2026-03-30T01:30", id="after the gap"),
            # 02:30 happens twice on 25 October in Berlin; the first (still summer time) is taken.
            pytest.param(
                "FREQ=DAILY", BERLIN, "2026-10-24T02:30", "2026-10-25T00:30", id="time that is twice"
            ),
            pytest.param("FREQ=WEEKLY;BYDAY=MO", BERLIN, "2026-03-23T09:00", "2026-03-30T07:00", id="weekly"),
            pytest.param("FREQ=DAILY", TOKYO, "2026-01-10T09:00", "2026-01-11T00:00", id="Tokyo"),
            # Auckland leaves summer time on 5 April 2026, and 09:00 local is the previous day in UTC.
            pytest.param("FREQ=DAILY", AUCKLAND, "2026-04-04T09:00", "2026-04-04T21:00", id="Auckland"),
        ],
    )
    def test_from_the_due_keeps_the_local_time(self, rule, zone, due, following_utc):
        result = next_timed(rule, local(due, zone), zone)

        assert result == (None, utc(following_utc))
        assert result[1].tzinfo is UTC
        assert result[1].tzinfo is UTC

    @pytest.mark.parametrize(
        ("due_at", "completed_at", "zone", "following"),
        [
            pytest.param(
                local("2026-12-01T09:00", BERLIN),
                local("2026-12-05T20:00", BERLIN),
                BERLIN,
                utc("2026-12-08T08:00"),
                id="Berlin: 3 days after completion, at 09:00",
            ),
            pytest.param(
                local("2026-12-01T09:00", TOKYO),
                utc("2026-12-05T23:30"),
                TOKYO,
                utc("2026-12-09T00:00"),
                id="Tokyo: completed on 6 Dec local time",
            ),
        ],
    )
    def test_from_the_completion_keeps_the_local_time(self, due_at, completed_at, zone, following):
        result = next_timed(
            "FREQ=DAILY;INTERVAL=3", due_at, zone, completed_at=completed_at, recur_from=RECUR_FROM_COMPLETION
        )

        assert result == (None, following)

    @pytest.mark.parametrize(
        ("rule", "following"),
        [
            pytest.param(
                "FREQ=DAILY;UNTIL=20260112T080000Z", utc("2026-01-12T08:00"), id="at UNTIL: included"
            ),
            pytest.param("FREQ=DAILY;UNTIL=20260112T075959Z", None, id="a second after UNTIL"),
            pytest.param("FREQ=DAILY;UNTIL=20260112", utc("2026-01-12T08:00"), id="date UNTIL: whole day"),
        ],
    )
    def test_until_is_an_instant_for_a_timed_task(self, rule, following):
        result = next_timed(rule, local("2026-01-11T09:00", BERLIN), BERLIN)

        assert result == (None if following is None else (None, following))
