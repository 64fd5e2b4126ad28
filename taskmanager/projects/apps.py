from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "taskmanager.projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from taskmanager.projects import signals  # noqa: F401 (connects the Inbox maker)
