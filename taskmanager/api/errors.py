"""One error shape for every API failure.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"title": ["Title must not be empty."]}}}

``fields`` appears only for input errors and names each offending field.
Anything unexpected becomes a 500 with the same shape and no stack trace; the
trace goes to the log with the request id.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from taskmanager.api.parsers import RequestTooLarge
from taskmanager.tasks.services import PreconditionFailed

logger = logging.getLogger(__name__)


def error_body(status_code: int, code: str, message: str, fields=None) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body(400, "invalid", "The request has invalid fields.", fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, PreconditionFailed):
        response = Response(
            error_body(412, "precondition_failed", str(exc)),
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = exc.current_etag
        return response
    if isinstance(exc, Http404):
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


# URL-level errors (no route matched, a crash outside DRF) keep the same shape.
handler404 = json_error_view(404, "not_found", "Not found.")
handler500 = json_error_view(500, "server_error", "The server failed to handle this request.")
handler400 = json_error_view(400, "bad_request", "Bad request.")
handler403 = json_error_view(403, "permission_denied", "Permission denied.")
