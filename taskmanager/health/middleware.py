"""Liveness and readiness, answered before anything looks at the Host header.

Kubernetes probes address pods by IP, which ALLOWED_HOSTS rightly rejects;
answering here keeps host validation strict for every other path.
"""

from django.http import JsonResponse

from taskmanager.config.log_context import ROUTE_KEY
from taskmanager.health.checks import readiness

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path in (LIVENESS_PATH, READINESS_PATH):
            # Their route, for the access log and the metrics: "healthz" or "readyz".
            request.META[ROUTE_KEY] = path.lstrip("/")
        if path == LIVENESS_PATH:
            # Liveness says only that this process answers; it never depends on
            # the database or the other role, so an outage there restarts nothing.
            return _no_store(JsonResponse({"status": "ok"}))
        if path == READINESS_PATH:
            ready, checks = readiness()
            status = 200 if ready else 503
            return _no_store(
                JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=status)
            )
        return self.get_response(request)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response
