"""Query-string filters and orderings for the task list."""

import django_filters
from django import forms
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError

from taskmanager.tasks.models import Priority, Task
from taskmanager.tasks.selectors import today_utc

# Public ordering name -> model field; "priority" sorts by rank, not alphabet.
ORDERINGS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "due_date": "due_date",
    "priority": "priority_rank",
    "title": "title",
}


class StrictBooleanField(forms.Field):
    """``true`` or ``false``; anything else is an error.

    django-filter's own boolean filter reads an unknown value as "no filter",
    which would answer ``completed=maybe`` with every task.
    """

    VALUES = {"true": True, "false": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Use true or false.", code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class PriorityListFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    pass


class TaskFilter(django_filters.FilterSet):
    completed = StrictBooleanFilter()
    priority = PriorityListFilter(choices=Priority.choices, field_name="priority", lookup_expr="in")
    tag = django_filters.CharFilter(method="filter_tag")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gt")
    overdue = StrictBooleanFilter(method="filter_overdue")
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    ordering = django_filters.CharFilter(method="filter_ordering")

    class Meta:
        model = Task
        fields = []

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip().lower())

    def filter_overdue(self, queryset, name, value):
        overdue = Q(completed=False, due_date__lt=today_utc())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_ordering(self, queryset, name, value):
        fields = []
        for part in (p.strip() for p in value.split(",") if p.strip()):
            descending = part.startswith("-")
            field = ORDERINGS.get(part.lstrip("-"))
            if field is None:
                allowed = ", ".join(sorted(ORDERINGS))
                raise ValidationError(
                    {"ordering": [f"Unknown ordering {part!r}; use {allowed}, each optionally with '-'."]}
                )
            if field == "due_date":
                # Tasks without a due date go last in both directions.
                fields.append(F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True))
            else:
                fields.append(f"-{field}" if descending else field)
        # A unique tie-breaker keeps pages stable across requests.
        return queryset.order_by(*fields, "-created_at", "id") if fields else queryset
