from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "taskmanager.accounts"
    label = "accounts"
    verbose_name = "Accounts"
