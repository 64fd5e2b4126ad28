"""Input serializers' fields: copies of per-class prototypes, each bound to its own serializer."""

import pytest
from rest_framework import serializers

from taskmanager.api.serializers import StrictSerializer, TaskInputSerializer


def test_each_serializer_has_its_own_bound_fields():
    first, second = TaskInputSerializer(data={}), TaskInputSerializer(data={})
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field.parent is first and other.parent is second
        assert field.field_name == name == other.field_name


def test_a_list_fields_child_keeps_its_rules_in_every_copy():
    for _ in range(2):
        serializer = TaskInputSerializer(data={"title": "t", "tags": ["ok", None, 7]}, partial=True)
        assert not serializer.is_valid()
        assert set(serializer.errors["tags"]) == {1, 2}


def test_errors_and_values_do_not_leak_between_instances():
    bad = TaskInputSerializer(data={"title": 5, "priority": "nope"})
    assert not bad.is_valid()
    good = TaskInputSerializer(data={"title": "Fine", "priority": "high", "tags": ["a"]})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"title": "Fine", "priority": "high", "tags": ["a"]}
    assert set(bad.errors) >= {"title", "priority"}


def test_a_nested_serializer_field_is_refused():
    class Inner(serializers.Serializer):
        name = serializers.CharField()

    class Outer(StrictSerializer):
        inner = Inner()

    with pytest.raises(TypeError, match="cannot be serializers"):
        Outer(data={}).is_valid()
