"""A user's preferences: their time zone and which emails they want.

The one place that reads and writes them.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone

from taskmanager.accounts.models import TIME_ZONE_MAX_LENGTH, Preferences
from taskmanager.domain import cleaning
from taskmanager.domain.transactions import write_transaction

DEFAULT_TIME_ZONE = "UTC"
UTC = ZoneInfo(DEFAULT_TIME_ZONE)
# Read once: the zone database does not change while the process runs.
TIME_ZONE_NAMES = frozenset(available_timezones())


def preferences_of(user) -> dict:
    """What the API shows; no query when the user was loaded with its preferences (select_related)."""
    stored = _stored(user)
    return {
        "time_zone": (stored and stored.time_zone) or DEFAULT_TIME_ZONE,
        "time_zone_chosen": bool(stored and stored.time_zone),
        "email_reminders": stored.email_reminders if stored else True,
    }


def user_time_zone(user) -> ZoneInfo:
    """The zone in which "today" and local times are judged for ``user`` (UTC for nobody)."""
    stored = _stored(user) if user is not None else None
    if stored is None or not stored.time_zone:
        return UTC
    return ZoneInfo(stored.time_zone)


def user_wants_reminders(user) -> bool:
    stored = _stored(user)
    return stored.email_reminders if stored else True


def local_now(user) -> datetime:
    return timezone.now().astimezone(user_time_zone(user))


@write_transaction
def preferences_update(*, user, **changes) -> dict:
    """Set some of ``time_zone`` and ``email_reminders``; raises ValidationError naming each bad field."""
    unknown = set(changes) - set(_CLEANERS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    fields = preferences_clean(changes)
    stored, _created = Preferences.objects.select_for_update().get_or_create(user=user)
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.save()
    user.preferences = stored
    if "time_zone" in fields:
        _reminders_of_recipient_reschedule(user)
    return preferences_of(user)


def _reminders_of_recipient_reschedule(user) -> None:
    """An all-day due's reminders fire at 09:00 where their recipient lives, who just moved."""
    # Imported here: the reminders read this module's answers.
    from django.db.models import Q

    from taskmanager.reminders.models import Reminder
    from taskmanager.reminders.services import reminders_reschedule

    recipient_of = Q(task__assignee=user) | Q(task__assignee__isnull=True, task__created_by=user)
    task_ids = Reminder.objects.filter(recipient_of, sent_at__isnull=True).values_list("task_id", flat=True)
    reminders_reschedule(sorted(set(task_ids), key=str))


def preferences_clean(fields: dict) -> dict:
    return cleaning.fields_clean(fields, _CLEANERS)


def clean_time_zone(value) -> str:
    if not isinstance(value, str) or value.strip() not in TIME_ZONE_NAMES:
        raise ValidationError(
            "Time zone must be an IANA time zone name, such as Europe/Berlin or America/New_York."
        )
    value = value.strip()
    if len(value) > TIME_ZONE_MAX_LENGTH:  # no IANA name is this long; the column's bound, stated
        raise ValidationError(f"Time zone must be at most {TIME_ZONE_MAX_LENGTH} characters.")
    return value


_CLEANERS = {
    "time_zone": clean_time_zone,
    "email_reminders": lambda value: cleaning.boolean(value, label="Email reminders"),
}


def _stored(user) -> Preferences | None:
    try:
        return user.preferences
    except (ObjectDoesNotExist, AttributeError):
        return None
