"""Bearer tokens, stored only as digests (django-rest-knox)."""

import binascii
import re
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import router
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

from taskmanager.accounts.models import Preferences
from taskmanager.domain.compiled import TEXT, CompiledQuery

# Printable ASCII without spaces: every token knox issues has this shape.
_TOKEN_SHAPE = re.compile(rb"[!-~]{1,256}")


class BearerTokenAuthentication(TokenAuthentication):
    """Knox tokens sent as ``Authorization: Bearer <token>`` (REST_KNOX's prefix).

    Knox also answers ``WWW-Authenticate: Bearer``, so a missing or bad
    credential is a 401, not a 403.
    """

    def authenticate_credentials(self, token: bytes):
        # Knox decodes the token as UTF-8 and queries with it; a stray NUL or
        # non-UTF-8 byte would fail in the decoder or the database driver as a 500.
        if not _TOKEN_SHAPE.fullmatch(token):
            raise AuthenticationFailed("Invalid token.")
        return self._authenticate_with_preferences(token.decode())

    def _authenticate_with_preferences(self, token: str):
        """Knox's check of a token (its steps, in its order), with the user's preferences in one query.

        Every read judges "today" in the caller's time zone; joining the
        preferences here, where knox already joins the user, saves a query on
        every request. Knox offers no hook for its query, hence the rewrite.
        """
        for auth_token in _tokens_with_key(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise AuthenticationFailed("Invalid token.") from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed("Invalid token.")

    def _cleanup_token(self, auth_token) -> bool:
        # Knox loads every other token of the user on every request to delete
        # the expired ones: a second query per request whose size grows with
        # the user's sessions. Only the presented token is checked here (an
        # expired one is deleted and refused, as knox does); the user's other
        # expired tokens go at their next login (accounts.services.token_create).
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _token_rows(_context, token_key):
    """The tokens with ``token_key``, each with all of its user's and their preferences' columns."""
    user_path = "user__"
    preferences_path = f"{user_path}preferences__"
    return (
        get_token_model()
        .objects.filter(token_key=token_key)
        .values(
            *_attnames(get_token_model()),
            *(user_path + name for name in _attnames(get_user_model())),
            *(preferences_path + name for name in _attnames(Preferences)),
        )
    )


_TOKENS = CompiledQuery(_token_rows, token_key=TEXT)


def _tokens_with_key(token_key: str) -> list:
    """The tokens as ``select_related("user", "user__preferences")`` loads them, from one compiled query.

    The models are built as Django builds a joined row's (``from_db``, then
    each related object into its parent's cache), so ``user.preferences``
    costs no query and is absent exactly when the user has none.
    """
    token_model, user_model = get_token_model(), get_user_model()
    database = router.db_for_read(token_model)
    tokens = []
    for row in _TOKENS.rows("by key", token_key=token_key):
        auth_token = _from_row(token_model, row, "", database)
        user = _from_row(user_model, row, "user__", database)
        preferences = None
        if row["user__preferences__user_id"] is not None:
            preferences = _from_row(Preferences, row, "user__preferences__", database)
        user._state.fields_cache["preferences"] = preferences
        auth_token._state.fields_cache["user"] = user
        tokens.append(auth_token)
    return tokens


def _from_row(model, row: dict, prefix: str, database: str):
    names = _attnames(model)
    return model.from_db(database, names, [row[prefix + name] for name in names])


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
