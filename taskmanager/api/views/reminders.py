"""Reminder endpoints: HTTP around reminders.services and reminders.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.api.reminder_serializers import ReminderInputSerializer, ReminderOutputSerializer
from taskmanager.api.views.refusals import PROJECT_REFUSALS
from taskmanager.reminders import selectors, services


class TaskReminderListView(APIView):
    @extend_schema(responses={200: ReminderOutputSerializer(many=True)})
    def get(self, request, pk):
        rows = selectors.reminder_list(actor=request.user, task_id=pk)
        return Response(ReminderOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=ReminderInputSerializer, responses={201: ReminderOutputSerializer, **PROJECT_REFUSALS}
    )
    def post(self, request, pk):
        serializer = ReminderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.reminder_create(actor=request.user, task_id=pk, **serializer.validated_data)
        return Response(ReminderOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class ReminderDetailView(APIView):
    @extend_schema(responses={204: None, **PROJECT_REFUSALS})
    def delete(self, request, pk):
        services.reminder_delete(actor=request.user, reminder_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
