"""Requests of either role, counted and timed: WSGI middleware around the whole application.

It wraps the request limits too (config/wsgi.py), so a request refused there
(414, 431, 413) is counted, under the UNMATCHED route. The route is the URL
pattern Django resolved, which the log-context middleware leaves in the
environ (config/log_context.py); static files, answered before any URL
resolution, share one value. The time is until the response starts, as in
the access log.
"""

import time

from taskmanager.config.log_context import ROUTE_KEY
from taskmanager.metrics.labels import STATIC, method_label, route_label, status_label
from taskmanager.metrics.registry import HTTP_REQUEST_DURATION, HTTP_REQUESTS, HTTP_REQUESTS_IN_PROGRESS


class RequestMetrics:
    def __init__(self, application, *, static_prefix: str):
        self.application = application
        self.static_prefix = "/" + static_prefix.strip("/") + "/"

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        HTTP_REQUESTS_IN_PROGRESS.inc()
        try:
            return self.application(environ, recording_start_response)
        finally:
            HTTP_REQUESTS_IN_PROGRESS.dec()
            # An exception that escaped the application: the server answers 500.
            self._record(environ, seen.get("status", "500"), time.perf_counter() - started)

    def _record(self, environ, status: str, seconds: float) -> None:
        route = environ.get(ROUTE_KEY)
        if not route and environ.get("PATH_INFO", "").startswith(self.static_prefix):
            route = STATIC
        route, method = route_label(route), method_label(environ.get("REQUEST_METHOD"))
        HTTP_REQUESTS.labels(route, method, status_label(status)).inc()
        HTTP_REQUEST_DURATION.labels(route, method).observe(seconds)
