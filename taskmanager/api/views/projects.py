"""Project and member endpoints: HTTP around projects.services and projects.selectors."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.api.etags import if_match_versions, versioned_response
from taskmanager.api.fields import StrictBooleanField
from taskmanager.api.project_serializers import (
    MemberInputSerializer,
    MemberOutputSerializer,
    MemberRoleInputSerializer,
    ProjectInputSerializer,
    ProjectOutputSerializer,
)
from taskmanager.api.serializers import StrictSerializer
from taskmanager.api.views.refusals import PROJECT_REFUSALS
from taskmanager.api.views.tasks import IF_MATCH
from taskmanager.projects import selectors, services

ARCHIVED = OpenApiParameter(
    "archived",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="Only archived (true) or active (false) projects.",
)


class _ArchivedFilter(StrictSerializer):
    ignored_fields = frozenset({"limit", "offset"})
    archived = StrictBooleanField(required=False)

    def to_internal_value(self, data):
        values = {name: data[name] for name in data}
        if "archived" in values:
            values["archived"] = {"true": True, "false": False}.get(values["archived"], values["archived"])
        return super().to_internal_value(values)


class ProjectListView(APIView):
    @extend_schema(parameters=[ARCHIVED], responses={200: ProjectOutputSerializer(many=True)})
    def get(self, request):
        query = _ArchivedFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.project_rows(request.user, **query.validated_data)
        return Response(ProjectOutputSerializer(rows, many=True).data)

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectOutputSerializer})
    def post(self, request):
        serializer = ProjectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, **serializer.validated_data)
        location = reverse("api:project-detail", args=[project["id"]])
        return versioned_response(
            ProjectOutputSerializer, project, status=status.HTTP_201_CREATED, location=location
        )


class ProjectDetailView(APIView):
    # No 304 here: the ETag names the version of what PATCH changes (for If-Match), but
    # the body also carries task counts and the caller's role, which change without it.
    @extend_schema(responses={200: ProjectOutputSerializer})
    def get(self, request, pk):
        return versioned_response(ProjectOutputSerializer, selectors.project_row(request.user, pk))

    @extend_schema(
        request=ProjectInputSerializer,
        responses={200: ProjectOutputSerializer, **PROJECT_REFUSALS},
        parameters=[IF_MATCH],
    )
    def patch(self, request, pk):
        serializer = ProjectInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project = services.project_update(
            actor=request.user,
            project_id=pk,
            changes=dict(serializer.validated_data),
            expected_versions=if_match_versions(request, pk),
        )
        return versioned_response(ProjectOutputSerializer, project)

    @extend_schema(responses={204: None, **PROJECT_REFUSALS}, parameters=[IF_MATCH])
    def delete(self, request, pk):
        services.project_delete(
            actor=request.user, project_id=pk, expected_versions=if_match_versions(request, pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(APIView):
    @extend_schema(responses={200: MemberOutputSerializer(many=True)})
    def get(self, request, pk):
        return Response(MemberOutputSerializer(selectors.member_rows(request.user, pk), many=True).data)

    @extend_schema(request=MemberInputSerializer, responses={201: MemberOutputSerializer, **PROJECT_REFUSALS})
    def post(self, request, pk):
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_add(actor=request.user, project_id=pk, **serializer.validated_data)
        response = Response(MemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:project-member", args=[pk, member["username"]])
        return response


class MemberDetailView(APIView):
    @extend_schema(
        request=MemberRoleInputSerializer, responses={200: MemberOutputSerializer, **PROJECT_REFUSALS}
    )
    def patch(self, request, pk, username):
        serializer = MemberRoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_change_role(
            actor=request.user, project_id=pk, username=username, role=serializer.validated_data["role"]
        )
        return Response(MemberOutputSerializer(member).data)

    @extend_schema(responses={204: None, **PROJECT_REFUSALS})
    def delete(self, request, pk, username):
        services.member_remove(actor=request.user, project_id=pk, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)
