import re

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
from taskmanager.tasks.models import Priority, Task, task_etag, task_version_from_etag
from taskmanager.tasks.transactions import write_transaction

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="ETag from a previous read; 412 if stale or weak (W/...), as If-Match compares strongly.",
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
        if _if_none_match_includes(request, etag):
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
        _call_or_404(
            services.task_delete,
            owner=request.user,
            task_id=pk,
            expected_versions=_if_match_versions(request, pk),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:
            # PUT replaces the task: what the body leaves out goes back to its default.
            changes = {**_PUT_DEFAULTS, **changes}
        expected_versions = _if_match_versions(request, pk)

        # The answer is read under the update's row lock, so it shows this
        # request's write, not a concurrent one committed just after it; the
        # write and the read are started over together if concurrency aborts them.
        @write_transaction
        def update_and_read():
            services.task_update(
                owner=request.user, task_id=pk, changes=changes, expected_versions=expected_versions
            )
            return selectors.task_row(owner=request.user, task_id=pk)

        return _task_response(_call_or_404(update_and_read))


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


# One entity-tag of an If-Match or If-None-Match list: an optional weak marker and a quoted value.
_ENTITY_TAG = re.compile(r'(W/)?("[^"]*")')


def _if_match_versions(request, task_id) -> frozenset[int] | None:
    """The versions of the task that If-Match accepts, or None when it sets no condition.

    If-Match compares strongly (RFC 9110, 13.1.1): a weak tag matches nothing,
    nor does a tag of another task or one this API never issued.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = (task_version_from_etag(task_id, tag) for weak, tag in _ENTITY_TAG.findall(header) if not weak)
    return frozenset(version for version in versions if version is not None)


def _if_none_match_includes(request, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110, 13.1.2): W/"x" and "x" are the same tag."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    return header.strip() == "*" or etag in {tag for _weak, tag in _ENTITY_TAG.findall(header)}


def _task_response(task: dict, status_code=status.HTTP_200_OK) -> Response:
    """One task, from a ``selectors.task_row`` row, with its ETag."""
    response = Response(TaskRowOutputSerializer(task).data, status=status_code)
    response["ETag"] = task_etag(task["id"], task["version"])
    patch_vary_headers(response, ["Authorization"])
    return response
