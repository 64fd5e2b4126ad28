from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.api.filters import TaskFilter
from taskmanager.api.serializers import (
    BulkInputSerializer,
    BulkOutputSerializer,
    ClearCompletedOutputSerializer,
    StatsOutputSerializer,
    TagOutputSerializer,
    TaskInputSerializer,
    TaskOutputSerializer,
    TaskRowOutputSerializer,
)
from taskmanager.tasks import selectors, services
from taskmanager.tasks.models import Priority, Task, task_etag

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="ETag from a previous read; 412 if stale.",
)


class TaskListView(GenericAPIView):
    serializer_class = TaskOutputSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        return selectors.task_rows(owner=self.request.user)

    def get_serializer_class(self):
        # OPTIONS describes the POST body from this; it is the input shape, not the output.
        return TaskInputSerializer if self.request.method == "POST" else TaskOutputSerializer

    @extend_schema(responses={200: TaskOutputSerializer(many=True)})
    def get(self, request):
        page = selectors.with_tag_names(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(TaskRowOutputSerializer(page, many=True).data)

    @extend_schema(request=TaskInputSerializer, responses={201: TaskOutputSerializer})
    def post(self, request):
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(owner=request.user, **serializer.validated_data)
        response = _task_response(
            selectors.task_row(owner=request.user, task_id=task.id), status.HTTP_201_CREATED
        )
        response["Location"] = reverse("api:task-detail", args=[task.id])
        return response


class TaskDetailView(APIView):
    serializer_class = TaskOutputSerializer

    @extend_schema(responses={200: TaskOutputSerializer, 304: None})
    def get(self, request, pk):
        task = _call_or_404(selectors.task_row, owner=request.user, task_id=pk)
        etag = task_etag(task["id"], task["version"])
        if_none_match = request.headers.get("If-None-Match", "")
        if etag in {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
            patch_vary_headers(response, ["Authorization"])
            return response
        return _task_response(task)

    @extend_schema(request=TaskInputSerializer, responses={200: TaskOutputSerializer}, parameters=[IF_MATCH])
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(request=TaskInputSerializer, responses={200: TaskOutputSerializer}, parameters=[IF_MATCH])
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None}, parameters=[IF_MATCH])
    def delete(self, request, pk):
        _call_or_404(services.task_delete, owner=request.user, task_id=pk, expected_etag=_if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:
            # PUT replaces the task: what the body leaves out goes back to its default.
            changes = {**_PUT_DEFAULTS, **changes}
        # The answer is read under the update's row lock, so it shows this
        # request's write, not a concurrent one committed just after it.
        with transaction.atomic():
            _call_or_404(
                services.task_update,
                owner=request.user,
                task_id=pk,
                changes=changes,
                expected_etag=_if_match(request),
            )
            task = selectors.task_row(owner=request.user, task_id=pk)
        return _task_response(task)


_PUT_DEFAULTS = {
    "description": "",
    "priority": Priority.MEDIUM,
    "completed": False,
    "due_date": None,
    "tags": [],
}


class TaskBulkView(APIView):
    @extend_schema(request=BulkInputSerializer, responses={200: BulkOutputSerializer})
    def post(self, request):
        serializer = BulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        affected = services.task_bulk_apply(owner=request.user, **serializer.validated_data)
        return Response({"action": serializer.validated_data["action"], "affected": affected})


class TaskClearCompletedView(APIView):
    @extend_schema(request=None, responses={200: ClearCompletedOutputSerializer})
    def post(self, request):
        return Response({"deleted": services.task_clear_completed(owner=request.user)})


class TaskStatsView(APIView):
    @extend_schema(responses={200: StatsOutputSerializer})
    def get(self, request):
        return Response(selectors.task_stats(owner=request.user))


class TagListView(APIView):
    @extend_schema(responses={200: TagOutputSerializer(many=True)})
    def get(self, request):
        tags = selectors.tag_list(owner=request.user)
        return Response(TagOutputSerializer(tags, many=True).data)


def _call_or_404(function, **kwargs):
    try:
        return function(**kwargs)
    except Task.DoesNotExist:
        raise Http404 from None


def _if_match(request) -> str | None:
    return request.headers.get("If-Match")


def _task_response(task: dict, status_code=status.HTTP_200_OK) -> Response:
    """One task, from a ``selectors.task_row`` row, with its ETag."""
    response = Response(TaskRowOutputSerializer(task).data, status=status_code)
    response["ETag"] = task_etag(task["id"], task["version"])
    patch_vary_headers(response, ["Authorization"])
    return response
