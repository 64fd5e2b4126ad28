from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "taskmanager.ui"
    verbose_name = "Browser UI"
