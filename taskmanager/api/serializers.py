"""Input and output shapes of the API. Validation of meaning lives in the services."""

import copy
import functools
import re

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from taskmanager.accounts.preferences import TIME_ZONE_NAMES, preferences_clean, preferences_of
from taskmanager.api.fields import (
    BoundedListField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictDateTimeField,
    StrictIntegerField,
    StrictUUIDField,
    choice_field,
)
from taskmanager.domain.patterns import NOT_NUL, SPACE, char_class, trimmed_text_pattern
from taskmanager.tasks.fields import TOO_MANY_TAGS, task_fields_clean
from taskmanager.tasks.models import (
    DESCRIPTION_MAX_LENGTH,
    RECURRENCE_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_TASK_MAX,
    TITLE_MAX_LENGTH,
    Priority,
    RecurFrom,
)
from taskmanager.tasks.services import BulkAction

# Fields a client may echo back from a GET; accepted and ignored on writes.
READ_ONLY_TASK_FIELDS = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "completed_at",
        "priority_rank",
        "created_by",
        "overdue",
        "due_today",
        "recurrence_text",
        "subtask_count",
        "subtask_done_count",
    }
)
BULK_IDS_MAX = 500

_User = get_user_model()
USERNAME_MAX_LENGTH = _User._meta.get_field("username").max_length
PASSWORD_MAX_LENGTH = 256

# The schema's statement of rules the services enforce (tasks.services,
# accounts.services), so clients can check before they send. Title: trimmed,
# then 1 to TITLE_MAX_LENGTH characters. Tag: trimmed and lowercased, then a
# letter or digit followed by letters, digits, "-" or "_". Username at
# sign-up: Django's rule, letters of any script, digits and @.+-_; of ASCII
# the pattern admits exactly those, of the rest it admits all (a JSON Schema
# pattern cannot name "a letter of any script") and the server refuses the
# symbols among them.
TITLE_PATTERN = trimmed_text_pattern(TITLE_MAX_LENGTH)
TAG_PATTERN = f"^{SPACE}*[A-Za-z0-9][A-Za-z0-9_-]{{0,{TAG_MAX_LENGTH - 1}}}{SPACE}*$"
_USERNAME_CHARACTER = char_class(
    [code for code in range(128) if not re.fullmatch(r"[\w.@+-]", chr(code))], negate=True
)
USERNAME_PATTERN = f"^{SPACE}*{_USERNAME_CHARACTER}{{1,{USERNAME_MAX_LENGTH}}}{SPACE}*$"
# The configured password validators' minimum length (their other rules, such
# as "not a common password", cannot be stated in a pattern).
PASSWORD_MIN_LENGTH = max(
    (
        validator.min_length
        for validator in password_validation.get_default_password_validators()
        if isinstance(validator, MinimumLengthValidator)
    ),
    default=1,
)
NEW_PASSWORD_PATTERN = f"^{NOT_NUL}{{{PASSWORD_MIN_LENGTH},}}$"


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, naming them, instead of silently dropping them.

    ``domain_rules``: the domain's field check (a function of a dict of
    fields raising Django's ValidationError). When the body's shape is wrong
    somewhere, the well-formed fields still go through it, so one answer
    names every bad field, with the domain's messages for its rules.
    """

    ignored_fields = frozenset()
    domain_rules = None

    def get_fields(self):
        # DRF deep-copies every declared field for each serializer instance, which
        # rebuilds each one through its __init__ (validators, messages, a list's
        # child): a fifth of a write's CPU. Copies of unbound prototypes, made once
        # per class, are the same fields; bind() then gives each copy its name and
        # this parent, as DRF does. The prototypes are never bound or changed.
        return {name: copy.copy(field) for name, field in _prototype_fields(type(self)).items()}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        unknown = set(data) - set(self.fields) - self.ignored_fields
        errors = {name: ["Unknown field."] for name in sorted(unknown)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            rule_errors = self._rule_errors(data, set(error.detail) | unknown)
            raise serializers.ValidationError({**rule_errors, **error.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError({**self._rule_errors(data, unknown), **errors})
        return value

    def _rule_errors(self, data, bad_shape) -> dict:
        if self.domain_rules is None:
            return {}
        well_formed = {}
        for name, field in self.fields.items():
            if name in data and name not in bad_shape and not field.read_only:
                try:
                    well_formed[name] = field.run_validation(data[name])
                except serializers.ValidationError:
                    continue
        try:
            self.domain_rules(well_formed)
        except DjangoValidationError as error:
            return error.message_dict
        return {}


@functools.cache
def _prototype_fields(serializer_class) -> dict:
    fields = copy.deepcopy(serializer_class._declared_fields)
    # A nested serializer keeps its bound fields on itself: a shallow copy would share them.
    if any(isinstance(field, serializers.BaseSerializer) for field in fields.values()):
        raise TypeError(f"{serializer_class.__name__}: StrictSerializer fields cannot be serializers")
    return fields


def bounded_text_pattern(max_length: int) -> str:
    return f"^{NOT_NUL}{{0,{max_length}}}$"


class TaskInputSerializer(StrictSerializer):
    """Shape only: every rule on the values (lengths, choices, tags, who may be
    assigned) is the domain's (tasks.services), with its one message each."""

    ignored_fields = READ_ONLY_TASK_FIELDS
    domain_rules = staticmethod(task_fields_clean)

    title = StrictCharField(allow_blank=True, trim_whitespace=False, schema_pattern=TITLE_PATTERN)
    description = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        schema_pattern=bounded_text_pattern(DESCRIPTION_MAX_LENGTH),
    )
    priority = choice_field(Priority.values, required=False)
    completed = StrictBooleanField(required=False)
    due_date = StrictDateField(allow_null=True, required=False, help_text="All day; null for none.")
    due_at = StrictDateTimeField(
        allow_null=True, required=False, help_text="An instant, with its offset; answered in UTC (Z)."
    )
    recurrence = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        schema_pattern=bounded_text_pattern(RECURRENCE_MAX_LENGTH),
        help_text="An RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=MO,TH; empty for a task that does not repeat.",
    )
    recur_from = choice_field(
        RecurFrom.values,
        required=False,
        help_text="due: the next due follows the schedule; completion: it counts from the day of completion.",
    )
    parent = StrictUUIDField(
        allow_null=True, required=False, help_text="A top-level task of the same project; null for none."
    )
    position = StrictIntegerField(
        required=False, help_text="Order among the parent's subtasks, lower first; new ones go last."
    )
    # Bounded before its items are read, so a long list of bad items gets one message, not one each.
    tags = BoundedListField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False, schema_pattern=TAG_PATTERN),
        max_length=TAGS_PER_TASK_MAX,
        error_messages={"max_length": TOO_MANY_TAGS},
        required=False,
    )
    project = StrictUUIDField(required=False, help_text="The project's id; the caller's Inbox when left out.")
    assignee = StrictCharField(
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        help_text="The username of a member of the task's project, or null for nobody.",
    )


class TaskOutputSerializer(serializers.Serializer):
    """A row of ``tasks.selectors`` (a dict with ``tags`` and ``overdue``)."""

    id = serializers.UUIDField()
    project = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(
        help_text="Open and past due: before today (all day) or before now, in the caller's time zone."
    )
    due_today = serializers.BooleanField(help_text="Due on the caller's today, in their time zone.")
    recurrence = serializers.CharField()
    recurrence_text = serializers.CharField(
        help_text="The rule in words; empty when the task does not repeat."
    )
    recur_from = serializers.ChoiceField(choices=RecurFrom.choices)
    parent = serializers.UUIDField(allow_null=True)
    position = serializers.IntegerField()
    subtask_count = serializers.IntegerField()
    subtask_done_count = serializers.IntegerField()
    tags = serializers.ListField(child=serializers.CharField())
    assignee = serializers.CharField(allow_null=True, help_text="Username, or null when unassigned.")
    created_by = serializers.CharField(allow_null=True, help_text="Username; null once that account is gone.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def to_representation(self, row):
        # Hand-built: the list endpoint renders up to 200 of these per request,
        # and per-field serializer dispatch was its largest cost.
        return {
            "id": str(row["id"]),
            "project": str(row["project_id"]),
            "title": row["title"],
            "description": row["description"],
            "priority": row["priority"],
            "completed": row["completed"],
            "completed_at": iso_time(row["completed_at"]),
            "due_date": row["due_date"].isoformat() if row["due_date"] else None,
            "due_at": iso_time(row["due_at"]),
            "overdue": row["overdue"],
            "due_today": row["due_today"],
            "recurrence": row["recurrence"],
            "recurrence_text": row["recurrence_text"],
            "recur_from": row["recur_from"],
            "parent": str(row["parent_id"]) if row["parent_id"] else None,
            "position": row["position"],
            "subtask_count": row["subtask_count"],
            "subtask_done_count": row["subtask_done_count"],
            "tags": row["tags"],
            "assignee": row["assignee_username"],
            "created_by": row["created_by_username"],
            "created_at": iso_time(row["created_at"]),
            "updated_at": iso_time(row["updated_at"]),
            "version": row["version"],
        }


def iso_time(moment):
    # Stored and returned in UTC, written as DRF writes every other time in the
    # API (user and token fields): ISO 8601 with "Z" for the UTC offset.
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class BulkInputSerializer(StrictSerializer):
    ids = BoundedListField(child=StrictUUIDField(), min_length=1, max_length=BULK_IDS_MAX)
    action = choice_field(BulkAction.ALL)


class ClearCompletedInputSerializer(StrictSerializer):
    project = StrictUUIDField(
        required=False, help_text="Only this project's; every project you edit when left out."
    )


class BulkOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    affected = serializers.IntegerField()


class ClearCompletedOutputSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class PriorityCountsSerializer(serializers.Serializer):
    high = serializers.IntegerField()
    medium = serializers.IntegerField()
    low = serializers.IntegerField()


class StatsOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_priority = PriorityCountsSerializer()
    completed_occurrences = serializers.IntegerField(
        help_text="Occurrences of repeating tasks completed before the task moved on to its next due."
    )


class TagOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    task_count = serializers.IntegerField()


class TokenInputSerializer(StrictSerializer):
    username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class RegisterInputSerializer(StrictSerializer):
    username = StrictCharField(max_length=USERNAME_MAX_LENGTH, schema_pattern=USERNAME_PATTERN)
    password = StrictCharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, schema_pattern=NEW_PASSWORD_PATTERN
    )
    # Shape only: the format and the length are the email column's rules,
    # checked in accounts.services.user_register, the one place that knows them.
    email = StrictCharField(required=False, allow_blank=True)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()


class MeOutputSerializer(UserOutputSerializer):
    """The caller, with their preferences (accounts.preferences)."""

    time_zone = serializers.CharField(help_text="IANA name; UTC until the user chooses one.")
    time_zone_chosen = serializers.BooleanField(help_text="Whether the user has chosen a time zone yet.")
    email_reminders = serializers.BooleanField(help_text="Whether reminders are sent by email.")

    def to_representation(self, user):
        return {**UserOutputSerializer(user).data, **preferences_of(user)}


class MeInputSerializer(StrictSerializer):
    """Shape only: which zone names exist is the domain's rule (accounts.preferences)."""

    ignored_fields = frozenset({"id", "username", "email", "is_staff", "date_joined", "time_zone_chosen"})
    domain_rules = staticmethod(preferences_clean)

    time_zone = choice_field(
        sorted(TIME_ZONE_NAMES), required=False, help_text="An IANA time zone name, such as Europe/Berlin."
    )
    email_reminders = StrictBooleanField(required=False)


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Input errors only: each offending field (or query parameter) with its messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer (see taskmanager.api.errors)."""

    error = ErrorDetailSerializer()
