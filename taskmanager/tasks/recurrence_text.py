"""A repeat rule in English words, for the task's detail view and lists.

Deterministic: the words depend on the rule alone (not on today, a locale or a time zone), so a
UTC UNTIL is shown in UTC. Numbered weekdays read "first" and "last", which is how people say
them, and 2nd, 3rd... otherwise, which stays readable up to the 53rd Monday of a year.
"""

from datetime import date, datetime

from taskmanager.tasks.recurrence_rule import Rule

_DAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS = tuple((day, 0) for day in range(5))
_ALL_DAYS = tuple((day, 0) for day in range(7))
# Our own names rather than the calendar module's, which follow the process's locale.
_MONTH_LONG = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_SHORT = tuple(name[:3] for name in _MONTH_LONG)
_UNIT = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


def describe(rule: Rule, *, after_completion: bool = False) -> str:
    text = _schedule(rule)
    if after_completion:
        text += " after completion"
    if rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    if isinstance(rule.until, datetime):
        text += f", until {_date(rule.until)} {rule.until:%H:%M} UTC"
    elif rule.until is not None:
        text += f", until {_date(rule.until)}"
    return text


def _schedule(rule: Rule) -> str:
    if rule.interval == 1 and rule.freq in ("DAILY", "WEEKLY") and not rule.by_month:
        if rule.by_day == _WEEKDAYS:
            return "Every weekday"
        if rule.by_day == _ALL_DAYS:
            return "Every day"
    unit = _UNIT[rule.freq]
    every = f"Every {unit}" if rule.interval == 1 else f"Every {rule.interval} {unit}s"
    if rule.freq == "YEARLY":
        return _yearly(rule, every)
    words = [every]
    if rule.by_month:
        words.append("in " + _join([_MONTH_LONG[m - 1] for m in rule.by_month]))
    if rule.freq in ("DAILY", "WEEKLY"):
        if rule.by_day:
            words.append("on " + _join([_DAY_SHORT[day] for day, _ in rule.by_day]))
        if rule.by_month_day:
            words.append("on " + _month_days(rule.by_month_day))
        return " ".join(words)
    return " ".join(filter(None, [*words, _days_of_period(rule)]))


def _yearly(rule: Rule, every: str) -> str:
    if len(rule.by_month) == 1 and len(rule.by_month_day) == 1 and not rule.by_day:
        day, month = rule.by_month_day[0], rule.by_month[0]
        if day > 0:
            return f"{every} on {day} {_MONTH_SHORT[month - 1]}"
    words = [every]
    if rule.by_month:
        words.append("in " + _join([_MONTH_LONG[m - 1] for m in rule.by_month]))
    days = _days_of_period(rule)
    if days and not rule.by_month and rule.by_month_day:
        days += " of every month"
    return " ".join(filter(None, [*words, days]))


def _days_of_period(rule: Rule) -> str:
    """The days within each month (or year) of a monthly or yearly rule, "" for the due's day."""
    numbered = [(day, n) for day, n in rule.by_day if n]
    plain = [day for day, n in rule.by_day if not n]
    weekday_words = [f"the {_ordinal(n, words=True)} {_DAY_LONG[day]}" for day, n in numbered]
    if rule.by_month_day and rule.by_day:
        # Both given: RFC 5545 keeps only the days matching both, like Friday the 13th.
        weekday_words += [f"a {_DAY_SHORT[day]}" for day in plain]
        return f"on {_month_days(rule.by_month_day)} when it is {_join(weekday_words, 'or')}"
    if plain:
        weekday_words.append("every " + _join([_DAY_SHORT[day] for day in plain]))
    if rule.by_month_day:
        return "on " + _month_days(rule.by_month_day)
    if weekday_words:
        return "on " + _join(weekday_words)
    return ""


def _month_days(days: tuple[int, ...]) -> str:
    return _join([f"the {_ordinal(day)}" + (" day" if day < 0 else "") for day in days])


def _ordinal(number: int, *, words: bool = False) -> str:
    if number == 1 and words:
        return "first"
    if number == -1:
        return "last"
    if number < 0:
        return f"{_ordinal(-number)} to last"
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _date(value: date) -> str:
    return f"{value.day} {_MONTH_SHORT[value.month - 1]} {value.year}"


def _join(items: list[str], conjunction: str = "and") -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
