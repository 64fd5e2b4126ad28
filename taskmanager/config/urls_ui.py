"""URL map of the UI role: browser pages only, nothing of the API or admin."""

from django.urls import include, path

urlpatterns = [
    path("", include("taskmanager.ui.urls")),
]

handler404 = "taskmanager.ui.views.errors.page_not_found"
handler500 = "taskmanager.ui.views.errors.server_error"
