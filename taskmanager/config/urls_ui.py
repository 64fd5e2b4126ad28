"""URL map of the UI role: browser pages only, nothing of the API or admin."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("", lambda request: HttpResponse("taskmanager UI"), name="home"),
]
