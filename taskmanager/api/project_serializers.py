"""Input and output shapes of projects and their members. The rules live in projects.services."""

from rest_framework import serializers

from taskmanager.api.fields import StrictBooleanField, StrictCharField, choice_field
from taskmanager.api.serializers import StrictSerializer, bounded_text_pattern, iso_time
from taskmanager.domain.patterns import trimmed_text_pattern
from taskmanager.projects.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Color, Role
from taskmanager.projects.services import project_fields_clean

READ_ONLY_PROJECT_FIELDS = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "is_inbox",
        "role",
        "permissions",
        "task_count",
        "open_task_count",
    }
)


class ProjectInputSerializer(StrictSerializer):
    ignored_fields = READ_ONLY_PROJECT_FIELDS
    domain_rules = staticmethod(project_fields_clean)

    name = StrictCharField(
        allow_blank=True, trim_whitespace=False, schema_pattern=trimmed_text_pattern(NAME_MAX_LENGTH)
    )
    description = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        schema_pattern=bounded_text_pattern(DESCRIPTION_MAX_LENGTH),
    )
    color = choice_field(Color.values, required=False)
    archived = StrictBooleanField(required=False)


class PermissionsSerializer(serializers.Serializer):
    """What the caller may do in the project now (their role, and the project's state)."""

    change_tasks = serializers.BooleanField()
    change_project = serializers.BooleanField()
    rename_or_archive = serializers.BooleanField()
    delete_project = serializers.BooleanField()
    manage_members = serializers.BooleanField()
    leave = serializers.BooleanField()


class ProjectOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    color = serializers.ChoiceField(choices=Color.choices)
    archived = serializers.BooleanField()
    is_inbox = serializers.BooleanField(
        help_text="The caller's own Inbox: cannot be renamed, archived, shared or deleted."
    )
    # The values alone, as the input fields list them, so the schema has one role enum for both directions.
    role = serializers.ChoiceField(choices=Role.values, help_text="The caller's role in the project.")
    permissions = PermissionsSerializer()
    task_count = serializers.IntegerField()
    open_task_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def to_representation(self, row):
        return {
            "id": str(row["id"]),
            "name": row["name"],
            "description": row["description"],
            "color": row["color"],
            "archived": row["archived"],
            "is_inbox": row["is_inbox"],
            "role": row["role"],
            "permissions": row["permissions"],
            "task_count": row["task_count"],
            "open_task_count": row["open_task_count"],
            "created_at": iso_time(row["created_at"]),
            "updated_at": iso_time(row["updated_at"]),
            "version": row["version"],
        }


class ProjectDeleteOutputSerializer(serializers.Serializer):
    deleted_tasks = serializers.IntegerField()


class MemberInputSerializer(StrictSerializer):
    username = StrictCharField(trim_whitespace=False)
    role = choice_field(Role.values)


class MemberRoleInputSerializer(StrictSerializer):
    ignored_fields = frozenset({"username", "joined_at"})
    role = choice_field(Role.values)


class MemberOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.values)  # values alone: see ProjectOutputSerializer
    joined_at = serializers.DateTimeField()

    def to_representation(self, row):
        return {"username": row["username"], "role": row["role"], "joined_at": iso_time(row["joined_at"])}
