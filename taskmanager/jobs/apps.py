from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "taskmanager.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
