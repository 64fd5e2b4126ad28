"""UI-wide handling of API failures, and the Content-Security-Policy header."""

import logging

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from taskmanager.ui.api_client import (
    ApiConflict,
    ApiForbidden,
    ApiNotFound,
    ApiUnauthorized,
    ApiUnavailable,
    ApiValidationError,
)
from taskmanager.ui.session import drop_token, login_redirect, safe_next
from taskmanager.ui.views.errors import bad_request, page_not_found, refused, service_unavailable

logger = logging.getLogger(__name__)


class ApiErrorMiddleware:
    """Turns API failures no view can fix into pages a person understands.

    - API down, slow or failing: a 503 "try again" page, never a 500, a hang
      or an empty list that would read as "no tasks".
    - Token expired or revoked: forget it and go to the login page, coming
      back to the same place afterwards.
    - Task not found (deleted meanwhile, or someone else's): the 404 page.
    - Input the API refused where no form can show it (a filter in the URL,
      a bulk selection the API will not take): the API's message, on the
      plain list (for a page) or back where the user was (for a change).
    - A change the user's role does not allow (403, e.g. a viewer's forged
      form) or the project's state forbids (409: the Inbox, the last owner,
      an archived project): the API's message, back where the user was.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApiUnavailable):
            return service_unavailable(request, retry_url=self._back_url(request))
        if isinstance(exception, ApiUnauthorized):
            drop_token(request)
            messages.info(request, "Your session has ended. Please log in again.")
            return login_redirect(self._back_url(request))
        if isinstance(exception, ApiNotFound):
            return page_not_found(request, exception)
        if isinstance(exception, ApiValidationError):
            return self._invalid(request, exception)
        if isinstance(exception, ApiForbidden | ApiConflict):
            return self._refused(request, exception)
        return None

    def _invalid(self, request, error: ApiValidationError):
        problems = [message for messages_ in error.fields.values() for message in messages_]
        messages.error(request, " ".join(problems) or error.message or "The request was refused.")
        # A page whose own query the API refused goes to the same page without
        # a query; that has none to refuse, so this cannot loop.
        target = request.path if request.method == "GET" else self._back_url(request)
        if request.method == "GET" and request.get_full_path() == target:
            return bad_request(request)
        return redirect(target)

    def _refused(self, request, error):
        message = error.message or "The change was refused."
        if request.method == "GET":
            # Reads are not refused by role; should one be, repeating it would loop.
            return refused(request, message=message, status=error.status)
        messages.error(request, message)
        return redirect(self._back_url(request))

    @staticmethod
    def _back_url(request) -> str:
        # A GET can simply be repeated; a failed POST goes back to the page it came from.
        if request.method == "GET":
            return request.get_full_path()
        return safe_next(request, default=reverse("ui:task-list"))


# Everything comes from this origin: no inline script or style, no third parties.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
