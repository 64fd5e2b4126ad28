from django.urls import path

from taskmanager.ui.views import auth, tasks

app_name = "ui"

urlpatterns = [
    path("", tasks.task_list, name="task-list"),
    path("tasks/new/", tasks.task_create, name="task-create"),
    path("tasks/bulk/", tasks.task_bulk, name="task-bulk"),
    path("tasks/clear-completed/", tasks.clear_completed, name="task-clear-completed"),
    path("tasks/<uuid:task_id>/edit/", tasks.task_edit, name="task-edit"),
    path("tasks/<uuid:task_id>/toggle/", tasks.task_toggle, name="task-toggle"),
    path("tasks/<uuid:task_id>/delete/", tasks.task_delete, name="task-delete"),
    path("login/", auth.login, name="login"),
    path("signup/", auth.signup, name="signup"),
    path("logout/", auth.logout, name="logout"),
    path("logout-everywhere/", auth.logout_everywhere, name="logout-everywhere"),
]
