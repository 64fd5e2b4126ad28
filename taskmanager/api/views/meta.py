"""What clients (the UI role first) learn from the server instead of copying it:
whether sign-up is open, the vocabularies and the field limits."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.accounts.preferences import TIME_ZONE_NAMES
from taskmanager.api.pagination import TaskPagination
from taskmanager.api.serializers import BULK_IDS_MAX
from taskmanager.projects import models as projects
from taskmanager.tasks import models as tasks
from taskmanager.tasks.filters import ORDERINGS, SEARCH_MAX_LENGTH
from taskmanager.tasks.services import BulkAction


class MetaOutputSerializer(serializers.Serializer):
    signup_open = serializers.BooleanField()
    priorities = serializers.ListField(child=serializers.CharField())
    colors = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(child=serializers.CharField(), help_text="Highest first.")
    bulk_actions = serializers.ListField(child=serializers.CharField())
    orderings = serializers.ListField(child=serializers.CharField())
    recur_from = serializers.ListField(
        child=serializers.CharField(), help_text="What a repeating task's next date counts from."
    )
    time_zones = serializers.ListField(
        child=serializers.CharField(), help_text="The IANA names PATCH /me/ takes."
    )
    limits = serializers.DictField(child=serializers.IntegerField())


def server_facts() -> dict:
    return {
        "signup_open": settings.TASKMANAGER_ALLOW_SIGNUP,
        "priorities": list(tasks.Priority.values),
        "colors": list(projects.Color.values),
        "roles": list(projects.Role.values),
        "bulk_actions": list(BulkAction.ALL),
        "orderings": sorted(ORDERINGS),
        "recur_from": list(tasks.RecurFrom.values),
        "time_zones": sorted(TIME_ZONE_NAMES),
        "limits": {
            "task_title_max_length": tasks.TITLE_MAX_LENGTH,
            "task_description_max_length": tasks.DESCRIPTION_MAX_LENGTH,
            "tag_max_length": tasks.TAG_MAX_LENGTH,
            "tags_per_task_max": tasks.TAGS_PER_TASK_MAX,
            "project_name_max_length": projects.NAME_MAX_LENGTH,
            "project_description_max_length": projects.DESCRIPTION_MAX_LENGTH,
            "search_max_length": SEARCH_MAX_LENGTH,
            "bulk_ids_max": BULK_IDS_MAX,
            "page_size_default": TaskPagination.default_limit,
            "page_size_max": TaskPagination.max_limit,
        },
    }


class MetaView(APIView):
    """Server facts; no credentials needed (the sign-up page reads it)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: MetaOutputSerializer})
    def get(self, request):
        return Response(server_facts())
