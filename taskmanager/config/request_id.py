"""Request ids: taken from X-Request-ID or made, echoed back, and put in every log line.

The UI forwards its id to the API, so one user action can be followed
through both roles' logs.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# Accept only ids that are safe to echo into headers and logs.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


def request_id_for(meta) -> str:
    candidate = meta.get(_META_KEY, "")
    return candidate if _VALID_ID.match(candidate) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.META)
        request.request_id = request_id
        # Left set until the request ends (not reset on the way out), so that
        # Django's own "Bad Request"/"Not Found" lines, logged after the
        # middleware chain returns, still carry the id.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget_request_id(**kwargs):
    current_request_id.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="taskmanager.forget_request_id")


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        # A line that names its request (the access log) keeps that id.
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True
