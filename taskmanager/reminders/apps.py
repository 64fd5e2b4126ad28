from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "taskmanager.reminders"
    label = "reminders"
    verbose_name = "Reminders"
