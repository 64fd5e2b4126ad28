"""The route template and user id of the current request, for the log lines about it.

The access log (config/access_log.py) wraps Django and runs after it, so it
reads them from the WSGI environ, which Django's request.META is; other log
lines written during the request read them from context variables.
The route is the URL pattern (`api/v1/tasks/<uuid:pk>/`), never the path, so
it names a bounded set of values and no ids.
"""

from contextvars import ContextVar

from django.core.signals import request_finished
from django.utils.functional import SimpleLazyObject, empty

ROUTE_KEY = "taskmanager.route"
USER_ID_KEY = "taskmanager.user_id"

current_route: ContextVar[str | None] = ContextVar("current_route", default=None)
current_user_id: ContextVar[str | None] = ContextVar("current_user_id", default=None)


class RequestLogContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current_route.set(None)
        current_user_id.set(None)
        response = self.get_response(request)
        # After the view: DRF authenticates there, not in a middleware.
        user_id = _user_id(request)
        request.META[USER_ID_KEY] = user_id
        current_user_id.set(user_id)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        route = request.resolver_match.route
        request.META[ROUTE_KEY] = route
        current_route.set(route)


def _user_id(request) -> str | None:
    user = getattr(request, "user", None)
    # A user nobody looked up (a 404 before any view) is not worth a session query.
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return str(user.pk) if user.is_authenticated else None


def _forget_log_context(**kwargs):
    current_route.set(None)
    current_user_id.set(None)


request_finished.connect(_forget_log_context, dispatch_uid="taskmanager.forget_log_context")
