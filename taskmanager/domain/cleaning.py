"""The shapes of a valid field value, with the one message for each refusal.

The services say which rule each field follows (a name of 1 to 100
characters, a colour of the palette); the API's serializers check only JSON
types, so these messages are the only ones a client ever sees for a rule.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError


def fields_clean(fields: dict, cleaners: dict[str, Callable]) -> dict:
    """Each field through its cleaner; raises one ValidationError naming every bad field."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        try:
            cleaned[name] = cleaners[name](value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def required_text(value, *, label: str, max_length: int) -> str:
    """1 to ``max_length`` characters once trimmed."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{label} must be text.")
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{label} must not be empty.")
    if len(text) > max_length:
        raise ValidationError(f"{label} must be at most {max_length} characters.")
    return text


def optional_text(value, *, label: str, max_length: int) -> str:
    """Up to ``max_length`` characters, kept as written (None is empty)."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{label} must be text.")
    text = value or ""
    if len(text) > max_length:
        raise ValidationError(f"{label} must be at most {max_length} characters.")
    return text


def choice(value, *, label: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise ValidationError(f"{label} must be one of: {', '.join(choices)}.")
    return value


def boolean(value, *, label: str) -> bool:
    # bool("false") is True, so only real booleans are accepted.
    if not isinstance(value, bool):
        raise ValidationError(f"{label} must be true or false.")
    return value
