from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "taskmanager.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # A mistyped rate should stop the process at start-up, not fail the first login.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from taskmanager.accounts.limits import check_configuration
        from taskmanager.accounts.password_change import revoke_tokens_of_a_user_without_a_password

        check_configuration()
        post_save.connect(
            revoke_tokens_of_a_user_without_a_password,
            sender=get_user_model(),
            dispatch_uid="taskmanager.revoke_tokens_of_a_user_without_a_password",
        )
