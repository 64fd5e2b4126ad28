"""Input and output shapes of the reminder endpoints. The rules on values are reminders.services'."""

from rest_framework import serializers

from taskmanager.api.serializers import StrictSerializer
from taskmanager.reminders.models import BEFORE_MINUTES_MAX
from taskmanager.reminders.services import reminder_values_clean


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time as a string (UTC when it names no offset); numbers are refused."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+hh:mm|Z]")
        return super().to_internal_value(value)


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number; "5", 5.0 and true are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReminderInputSerializer(StrictSerializer):
    """Exactly one of the two fields (the domain says so, with its messages)."""

    domain_rules = staticmethod(reminder_values_clean)

    remind_at = StrictDateTimeField(
        required=False, allow_null=True, help_text="When to remind (in the future); UTC without an offset."
    )
    before_minutes = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=BEFORE_MINUTES_MAX,
        help_text="Minutes before the task's due (an all-day due counts from 09:00 in the recipient's zone).",
    )


class ReminderOutputSerializer(serializers.Serializer):
    """A row of ``reminders.selectors``."""

    id = serializers.UUIDField()
    task = serializers.UUIDField(source="task_id")
    remind_at = serializers.DateTimeField(allow_null=True)
    before_minutes = serializers.IntegerField(allow_null=True)
    fire_at = serializers.DateTimeField(
        allow_null=True, help_text="When it fires; null for a before-due reminder of a task without a due."
    )
    sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
