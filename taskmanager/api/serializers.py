"""Input and output shapes of the API. Validation of meaning lives in the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from taskmanager.tasks.models import (
    DESCRIPTION_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_TASK_MAX,
    Priority,
)
from taskmanager.tasks.services import BulkAction, clean_title

# Fields a client may echo back from a GET; accepted and ignored on writes.
READ_ONLY_TASK_FIELDS = frozenset(
    {"id", "version", "created_at", "updated_at", "completed_at", "priority_rank"}
)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, naming them, instead of silently dropping them."""

    ignored_fields = frozenset()

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        unknown = set(data) - set(self.fields) - self.ignored_fields
        errors = {name: ["Unknown field."] for name in sorted(unknown)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class TaskInputSerializer(StrictSerializer):
    ignored_fields = READ_ONLY_TASK_FIELDS

    # Blank and over-long titles are the domain's rule (checked after trimming
    # in services.py), so the API and every other caller get the same message.
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False, required=False
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    completed = serializers.BooleanField(required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH),
        max_length=TAGS_PER_TASK_MAX,
        required=False,
    )

    def validate_title(self, value):
        try:
            return clean_title(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class TaskOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def to_representation(self, task):
        # Hand-built: the list endpoint renders up to 200 of these per request,
        # and per-field serializer dispatch was its largest cost.
        return {
            "id": str(task.id),
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "completed": task.completed,
            "completed_at": _iso(task.completed_at),
            "due_date": task.due_date.isoformat() if task.due_date else None,
            "tags": sorted(tag.name for tag in task.tags.all()),
            "created_at": _iso(task.created_at),
            "updated_at": _iso(task.updated_at),
            "version": task.version,
        }


class TaskRowOutputSerializer(TaskOutputSerializer):
    """The same output from a row of ``selectors.task_rows`` (a dict with ``tags``)."""

    def to_representation(self, row):
        return {
            "id": str(row["id"]),
            "title": row["title"],
            "description": row["description"],
            "priority": row["priority"],
            "completed": row["completed"],
            "completed_at": _iso(row["completed_at"]),
            "due_date": row["due_date"].isoformat() if row["due_date"] else None,
            "tags": row["tags"],
            "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"]),
            "version": row["version"],
        }


def _iso(moment):
    # Stored and returned in UTC, written as DRF writes every other time in the
    # API (user and token fields): ISO 8601 with "Z" for the UTC offset.
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class BulkInputSerializer(StrictSerializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)
    action = serializers.ChoiceField(choices=BulkAction.ALL)


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


class TagOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    task_count = serializers.IntegerField()


class TokenInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class RegisterInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    # Shape only: the format and the length are the email column's rules,
    # checked in accounts.services.user_register, the one place that knows them.
    email = serializers.CharField(required=False, allow_blank=True)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
