"""One access-log line per request, written by the application.

The server (granian) does not know the request id, so the application logs
each request itself, after the response has started: client address, method,
path, protocol, status, body size, time taken and the request id from the response header.
The quoted request and the status come first, as in the usual combined
format, so tools that read access logs (the benchmark does) find them.
"""

import logging
import re
import time

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
            logger.info(
                '%s "%s %s %s" %s %s %.0fms',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                target,
                environ.get("SERVER_PROTOCOL", "-"),
                seen.get("status", "-"),
                seen.get("content-length", "-"),
                (time.perf_counter() - started) * 1000,
                extra={"request_id": seen.get("x-request-id", "-")},
            )
        return result
