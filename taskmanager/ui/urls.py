from django.urls import path

from taskmanager.ui.views import auth, lists, members, preferences, projects, tasks
from taskmanager.ui.views.subtasks import subtask_add, subtask_delete, subtask_move, subtask_toggle

app_name = "ui"

urlpatterns = [
    path("", lists.task_list, name="task-list"),
    path("assigned/", lists.assigned_list, name="assigned"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<uuid:project_id>/", lists.project_page, name="project"),
    path("projects/<uuid:project_id>/settings/", projects.project_settings, name="project-settings"),
    path("projects/<uuid:project_id>/archive/", projects.project_archive, name="project-archive"),
    path("projects/<uuid:project_id>/delete/", projects.project_delete, name="project-delete"),
    path("projects/<uuid:project_id>/members/", members.members, name="project-members"),
    path("projects/<uuid:project_id>/leave/", members.member_leave, name="project-leave"),
    path(
        "projects/<uuid:project_id>/members/<str:username>/role/",
        members.member_role,
        name="project-member-role",
    ),
    path(
        "projects/<uuid:project_id>/members/<str:username>/remove/",
        members.member_remove,
        name="project-member-remove",
    ),
    path("tasks/new/", tasks.task_create, name="task-create"),
    path("tasks/bulk/", tasks.task_bulk, name="task-bulk"),
    path("tasks/clear-completed/", tasks.clear_completed, name="task-clear-completed"),
    path("tasks/<uuid:task_id>/edit/", tasks.task_edit, name="task-edit"),
    path("tasks/<uuid:task_id>/toggle/", tasks.task_toggle, name="task-toggle"),
    path("tasks/<uuid:task_id>/delete/", tasks.task_delete, name="task-delete"),
    path("settings/", preferences.settings_page, name="settings"),
    path("tasks/<uuid:task_id>/undo-completion/", tasks.task_undo_completion, name="task-undo"),
    path("tasks/<uuid:task_id>/subtasks/", subtask_add, name="subtask-add"),
    path(
        "tasks/<uuid:task_id>/subtasks/<uuid:subtask_id>/toggle/",
        subtask_toggle,
        name="subtask-toggle",
    ),
    path(
        "tasks/<uuid:task_id>/subtasks/<uuid:subtask_id>/move/<str:direction>/",
        subtask_move,
        name="subtask-move",
    ),
    path(
        "tasks/<uuid:task_id>/subtasks/<uuid:subtask_id>/delete/",
        subtask_delete,
        name="subtask-delete",
    ),
    path("login/", auth.login, name="login"),
    path("signup/", auth.signup, name="signup"),
    path("logout/", auth.logout, name="logout"),
    path("logout-everywhere/", auth.logout_everywhere, name="logout-everywhere"),
]
