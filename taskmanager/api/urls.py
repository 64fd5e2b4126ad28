from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from taskmanager.api.views import auth, meta, projects, tasks
from taskmanager.api.views import reminders as reminder_views

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", auth.TokenCollectionView.as_view(), name="auth-tokens"),
    path("auth/register/", auth.RegisterView.as_view(), name="auth-register"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("meta/", meta.MetaView.as_view(), name="meta"),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/<uuid:pk>/", projects.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<uuid:pk>/members/", projects.MemberListView.as_view(), name="project-members"),
    path(
        "projects/<uuid:pk>/members/<str:username>/",
        projects.MemberDetailView.as_view(),
        name="project-member",
    ),
    path("tasks/", tasks.TaskListView.as_view(), name="task-list"),
    path("tasks/bulk/", tasks.TaskBulkView.as_view(), name="task-bulk"),
    path("tasks/clear-completed/", tasks.TaskClearCompletedView.as_view(), name="task-clear-completed"),
    path("tasks/stats/", tasks.TaskStatsView.as_view(), name="task-stats"),
    path("tasks/<uuid:pk>/", tasks.TaskDetailView.as_view(), name="task-detail"),
    path(
        "tasks/<uuid:pk>/undo-completion/",
        tasks.TaskUndoCompletionView.as_view(),
        name="task-undo-completion",
    ),
    path("tags/", tasks.TagListView.as_view(), name="tag-list"),
    path("tasks/<uuid:pk>/reminders/", reminder_views.TaskReminderListView.as_view(), name="task-reminders"),
    path("reminders/<uuid:pk>/", reminder_views.ReminderDetailView.as_view(), name="reminder-detail"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "docs/",
        # A page to read: its template can render nothing else (an OPTIONS answer was a 500).
        SpectacularSwaggerView.as_view(
            url_name="api:schema", permission_classes=[], http_method_names=["get", "head"]
        ),
        name="docs",
    ),
]
