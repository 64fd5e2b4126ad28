"""Login finds the account whatever the case of the typed name."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from taskmanager.accounts.usernames import username_for_login


class CaseInsensitiveUsernameBackend(ModelBackend):
    """Django's model backend, with the name matched as sign-up keeps names unique: case-insensitively.

    ``iexact`` compares UPPER(username) on PostgreSQL, which is the expression
    the unique index covers, so the lookup uses that index and can find at
    most one account.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        lookup = {f"{User.USERNAME_FIELD}__iexact": username_for_login(username)}
        try:
            user = User._default_manager.get(**lookup)
        except User.DoesNotExist:
            # Hash anyway, so an unknown name takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
