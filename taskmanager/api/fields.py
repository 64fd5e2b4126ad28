"""Input fields that accept only their own JSON type, and say in the schema what they accept.

DRF's fields coerce: CharField reads 5 and 2.39e16 as text, BooleanField
reads "yes" and 1, UUIDField reads an integer, DateField reads "2024-1-1". A
client sending the wrong type has a bug that coercion would hide, so these
refuse it. They check shape only; what a valid title or tag is stays in the
services, and the schema states those rules through ``schema_pattern``.
"""

import re

from rest_framework import serializers

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def char_class(codes, *, negate: bool = False) -> str:
    """A regex character class of these code points (all below U+10000).

    Written with \\uXXXX escapes, which ECMA-262 (JSON Schema's dialect) and
    Python read alike; \\s and \\w differ between the two.
    """
    codes = sorted(set(codes))
    runs, start = [], None
    for index, code in enumerate(codes):
        start = code if start is None else start
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            runs.append(f"\\u{start:04X}" if start == code else f"\\u{start:04X}-\\u{code:04X}")
            start = None
    return f"[{'^' if negate else ''}{''.join(runs)}]"


# What str.strip(), and so DRF's trimming and the services', removes.
_SPACE_CODES = [code for code in range(0x10000) if chr(code).isspace()]
SPACE = char_class(_SPACE_CODES)
NOT_NUL = char_class([0], negate=True)
NOT_SPACE_OR_NUL = char_class([0, *_SPACE_CODES], negate=True)
NUL_FREE = f"^{NOT_NUL}*$"


def trimmed_text_pattern(max_length: int | None, *, allow_blank: bool = False) -> str:
    """Text of 1 (or, with ``allow_blank``, 0) to ``max_length`` (2 or more) characters once trimmed.

    The length is of the trimmed text, so the pattern states it: maxLength
    would count the spaces around it, which are accepted and dropped.
    """
    middle = f"{NOT_NUL}*" if max_length is None else f"{NOT_NUL}{{0,{max_length - 2}}}"
    kept = f"{NOT_SPACE_OR_NUL}(?:{middle}{NOT_SPACE_OR_NUL})?"
    if allow_blank:
        kept = f"(?:{kept})?"
    return f"^{SPACE}*{kept}{SPACE}*$"


class StrictCharField(serializers.CharField):
    """Text only: numbers, booleans, lists and objects are refused, not turned into text.

    ``schema_pattern`` states in the schema a rule the services enforce on the
    (trimmed) text; without it the schema states what this field itself checks.
    """

    def __init__(self, *, schema_pattern: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.schema_pattern = schema_pattern

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
            return {"pattern": pattern, "maxLength": None, "minLength": None}
        return {"pattern": self.schema_pattern or NUL_FREE, **({} if self.allow_blank else {"minLength": 1})}


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


class StrictUUIDField(serializers.UUIDField):
    """A UUID in its usual hyphenated form (DRF would also take an integer, braces or a URN)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _CANONICAL_UUID.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """A list whose length is checked before its items: an over-long list gets one error, not one per item."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
