"""Limits on password guessing at the token endpoint."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """Token requests per username, whatever address they come from.

    Every browser login reaches the API from a UI pod's address, so a limit per
    client address would throttle all users together; counting per username
    stops guessing at one account without that. A request with no usable
    username is counted against its address instead.
    """

    scope = "login"

    def get_rate(self):
        # Read when used, not at import, so the setting can change per deployment and test.
        return settings.TASKMANAGER_LOGIN_RATE

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        if isinstance(username, str) and username.strip():
            ident = f"user:{username.strip().lower()}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
