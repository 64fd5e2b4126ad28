"""Input fields that accept only their own JSON type, and say in the schema what they accept.

DRF's fields coerce: CharField reads 5 and 2.39e16 as text, BooleanField
reads "yes" and 1, UUIDField reads an integer, DateField reads "2024-1-1". A
client sending the wrong type has a bug that coercion would hide, so these
refuse it. They check shape only; what a valid title or tag is stays in the
services, and the schema states those rules through ``schema_pattern``.
"""

from datetime import datetime

from rest_framework import serializers

from taskmanager.domain.patterns import (
    CANONICAL_UUID,
    ISO_DATE,
    ISO_DATE_TIME,
    NUL_FREE,
    trimmed_text_pattern,
)


class StrictCharField(serializers.CharField):
    """Text only: numbers, booleans, lists and objects are refused, not turned into text.

    ``schema_pattern`` states in the schema a rule the services enforce on the
    (trimmed) text; without it the schema states what this field itself checks.
    """

    def __init__(self, *, schema_pattern: str | None = None, schema_extra: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.schema_pattern = schema_pattern
        self.schema_extra = schema_extra or {}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)

    @property
    def schema_rules(self) -> dict:
        """Keywords for this field's schema; None removes a keyword DRF's validators would add."""
        if self.trim_whitespace:
            # DRF trims before it checks blank and length, so both apply to the trimmed text:
            # the pattern states them, and maxLength (counting the spaces) would be wrong.
            pattern = self.schema_pattern or trimmed_text_pattern(
                self.max_length, allow_blank=self.allow_blank
            )
            return {"pattern": pattern, "maxLength": None, "minLength": None, **self.schema_extra}
        return {
            "pattern": self.schema_pattern or NUL_FREE,
            **({} if self.allow_blank else {"minLength": 1}),
            **self.schema_extra,
        }


def choice_field(choices, **kwargs) -> StrictCharField:
    """Text that the domain checks against ``choices`` (with its own message); the schema lists them.

    Blank text is the domain's to refuse too, with that same message.
    """
    return StrictCharField(allow_blank=True, schema_extra={"enum": list(choices), "pattern": None}, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """true or false; "true", 1 and "yes" are refused."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices as a string (DRF would also match 3 to "3")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A date as YYYY-MM-DD (RFC 3339 full-date), nothing looser."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictDateTimeField(serializers.DateTimeField):
    """An RFC 3339 date-time with its offset ("Z" or +hh:mm); a time without one means no instant."""

    FORMAT = "YYYY-MM-DDThh:mm[:ss[.ffffff]] with Z or an offset such as +01:00"
    schema_rules = {"pattern": f"^{ISO_DATE_TIME.pattern}$"}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE_TIME.fullmatch(value):
            self.fail("invalid", format=self.FORMAT)
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # the right shape, but no such date or time (2026-02-30, 25:00)
            self.fail("invalid", format=self.FORMAT)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: "3", 3.0 and true are refused (DRF would read each as 3 or 1)."""

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictUUIDField(serializers.UUIDField):
    """A UUID in its usual hyphenated form (DRF would also take an integer, braces or a URN)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not CANONICAL_UUID.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """A list whose length is checked before its items: an over-long list gets one error, not one per item."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
