"""Which tasks a list or a count covers, and in what order: the domain's rules for
choosing tasks (overdue, priority by rank, undated last, a stable tie-breaker),
shared by the list, the stats and the tag counts. The selectors apply it.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.db.models.functions import Coalesce, TruncDate
from django_filters.fields import BaseCSVField
from drf_spectacular.utils import extend_schema_field

from taskmanager.domain.patterns import CANONICAL_UUID, ISO_DATE, NUL_FREE, trimmed_text_pattern
from taskmanager.tasks.models import Priority, Task
from taskmanager.tasks.rules import (
    clock_for,
    due_after_condition,
    due_before_condition,
    due_today_condition,
    overdue_condition,
)

SEARCH_MAX_LENGTH = 200

# Public ordering name -> model field; "priority" sorts by rank, not alphabet.
ORDERINGS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "due_date": "due_date",
    "priority": "priority_rank",
    "title": "title",
    "position": "position",
}
_ORDERING_NAME = "-?(?:" + "|".join(sorted(ORDERINGS)) + ")"
# Comma-separated names, each optionally with "-"; empty means the default order.
ORDERING_PATTERN = f"^(?:{_ORDERING_NAME}(?:,{_ORDERING_NAME})*)?$"


class StrictBooleanField(forms.Field):
    """``true`` or ``false``; anything else, an empty value included, is an error.

    django-filter's own boolean filter reads an unknown value as "no filter",
    which would answer ``completed=maybe`` with every task.
    """

    VALUES = {"true": True, "false": False}

    def to_python(self, value):
        if value is None:  # not given
            return None
        try:
            return self.VALUES[value]
        except KeyError:
            raise forms.ValidationError("Use true or false.", code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IsoDateField(forms.DateField):
    """A date as YYYY-MM-DD, as everywhere else in the API (Django's would also read 10/25/2030)."""

    def to_python(self, value):
        if value is None:  # not given
            return None
        if not ISO_DATE.fullmatch(value):
            raise forms.ValidationError("Enter a date as YYYY-MM-DD.", code="invalid")
        return super().to_python(value)


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


class CanonicalUUIDField(forms.UUIDField):
    """A UUID in its usual hyphenated form, as the schema states it; an empty value is an error."""

    def to_python(self, value):
        if value is None:  # not given
            return None
        if not CANONICAL_UUID.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class CanonicalUUIDFilter(django_filters.UUIDFilter):
    field_class = CanonicalUUIDField


class NonEmptyCSVField(BaseCSVField):
    """A comma-separated list with no empty entry ("priority=" and "high," are errors, not "no filter")."""

    def clean(self, value):
        if value is not None and (not value or "" in value):
            raise forms.ValidationError("List one or more values, comma-separated.", code="invalid")
        return super().clean(value)


class PriorityListFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    base_field_class = NonEmptyCSVField


ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"
PARENT_NONE = "none"
PARENT_ANY = "any"


class ParentField(forms.CharField):
    """``none`` (top-level tasks), ``any`` (every task) or a task's id (its subtasks)."""

    def to_python(self, value):
        if value in (None, PARENT_NONE, PARENT_ANY):
            return value
        if not CANONICAL_UUID.fullmatch(value):
            raise forms.ValidationError("Use none, any or the id of a task.", code="invalid")
        return value


class ParentFilter(django_filters.Filter):
    field_class = ParentField


class TaskFilter(django_filters.FilterSet):
    """Takes the acting user as ``actor`` (for ``assignee=me``, and whose "today" the due filters
    mean, unless ``clock`` says)."""

    project = CanonicalUUIDFilter(field_name="project_id")
    assignee = extend_schema_field(
        {
            "type": "string",
            "pattern": NUL_FREE,
            "description": "A member's username, 'me' or 'none' (unassigned).",
        }
    )(django_filters.CharFilter(method="filter_assignee"))
    completed = StrictBooleanFilter()
    priority = PriorityListFilter(choices=Priority.choices, field_name="priority", lookup_expr="in")
    tag = extend_schema_field({"type": "string", "pattern": NUL_FREE})(
        django_filters.CharFilter(method="filter_tag")
    )
    parent = extend_schema_field(
        {
            "type": "string",
            "pattern": f"^(?:{PARENT_NONE}|{PARENT_ANY}|{CANONICAL_UUID.pattern})$",
            "description": "none: top-level tasks (the list's default); any: every task; a task's id: "
            "its subtasks.",
        }
    )(ParentFilter(method="filter_parent"))
    # Dates in the caller's time zone; a task due at an instant counts on its local date.
    due_before = IsoDateFilter(method="filter_due_before")
    due_after = IsoDateFilter(method="filter_due_after")
    due_today = StrictBooleanFilter(method="filter_due_today")
    overdue = StrictBooleanFilter(method="filter_overdue")
    # The form field trims before it checks the length.
    search = extend_schema_field(
        {"type": "string", "pattern": trimmed_text_pattern(SEARCH_MAX_LENGTH, allow_blank=True)}
    )(django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH))
    ordering = extend_schema_field(
        {
            "type": "string",
            "pattern": ORDERING_PATTERN,
            "description": f"Comma-separated, each optionally with '-': {', '.join(sorted(ORDERINGS))}.",
        }
    )(
        django_filters.CharFilter(
            method="filter_ordering",
            validators=[
                RegexValidator(
                    ORDERING_PATTERN,
                    f"Unknown ordering; use {', '.join(sorted(ORDERINGS))}, comma-separated, "
                    "each optionally with '-'.",
                )
            ],
        )
    )

    class Meta:
        model = Task
        fields = []

    def __init__(self, data=None, queryset=None, *, actor=None, clock=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.actor = actor
        self.clock = clock or clock_for(actor)

    def filter_assignee(self, queryset, name, value):
        value = value.strip()
        if value == ASSIGNEE_ME:
            return queryset.filter(assignee=self.actor)
        if value == ASSIGNEE_NONE:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username__iexact=value)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip().lower())

    def filter_parent(self, queryset, name, value):
        if value == PARENT_ANY:
            return queryset
        if value == PARENT_NONE:
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=value)

    def filter_due_before(self, queryset, name, value):
        return queryset.filter(due_before_condition(self.clock, value))

    def filter_due_after(self, queryset, name, value):
        return queryset.filter(due_after_condition(self.clock, value))

    def filter_due_today(self, queryset, name, value):
        due_today = due_today_condition(self.clock)
        return queryset.filter(due_today) if value else queryset.exclude(due_today)

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_condition(self.clock)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_ordering(self, queryset, name, value):
        fields = []
        for part in value.split(","):
            descending = part.startswith("-")
            field = ORDERINGS[part.removeprefix("-")]
            if field == "due_date":
                # By local due day, all-day tasks before timed ones on the same day;
                # tasks without a due go last in both directions.
                day = Coalesce("due_date", TruncDate("due_at", tzinfo=self.clock.zone))
                if descending:
                    fields += [day.desc(nulls_last=True), F("due_at").desc(nulls_last=True)]
                else:
                    fields += [day.asc(nulls_last=True), F("due_at").asc(nulls_first=True)]
            else:
                fields.append(f"-{field}" if descending else field)
        # A unique tie-breaker keeps pages stable across requests.
        return queryset.order_by(*fields, "-created_at", "id") if fields else queryset


def tasks_filter(queryset, filters, *, actor, ordering: bool = True, clock=None):
    """``queryset`` narrowed (and, with ``ordering``, ordered) by the query ``filters``.

    Raises ValidationError naming each bad parameter.
    """
    data = filters if ordering or filters is None else {k: v for k, v in filters.items() if k != "ordering"}
    filterset = TaskFilter(data or {}, queryset, actor=actor, clock=clock)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs
