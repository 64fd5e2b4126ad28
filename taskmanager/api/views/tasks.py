"""Task endpoints: HTTP around the task domain (tasks.services and tasks.selectors)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.api import facets
from taskmanager.api.etags import (
    etag,
    if_match_versions,
    if_none_match_includes,
    versioned_response,
    with_etag,
)
from taskmanager.api.serializers import (
    BulkInputSerializer,
    BulkOutputSerializer,
    ClearCompletedInputSerializer,
    ClearCompletedOutputSerializer,
    StatsOutputSerializer,
    TagOutputSerializer,
    TaskInputSerializer,
    TaskOutputSerializer,
)
from taskmanager.api.views.refusals import PROJECT_IN_BODY_REFUSALS, PROJECT_REFUSALS
from taskmanager.tasks import selectors, services
from taskmanager.tasks.filters import TaskFilter
from taskmanager.tasks.models import Task

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="ETag from a previous read; 412 if stale or weak (W/...), as If-Match compares strongly.",
)


class _TaskFilterSchema:
    """Lets the schema describe the list's query parameters from the domain's FilterSet
    (the selectors apply it; the view does not filter)."""

    filterset_class = TaskFilter

    def get_queryset(self):
        return Task.objects.none()


class TaskListView(_TaskFilterSchema, GenericAPIView):
    serializer_class = TaskOutputSerializer

    def get_serializer_class(self):
        # OPTIONS describes the POST body from this; it is the input shape, not the output.
        return TaskInputSerializer if self.request.method == "POST" else TaskOutputSerializer

    @extend_schema(responses={200: TaskOutputSerializer(many=True)}, parameters=facets.PARAMETERS)
    def get(self, request):
        counted = facets.facets_for(request)
        rows = selectors.task_rows(actor=request.user, filters=request.query_params)
        page = selectors.with_tag_names(self.paginate_queryset(rows), actor=request.user)
        response = self.get_paginated_response(TaskOutputSerializer(page, many=True).data)
        if counted is not None:
            response.data["facets"] = counted
        return response

    @extend_schema(
        request=TaskInputSerializer, responses={201: TaskOutputSerializer, **PROJECT_IN_BODY_REFUSALS}
    )
    def post(self, request):
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(actor=request.user, **serializer.validated_data)
        location = reverse("api:task-detail", args=[task["id"]])
        return versioned_response(
            TaskOutputSerializer, task, status=status.HTTP_201_CREATED, location=location
        )


class TaskDetailView(APIView):
    serializer_class = TaskOutputSerializer

    @extend_schema(responses={200: TaskOutputSerializer, 304: None})
    def get(self, request, pk):
        task = selectors.task_row(actor=request.user, task_id=pk)
        if if_none_match_includes(request, etag(task["id"], task["version"])):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), task["id"], task["version"])
        return versioned_response(TaskOutputSerializer, task)

    @extend_schema(
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer, **PROJECT_REFUSALS},
        parameters=[IF_MATCH],
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer, **PROJECT_REFUSALS},
        parameters=[IF_MATCH],
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None, **PROJECT_REFUSALS}, parameters=[IF_MATCH])
    def delete(self, request, pk):
        services.task_delete(actor=request.user, task_id=pk, expected_versions=if_match_versions(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:
            # PUT replaces the task: what the body leaves out goes back to its default.
            changes = {**services.REPLACEMENT_DEFAULTS, **changes}
        task = services.task_update(
            actor=request.user, task_id=pk, changes=changes, expected_versions=if_match_versions(request, pk)
        )
        return versioned_response(TaskOutputSerializer, task)


class TaskUndoCompletionView(APIView):
    @extend_schema(
        request=None,
        responses={200: TaskOutputSerializer, **PROJECT_REFUSALS},
        parameters=[IF_MATCH],
        summary="Undo the completion of a repeating task",
        description="Puts back the due of the occurrence just completed (409 if the task changed since).",
    )
    def post(self, request, pk):
        task = services.task_completion_undo(
            actor=request.user, task_id=pk, expected_versions=if_match_versions(request, pk)
        )
        return versioned_response(TaskOutputSerializer, task)


class TaskBulkView(APIView):
    @extend_schema(request=BulkInputSerializer, responses={200: BulkOutputSerializer})
    def post(self, request):
        serializer = BulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        affected = services.task_bulk_apply(actor=request.user, **serializer.validated_data)
        return Response({"action": serializer.validated_data["action"], "affected": affected})


class TaskClearCompletedView(APIView):
    @extend_schema(
        request=ClearCompletedInputSerializer,
        responses={200: ClearCompletedOutputSerializer, **PROJECT_IN_BODY_REFUSALS},
    )
    def post(self, request):
        # No body reads as an empty object; a JSON null, list or number is refused.
        serializer = ClearCompletedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {"deleted": services.task_clear_completed(actor=request.user, **serializer.validated_data)}
        )


class TaskStatsView(_TaskFilterSchema, APIView):
    @extend_schema(responses={200: StatsOutputSerializer})
    def get(self, request):
        return Response(selectors.task_stats(actor=request.user, filters=request.query_params))


class TagListView(_TaskFilterSchema, APIView):
    @extend_schema(responses={200: TagOutputSerializer(many=True)})
    def get(self, request):
        tags = selectors.tag_list(actor=request.user, filters=request.query_params)
        return Response(TagOutputSerializer(tags, many=True).data)
