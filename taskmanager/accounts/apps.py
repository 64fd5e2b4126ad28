from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "taskmanager.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # A mistyped rate should stop the process at start-up, not fail the first login.
        from taskmanager.accounts.limits import check_configuration

        check_configuration()
