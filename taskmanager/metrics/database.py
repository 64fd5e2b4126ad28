"""The API's database time per request: every query a request runs, timed together.

Django middleware of the API role (config/roles.py), early in the chain so
that the session and token look-ups count too. Each request observes one
value, zero when it ran no query, so the histogram's count is the number of
requests and its sum their database time. The time is the queries' own,
without opening a connection.
"""

import time
from contextlib import ExitStack

from django.db import connections

from taskmanager.config.log_context import ROUTE_KEY
from taskmanager.metrics.labels import route_label
from taskmanager.metrics.registry import DB_QUERIES, DB_QUERY_DURATION


class QueryTimer:
    """A connection's execute wrapper that adds up the time and number of queries."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class DatabaseTimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timer = QueryTimer()
        with ExitStack() as stack:
            # Connections belong to the thread; the wrappers leave with the request.
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(timer))
            response = self.get_response(request)
        route = route_label(request.META.get(ROUTE_KEY))
        DB_QUERY_DURATION.labels(route).observe(timer.seconds)
        if timer.queries:
            DB_QUERIES.labels(route).inc(timer.queries)
        return response
