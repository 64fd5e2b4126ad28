"""The repeat rule of a task: the subset of RFC 5545 RRULE the product supports, parsed into a value.

Parsing is our own rather than dateutil's ``rrulestr``: rrulestr accepts parts we do not support
(BYHOUR, BYSETPOS, HOURLY, DTSTART lines), accepts COUNT=0 and INTERVAL=0, and its errors are not
sentences a user can act on. Each refusal here is one ValidationError with one message, which the
caller shows under the field "recurrence".
"""

import re
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, weekday
from django.core.exceptions import ValidationError

RECURRENCE_MAX_LENGTH = 500
MAX_INTERVAL = 1000

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

SUPPORTED_PARTS = "FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT, UNTIL and WKST"

NOT_UNDERSTOOD = 'The repeat rule is not understood; write it like "FREQ=WEEKLY;BYDAY=MO,TH".'
TOO_LONG = f"The repeat rule is too long (at most {RECURRENCE_MAX_LENGTH} characters)."
NO_DTSTART = "DTSTART does not belong in the repeat rule; the task's due date is where it starts."
NEEDS_FREQ = "The repeat rule needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY."
TOO_OFTEN = "Repeating more often than daily is not supported; use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY."
BAD_INTERVAL = f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}."
BAD_COUNT = "COUNT must be a whole number of at least 1."
COUNT_AND_UNTIL = "Use either COUNT or UNTIL, not both."
BAD_UNTIL = "UNTIL must be a date (YYYYMMDD) or a UTC time (YYYYMMDDTHHMMSSZ)."
BAD_BYMONTH = "BYMONTH must list month numbers from 1 to 12."
BAD_BYMONTHDAY = "BYMONTHDAY must list days from 1 to 31 or from -1 to -31 (-1 is the last day)."
WEEKLY_BYMONTHDAY = "BYMONTHDAY cannot be used with FREQ=WEEKLY."
BAD_BYDAY = "BYDAY must list days as MO, TU, WE, TH, FR, SA or SU, optionally numbered like 1MO or -1FR."
NUMBERED_DAY_FREQ = "Numbered days like 1MO or -1FR only work with FREQ=MONTHLY or FREQ=YEARLY."
NUMBERED_DAY_IN_MONTH = (
    "A numbered day within a month must be from 1 to 5 or from -1 to -5, like 2MO or -1FR."
)
NUMBERED_DAY_IN_YEAR = "A numbered day within a year must be from 1 to 53 or from -1 to -53."
BAD_WKST = "WKST must be one of MO, TU, WE, TH, FR, SA or SU."
DAILY_WEEKDAY_INTERVAL = (
    "With FREQ=DAILY and BYDAY, an INTERVAL that is a multiple of 7 only ever lands on one weekday; "
    "use FREQ=WEEKLY instead."
)
NO_SUCH_DAY = "None of the chosen months has that day, so this repeat rule never produces a date."
NEVER = "This repeat rule never produces a date."

# Parts of RFC 5545 we know but refuse by name, so the user learns it is a choice and not a typo.
_UNSUPPORTED = ("BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS", "BYWEEKNO", "BYYEARDAY", "RDATE", "EXDATE")
_TOO_OFTEN = ("HOURLY", "MINUTELY", "SECONDLY")
_PART_ORDER = ("FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "WKST", "COUNT", "UNTIL")
_NAME = re.compile(r"[A-Z]{1,20}")
_BYDAY_ITEM = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_DATEUTIL_FREQ = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
_CYCLE_YEARS = 400
# A next date further away than this counts as none: the series has ended.
_HORIZON_YEARS = 200
# Any year starts a full calendar cycle; one near 9999 keeps the "ever occurs" search short.
_CHECK_YEAR = MAXYEAR + 1 - _CYCLE_YEARS
# The longest each month can be, February in a leap year included.
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    by_month: tuple[int, ...] = ()
    by_month_day: tuple[int, ...] = ()
    # (weekday 0 = Monday, ordinal); ordinal 0 means every such weekday, -1 the last one.
    by_day: tuple[tuple[int, int], ...] = ()
    wkst: int | None = None
    count: int | None = None
    until: date | datetime | None = None  # a datetime UNTIL is always aware, in UTC

    def __str__(self) -> str:
        values = {
            "FREQ": self.freq,
            "INTERVAL": str(self.interval) if self.interval != 1 else "",
            "BYMONTH": ",".join(map(str, self.by_month)),
            "BYMONTHDAY": ",".join(map(str, self.by_month_day)),
            "BYDAY": ",".join(f"{n or ''}{WEEKDAY_CODES[day]}" for day, n in self.by_day),
            "WKST": WEEKDAY_CODES[self.wkst] if self.wkst is not None else "",
            "COUNT": str(self.count) if self.count is not None else "",
            "UNTIL": _until_text(self.until),
        }
        return ";".join(f"{name}={values[name]}" for name in _PART_ORDER if values[name])


def refuse(message: str) -> ValidationError:
    return ValidationError(message, code="invalid")


def parse_rule(value: str) -> Rule:
    """The rule in ``value`` (any case, optional "RRULE:" prefix), or ValidationError."""
    if not isinstance(value, str):
        raise refuse(NOT_UNDERSTOOD)
    text = value.strip().upper()
    if len(text) > RECURRENCE_MAX_LENGTH:
        raise refuse(TOO_LONG)
    if "DTSTART" in text:
        raise refuse(NO_DTSTART)
    text = text.removeprefix("RRULE:")
    parts = _split_parts(text)
    rule = _build(parts)
    _check_possible(rule)
    return rule


def _split_parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    # Empty chunks ("FREQ=DAILY;") are harmless; tolerating them spares users a confusing refusal.
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        name, sep, raw = chunk.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):
            raise refuse(NOT_UNDERSTOOD)
        if name in _UNSUPPORTED:
            raise refuse(f"{name} is not supported; a repeat rule may use {SUPPORTED_PARTS}.")
        if name not in _PART_ORDER:
            raise refuse(f"{name} is not a repeat rule part; a repeat rule may use {SUPPORTED_PARTS}.")
        if name in parts:
            raise refuse(f"{name} is given twice.")
        parts[name] = raw.strip()
    return parts


def _build(parts: dict[str, str]) -> Rule:
    freq = parts.get("FREQ", "")
    if freq in _TOO_OFTEN:
        raise refuse(TOO_OFTEN)
    if freq not in FREQUENCIES:
        raise refuse(NEEDS_FREQ)
    if "COUNT" in parts and "UNTIL" in parts:
        raise refuse(COUNT_AND_UNTIL)
    interval = _whole_number(parts.get("INTERVAL", "1"), BAD_INTERVAL, low=1, high=MAX_INTERVAL)
    count = _whole_number(parts["COUNT"], BAD_COUNT, low=1) if "COUNT" in parts else None
    until = _until(parts["UNTIL"]) if "UNTIL" in parts else None
    by_month = _number_list(parts.get("BYMONTH"), BAD_BYMONTH, range(1, 13))
    by_month_day = _number_list(parts.get("BYMONTHDAY"), BAD_BYMONTHDAY, range(-31, 32), exclude=0)
    if by_month_day and freq == "WEEKLY":
        raise refuse(WEEKLY_BYMONTHDAY)
    by_day = _by_day(parts.get("BYDAY"), freq, in_month=freq == "MONTHLY" or bool(by_month))
    if freq == "DAILY" and by_day and interval % 7 == 0:
        raise refuse(DAILY_WEEKDAY_INTERVAL)
    wkst = None
    if "WKST" in parts:
        if parts["WKST"] not in WEEKDAY_CODES:
            raise refuse(BAD_WKST)
        wkst = WEEKDAY_CODES.index(parts["WKST"])
    return Rule(freq, interval, by_month, by_month_day, by_day, wkst, count, until)


def _whole_number(raw: str, message: str, *, low: int, high: int | None = None) -> int:
    if not re.fullmatch(r"\d{1,9}", raw):
        raise refuse(message)
    number = int(raw)
    if number < low or (high is not None and number > high):
        raise refuse(message)
    return number


def _number_list(
    raw: str | None, message: str, allowed: range, exclude: int | None = None
) -> tuple[int, ...]:
    if raw is None:
        return ()
    numbers = set()
    for item in raw.split(","):
        if not re.fullmatch(r"[+-]?\d{1,2}", item.strip()):
            raise refuse(message)
        number = int(item)
        if number not in allowed or number == exclude:
            raise refuse(message)
        numbers.add(number)
    # Positive days first, then the counted-from-the-end ones in calendar order (-3, -2, -1).
    return tuple(sorted(numbers, key=lambda n: (n < 0, n)))


def _by_day(raw: str | None, freq: str, *, in_month: bool) -> tuple[tuple[int, int], ...]:
    if raw is None:
        return ()
    items = set()
    for item in raw.split(","):
        match = _BYDAY_ITEM.fullmatch(item.strip())
        if not match:
            raise refuse(BAD_BYDAY)
        sign, digits, code = match.groups()
        ordinal = int(digits) * (-1 if sign == "-" else 1) if digits else 0
        if digits and int(digits) == 0:
            raise refuse(BAD_BYDAY)
        if ordinal and freq not in ("MONTHLY", "YEARLY"):
            raise refuse(NUMBERED_DAY_FREQ)
        if abs(ordinal) > (5 if in_month else 53):
            raise refuse(NUMBERED_DAY_IN_MONTH if in_month else NUMBERED_DAY_IN_YEAR)
        items.add((WEEKDAY_CODES.index(code), ordinal))
    return tuple(sorted(items))


def _until(raw: str) -> date | datetime:
    try:
        if re.fullmatch(r"\d{8}", raw):
            return datetime.strptime(raw, "%Y%m%d").date()
        if re.fullmatch(r"\d{8}T\d{6}Z", raw):
            return datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:  # a well-shaped but impossible date, like 20270231
        pass
    raise refuse(BAD_UNTIL)


def _until_text(until: date | datetime | None) -> str:
    if until is None:
        return ""
    if isinstance(until, datetime):
        return until.strftime("%Y%m%dT%H%M%SZ")
    return until.strftime("%Y%m%d")


def _check_possible(rule: Rule) -> None:
    # The common impossible rules (30 February, 31 April) get a message naming the cause; rarer
    # ones (BYMONTHDAY=1 with BYDAY=5MO) are found by searching a whole calendar cycle.
    months = rule.by_month or range(1, 13)
    if rule.by_month_day and not any(
        abs(day) <= _LONGEST_MONTH[month - 1] for month in months for day in rule.by_month_day
    ):
        raise refuse(NO_SUCH_DAY)
    if first_after(rule, datetime(_CHECK_YEAR, 1, 1), interval=1, inclusive=True) is None:
        raise refuse(NEVER)


def first_after(
    rule: Rule, start: datetime, *, interval: int | None = None, inclusive: bool = False
) -> datetime | None:
    """The rule's first occurrence after the naive ``start`` (which also anchors INTERVAL and fills
    the day, weekday or month that the rule leaves open, as RFC 5545 does with DTSTART), or None
    when none comes within the search horizon. COUNT and UNTIL are the caller's business.
    """
    # dateutil scans until it yields a date or passes year 9999; UNTIL does not stop it, so a rule
    # that matches nothing (or nothing any more from this start) would scan for thousands of years.
    # Moving the start by whole 400-year cycles, over which the Gregorian calendar repeats exactly
    # (leap days and weekdays included), brings it near year 9999 and bounds that scan to between
    # _HORIZON_YEARS and _HORIZON_YEARS + 400 years; results are moved back by the same amount.
    shift = max(0, (MAXYEAR - _HORIZON_YEARS - start.year) // _CYCLE_YEARS) * _CYCLE_YEARS
    shifted = start.replace(year=start.year + shift)
    found = rrule(
        _DATEUTIL_FREQ[rule.freq],
        dtstart=shifted,
        interval=rule.interval if interval is None else interval,
        wkst=rule.wkst,
        bymonth=rule.by_month or None,
        bymonthday=rule.by_month_day or None,
        byweekday=[weekday(day, ordinal or None) for day, ordinal in rule.by_day] or None,
    ).after(shifted, inc=inclusive)
    return None if found is None else found.replace(year=found.year - shift)
