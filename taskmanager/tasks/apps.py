from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "taskmanager.tasks"
    default_auto_field = "django.db.models.BigAutoField"
