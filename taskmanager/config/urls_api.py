"""URL map of the API role: the REST API and the admin, nothing of the UI."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("api/v1/", include("taskmanager.api.urls")),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/api/v1/docs/", permanent=False)),
]

handler400 = "taskmanager.api.errors.handler400"
handler403 = "taskmanager.api.errors.handler403"
handler404 = "taskmanager.api.errors.handler404"
handler500 = "taskmanager.api.errors.handler500"
