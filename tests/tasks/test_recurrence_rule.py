"""What the repeat rule refuses (each with one message) and how far its search looks ahead."""

import time as clock
from datetime import datetime
from itertools import islice

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError

from taskmanager.tasks import recurrence_rule as messages
from taskmanager.tasks.recurrence import recurrence_clean
from taskmanager.tasks.recurrence_rule import first_after, parse_rule


class TestRefused:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            pytest.param("every day", messages.NOT_UNDERSTOOD, id="garbage"),
            pytest.param("FREQ=DAILY;COUNT", messages.NOT_UNDERSTOOD, id="part without value"),
            pytest.param(5, messages.NOT_UNDERSTOOD, id="not text"),
            pytest.param("FREQ=WEEKLY;BYDAY=" + ",MO" * 200, messages.TOO_LONG, id="over-long"),
            pytest.param("INTERVAL=2", messages.NEEDS_FREQ, id="no FREQ"),
            pytest.param("FREQ=FORTNIGHTLY", messages.NEEDS_FREQ, id="unknown FREQ"),
            pytest.param("FREQ=HOURLY", messages.TOO_OFTEN, id="HOURLY"),
            pytest.param("FREQ=MINUTELY", messages.TOO_OFTEN, id="MINUTELY"),
            pytest.param(
                "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY", messages.NO_DTSTART, id="DTSTART line"
            ),
            pytest.param("FREQ=DAILY;DTSTART=20260101", messages.NO_DTSTART, id="DTSTART part"),
            pytest.param(
                "FREQ=DAILY;BYHOUR=9",
                "BYHOUR is not supported; a repeat rule may use "
                "FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT, UNTIL and WKST.",
                id="BYHOUR",
            ),
            pytest.param(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                "BYSETPOS is not supported; a repeat rule may use "
                "FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT, UNTIL and WKST.",
                id="BYSETPOS",
            ),
            pytest.param(
                "FREQ=DAILY;COLOR=RED",
                "COLOR is not a repeat rule part; a repeat rule may use "
                "FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT, UNTIL and WKST.",
                id="unknown part",
            ),
            pytest.param("FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice.", id="a part twice"),
            pytest.param("FREQ=DAILY;COUNT=0", messages.BAD_COUNT, id="COUNT=0"),
            pytest.param("FREQ=DAILY;COUNT=-1", messages.BAD_COUNT, id="COUNT negative"),
            pytest.param("FREQ=DAILY;INTERVAL=0", messages.BAD_INTERVAL, id="INTERVAL=0"),
            pytest.param("FREQ=DAILY;INTERVAL=1001", messages.BAD_INTERVAL, id="INTERVAL too big"),
            pytest.param("FREQ=DAILY;COUNT=3;UNTIL=20271231", messages.COUNT_AND_UNTIL, id="COUNT and UNTIL"),
            pytest.param("FREQ=DAILY;UNTIL=2027-12-31", messages.BAD_UNTIL, id="UNTIL with dashes"),
            pytest.param("FREQ=DAILY;UNTIL=20270231", messages.BAD_UNTIL, id="UNTIL 31 Feb"),
            pytest.param("FREQ=DAILY;UNTIL=20271231T235959", messages.BAD_UNTIL, id="UNTIL floating time"),
            pytest.param("FREQ=YEARLY;BYMONTH=13", messages.BAD_BYMONTH, id="month 13"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=0", messages.BAD_BYMONTHDAY, id="month day 0"),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=32", messages.BAD_BYMONTHDAY, id="month day 32"),
            pytest.param("FREQ=WEEKLY;BYMONTHDAY=1", messages.WEEKLY_BYMONTHDAY, id="weekly month day"),
            pytest.param("FREQ=WEEKLY;BYDAY=XX", messages.BAD_BYDAY, id="no such weekday"),
            pytest.param("FREQ=MONTHLY;BYDAY=0MO", messages.BAD_BYDAY, id="0MO"),
            pytest.param("FREQ=WEEKLY;BYDAY=1MO", messages.NUMBERED_DAY_FREQ, id="numbered day weekly"),
            pytest.param(
                "FREQ=MONTHLY;BYDAY=6MO", messages.NUMBERED_DAY_IN_MONTH, id="6th Monday of a month"
            ),
            pytest.param("FREQ=YEARLY;BYDAY=54MO", messages.NUMBERED_DAY_IN_YEAR, id="54th Monday of a year"),
            pytest.param("FREQ=WEEKLY;WKST=XX", messages.BAD_WKST, id="bad WKST"),
            pytest.param(
                "FREQ=DAILY;INTERVAL=7;BYDAY=MO", messages.DAILY_WEEKDAY_INTERVAL, id="daily 7 on Mon"
            ),
            pytest.param("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", messages.NO_SUCH_DAY, id="30 February"),
            pytest.param("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", messages.NO_SUCH_DAY, id="31 April"),
            pytest.param(
                "FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=-31", messages.NO_SUCH_DAY, id="31st to last of Apr"
            ),
            pytest.param("FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=5MO", messages.NEVER, id="the 1st as 5th Monday"),
            pytest.param(
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1,2;BYDAY=-1MO", messages.NEVER, id="early last Mon"
            ),
        ],
    )
    def test_refused_rules_carry_one_message(self, value, message):
        with pytest.raises(ValidationError) as refused:
            recurrence_clean(value)

        assert refused.value.messages == [message]

    @pytest.mark.parametrize(
        "value",
        [
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=5MO",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1,2;BYDAY=-1MO",
        ],
    )
    def test_an_impossible_rule_is_refused_quickly(self, value):
        # Handed to dateutil as is, such a rule scans every year up to 9999 looking for a date.
        started = clock.perf_counter()
        with pytest.raises(ValidationError):
            recurrence_clean(value)

        assert clock.perf_counter() - started < 1


class TestSearchHorizon:
    @pytest.mark.parametrize(
        "rule",
        [
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        ],
    )
    def test_moving_the_search_near_year_9999_changes_no_date(self, rule):
        start = datetime(2096, 1, 31, 9, 0)
        expected = list(islice((when for when in rrulestr(rule, dtstart=start) if when > start), 7))
        found, current = [], start
        for _ in range(7):
            current = first_after(parse_rule(rule), current)
            found.append(current)

        assert found == expected
