"""One error shape for every API failure.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"title": ["Title must not be empty."]}}}

``fields`` appears only for input errors and names each offending field.
Anything unexpected becomes a 500 with the same shape and no stack trace; the
trace goes to the log with the request id. A database that cannot be reached
is an outage, not a bug: 503 with Retry-After, and one log line per request.
"""

import logging
import sys

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from taskmanager.api.etags import etag
from taskmanager.api.parsers import RequestTooLarge
from taskmanager.config.error_shape import error_body
from taskmanager.domain.errors import Conflict, RoleRequired, VersionConflict

logger = logging.getLogger(__name__)

# Connection refused, lost or refused for "too many clients": the driver's
# errors for a database that is down, restarting or full.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
# Long enough for a restart or failover to make progress, short enough that
# clients come back soon after it.
DATABASE_RETRY_AFTER_SECONDS = 5


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable(exc, context["request"], Response)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body(400, "invalid", "The request has invalid fields.", fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, VersionConflict):
        response = Response(
            error_body(412, "precondition_failed", str(exc)),
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = etag(exc.object_id, exc.current_version)
        return response
    if isinstance(exc, RoleRequired):
        return Response(error_body(403, "role_required", str(exc)), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Conflict):
        return Response(error_body(409, "conflict", str(exc)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        # Django's own bound, met when DRF reads the body through request.body.
        exc = RequestTooLarge()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body(500, "server_error", "The server failed to handle this request."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {str(name): _messages(errors) for name, errors in detail.items()}
        response.data = error_body(response.status_code, "invalid", "The request has invalid fields.", fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(response.status_code, _code(code), str(detail))
    return response


def _messages(errors) -> list[str]:
    """Flatten one field's errors to a list of strings.

    A list field reports errors per item as ``{index: [...]}``; clients get
    plain messages that say which item failed (and JSON has no integer keys).
    """
    if isinstance(errors, dict):
        return [
            f"{_item_label(key)}: {message}"
            for key, nested in errors.items()
            for message in _messages(nested)
        ]
    if isinstance(errors, list | tuple):
        return [message for item in errors for message in _messages(item)]
    return [str(errors)]


def _item_label(key) -> str:
    return f"Item {key + 1}" if isinstance(key, int) else str(key)


def _code(code) -> str:
    return code if isinstance(code, str) else "error"


def json_error_view(status_code: int, code: str, message: str):
    def view(request, exception=None):
        return JsonResponse(error_body(status_code, code, message), status=status_code)

    return view


def database_unavailable(error, request, response_class=JsonResponse):
    """The 503 answer to a database error; logged here, as one line, so Django adds no traceback."""
    logger.warning(
        "database unavailable: %s %s: %s: %s",
        request.method,
        request.path.encode("unicode_escape").decode("ascii"),
        type(error).__name__,
        " ".join(str(error).split()),
    )
    response = response_class(
        error_body(503, "service_unavailable", "The service is temporarily unavailable; retry shortly."),
        status=503,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    # Django logs every error answer again, with the traceback for a crash; this one is logged.
    response._has_been_logged = True
    return response


_server_error = json_error_view(500, "server_error", "The server failed to handle this request.")


def handler500(request):
    """A crash outside DRF (admin, middleware such as sessions): 503 for an outage, else 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable(error, request)
    return _server_error(request)


# URL-level errors (no route matched, a crash outside DRF) keep the same shape.
handler404 = json_error_view(404, "not_found", "Not found.")
_bad_request = json_error_view(400, "bad_request", "Bad request.")


def handler400(request, exception=None):
    # Django files a form body over the limit (the admin's) under "bad request"; it is a 413.
    if isinstance(exception, RequestDataTooBig):
        too_large = RequestTooLarge()
        return JsonResponse(error_body(413, too_large.default_code, str(too_large.detail)), status=413)
    return _bad_request(request)


handler403 = json_error_view(403, "permission_denied", "Permission denied.")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW of the API role (the admin's forms; DRF checks its own)."""
    return JsonResponse(error_body(403, "csrf_failed", f"CSRF check failed: {reason}"), status=403)
