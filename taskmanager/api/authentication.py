"""Bearer tokens, stored only as digests (django-rest-knox)."""

import re

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
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
        return super().authenticate_credentials(token)

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
