"""Bearer tokens, stored only as digests (django-rest-knox)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """Knox tokens sent as ``Authorization: Bearer <token>`` (REST_KNOX's prefix).

    Knox also answers ``WWW-Authenticate: Bearer``, so a missing or bad
    credential is a 401, not a 403.
    """


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
