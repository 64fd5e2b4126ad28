"""Who is logged in: the API token and username kept in the (signed-cookie) session."""

from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from taskmanager.config.client_address import peer_address
from taskmanager.ui.api_client import Api

TOKEN_KEY = "api_token"  # noqa: S105 (a session key name, not a secret)
USERNAME_KEY = "username"
# The user's IANA zone, read from GET /me/ at login and kept fresh by the settings page.
TIME_ZONE_KEY = "time_zone"
UTC = ZoneInfo("UTC")


def api_for(request) -> Api:
    return Api(
        token=request.session.get(TOKEN_KEY),
        request_id=getattr(request, "request_id", None),
        client_address=peer_address(request),
    )


def is_logged_in(request) -> bool:
    return bool(request.session.get(TOKEN_KEY))


def session_login(request, *, token: str, username: str) -> None:
    # A fresh session for the new identity; nothing from before the login carries over.
    request.session.flush()
    request.session[TOKEN_KEY] = token
    request.session[USERNAME_KEY] = username


def remember_time_zone(request, name: str) -> None:
    request.session[TIME_ZONE_KEY] = name


def user_zone(request) -> ZoneInfo:
    """Where the user's dates and times are shown and entered (UTC until known)."""
    try:
        return ZoneInfo(request.session.get(TIME_ZONE_KEY) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def session_end(request) -> None:
    request.session.flush()


def drop_token(request) -> None:
    """The API no longer accepts the token (expired or revoked): forget it."""
    request.session.pop(TOKEN_KEY, None)
    request.session.pop(USERNAME_KEY, None)


def login_redirect(next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


def login_required(view):
    """Send anonymous visitors to the login page, remembering where they were going.

    Pages behind a login show private data, so browsers must not keep them
    after the user logs out on a shared computer.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_logged_in(request):
            return login_redirect(request.get_full_path())
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def safe_next(request, default: str) -> str:
    """The ``next`` the request carries, if it points back into this site; else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
