from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "taskmanager.api"
