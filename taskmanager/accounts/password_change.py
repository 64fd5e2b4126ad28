"""A changed password revokes every API token of its user, as does a password made unusable."""

from taskmanager.accounts.services import token_revoke_all


class RevokeTokensOnPasswordChange:
    """Listed with the password validators, but it checks nothing: it listens.

    Django calls ``password_changed()`` on every configured validator once a
    ``set_password()`` is saved, whatever did it (the admin, ``manage.py
    changepassword``, ``ensure_admin``, a future settings page), and not when a
    login merely re-hashes the same password with newer parameters. That makes
    it the one hook every password change passes through.
    """

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            token_revoke_all(user=user)

    def get_help_text(self):
        return "Changing the password logs the account out everywhere: its API tokens are revoked."


def revoke_tokens_of_a_user_without_a_password(sender, instance, **kwargs):
    """post_save of the user model: an unusable password leaves the account no tokens.

    ``set_unusable_password()`` (the admin's "disable password-based
    authentication", what one does to shut out a compromised account) is not
    a ``set_password()``, so Django never calls ``password_changed()`` for it.
    Such an account cannot log in to get a new token, so every token it
    still holds predates the change.
    """
    if instance.pk is not None and not instance.has_usable_password():
        token_revoke_all(user=instance)
