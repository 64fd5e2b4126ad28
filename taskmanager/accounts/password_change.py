"""A changed password revokes every API token of its user."""

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
