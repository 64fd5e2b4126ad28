"""LOG_FORMAT=json: each log record as one JSON object on one line.

Every line has the same keys, so a log pipeline can index them without
guessing: the time (UTC, ISO 8601), level, logger, message, the request's id,
user id and route template, and the status and duration of the request when
the line is about one. Keys a line does not know are null. A traceback goes
into the "exception" field of the same object, never onto lines of its own.

Used both by Django's LOGGING and by the server's own logging (deploy/serve.py),
so it must import without Django settings.
"""

import json
import logging
from datetime import UTC, datetime

from taskmanager.config.log_context import current_route, current_user_id
from taskmanager.config.request_id import current_request_id

# Fields an access-log line (or any caller) may pass in `extra`.
_REQUEST_FIELDS = ("method", "path", "client")


class JsonLineFormatter(logging.Formatter):
    def __init__(self, role: str | None = None):
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "role": self.role,
            "message": record.getMessage(),
            "request_id": _request_id(record),
            "user_id": getattr(record, "user_id", None) or current_user_id.get(),
            "route": getattr(record, "route", None) or current_route.get(),
            # Django's "Not Found: /x" lines name their status as status_code.
            "status": getattr(record, "status", None) or getattr(record, "status_code", None),
            "duration_ms": getattr(record, "duration_ms", None),
        }
        for field in _REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII escapes keep the line one line for every reader: json escapes
        # newlines, and U+2028/U+2029, which some readers split on, become \u escapes.
        return json.dumps(entry, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    request_id = getattr(record, "request_id", None) or current_request_id.get()
    return None if request_id == "-" else request_id
