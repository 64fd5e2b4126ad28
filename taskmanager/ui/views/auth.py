"""Log in, sign up and log out: the API issues and revokes the token; the session carries it."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taskmanager.ui.api_client import (
    ApiError,
    ApiForbidden,
    ApiThrottled,
    ApiUnauthorized,
    ApiUnavailable,
    ApiValidationError,
)
from taskmanager.ui.forms import LoginForm, SignupForm, apply_api_errors
from taskmanager.ui.meta import facts_for
from taskmanager.ui.session import (
    api_for,
    is_logged_in,
    login_redirect,
    remember_time_zone,
    safe_next,
    session_end,
    session_login,
)

logger = logging.getLogger(__name__)

SIGNUP_DISABLED = "Sign-up is turned off on this server. Ask an administrator for an account."


@require_http_methods(["GET", "POST"])
def login(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    if request.method == "GET" and is_logged_in(request):
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            issued = api_for(request).login(username=username, password=form.cleaned_data["password"])
        except ApiUnauthorized:
            form.add_error(None, "That username and password do not match. Please try again.")
        except ApiThrottled as error:
            form.add_error(None, f"Too many login attempts. Please wait {_wait(error)} and try again.")
            status = 429
        except ApiValidationError as error:
            apply_api_errors(form, error)
        else:
            session_login(request, token=issued["token"], username=username)
            _remember_preferences(request)
            return redirect(next_url)
    context = {"form": form, "next": next_url, "signup_open": facts_for(request).signup_open}
    return render(request, "ui/login.html", context, status=status)


def _remember_preferences(request) -> None:
    """The user's zone, once per login, so pages show times in it without asking the API each time."""
    try:
        remember_time_zone(request, api_for(request).me()["time_zone"])
    except ApiError as error:  # the pages then show UTC, and say so
        logger.warning("login: the user's preferences could not be read: %s", error)


@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    # The API says whether sign-up is open (GET /meta/); it still refuses a register if not.
    if not facts_for(request).signup_open:
        return render(request, "ui/signup.html", {"disabled_message": SIGNUP_DISABLED}, status=403)
    form = SignupForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        api = api_for(request)
        try:
            api.register(username=data["username"], password=data["password"], email=data["email"])
        except ApiForbidden:
            return render(request, "ui/signup.html", {"disabled_message": SIGNUP_DISABLED}, status=403)
        except ApiValidationError as error:
            apply_api_errors(form, error)
        except ApiThrottled as error:
            form.add_error(
                None,
                f"Too many sign-ups or logins from your address. Please wait {_wait(error)} and try again.",
            )
            status = 429
        else:
            return _login_after_sign_up(request, api, data, next_url)
    return render(request, "ui/signup.html", {"form": form, "next": next_url}, status=status)


def _login_after_sign_up(request, api, data, next_url):
    try:
        issued = api.login(username=data["username"], password=data["password"])
    except (ApiThrottled, ApiUnavailable):
        # The account exists; signing up again would only say "already exists".
        messages.success(request, f"Welcome, {data['username']}! Your account is ready: please log in.")
        return redirect(f"{reverse('ui:login')}?{urlencode({'next': next_url})}")
    session_login(request, token=issued["token"], username=data["username"])
    messages.success(request, f"Welcome, {data['username']}! Your account is ready.")
    return redirect(next_url)


@require_POST
def logout(request):
    if is_logged_in(request):
        try:
            api_for(request).logout()
        except ApiError as error:
            # The local session ends regardless; an unrevoked token still expires on its own.
            logger.warning("logout: the API did not revoke the token: %s", error)
    session_end(request)
    messages.info(request, "You have been logged out.")
    return redirect("ui:login")


@require_POST
def logout_everywhere(request):
    """Revoke every token of the account at the API, then end this session.

    If the API cannot be reached, nothing was revoked: the middleware's 503
    page says so and this session stays, so the user can simply try again.
    """
    if not is_logged_in(request):
        return login_redirect(reverse("ui:task-list"))
    api_for(request).logout_everywhere()
    session_end(request)
    messages.info(request, "You have been logged out on every device.")
    return redirect("ui:login")


def _wait(error: ApiThrottled) -> str:
    seconds = error.retry_after
    if seconds is None or seconds <= 60:
        return "a minute"
    return f"{-(-seconds // 60)} minutes"
