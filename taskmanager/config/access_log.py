"""One access-log line per request, written by the application.

The server (granian) does not know the request id, so the application logs
each request itself, after the response has started: client address, method,
path, protocol, status, body size, time taken and the request id from the response header.
The quoted request and the status come first, as in the usual combined
format, so tools that read access logs (the benchmark does) find them.
The same values go into the record's fields too, for LOG_FORMAT=json
(config/json_logs.py), with the route template and user id Django found.
"""

import logging
import re
import time

from taskmanager.config.log_context import ROUTE_KEY, USER_ID_KEY

logger = logging.getLogger("taskmanager.access")
# A decoded path may hold newlines or other control characters; written raw
# they would forge log lines. Long targets are cut, not logged whole.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_TARGET = 2048


def _loggable(target: str) -> str:
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", target[:_MAX_TARGET])


class AccessLog:
    """WSGI middleware: wraps the whole application, so limit errors are logged too."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            for name, value in headers:
                lowered = name.lower()
                if lowered in ("content-length", "x-request-id"):
                    seen[lowered] = value
            return start_response(status, headers, exc_info)

        result = self.application(environ, recording_start_response)
        if logger.isEnabledFor(logging.INFO):
            query = environ.get("QUERY_STRING")
            target = _loggable(environ.get("PATH_INFO", "") + (f"?{query}" if query else ""))
            method = environ.get("REQUEST_METHOD", "-")
            status = seen.get("status", "-")
            duration_ms = (time.perf_counter() - started) * 1000
            logger.info(
                '%s "%s %s %s" %s %s %.0fms',
                environ.get("REMOTE_ADDR", "-"),
                method,
                target,
                environ.get("SERVER_PROTOCOL", "-"),
                status,
                seen.get("content-length", "-"),
                duration_ms,
                extra={
                    "request_id": seen.get("x-request-id", "-"),
                    "client": environ.get("REMOTE_ADDR"),
                    "method": method,
                    "path": target,
                    "status": int(status) if status.isdigit() else None,
                    "duration_ms": round(duration_ms, 2),
                    "route": environ.get(ROUTE_KEY),
                    "user_id": environ.get(USER_ID_KEY),
                },
            )
        return result
