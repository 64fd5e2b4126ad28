"""Bearer tokens, stored only as digests (django-rest-knox)."""

import binascii
import re
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

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
        candidates = get_token_model().objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user", "user__preferences"):
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


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
