"""The Django floor's views and URL map: plain functions over Django's connection and raw SQL.

Served by deploy/serve.py as ``bench.django_floor.wsgi:application``. Each
view sends the API's statements (bench/api_sql.py, bench/api_writes.py)
through ``django.db.connection.cursor()``, writes inside
``transaction.atomic()`` as the API's services do, and answers the API's
bytes (orjson). What it measures over the raw floor is Django itself: the
handler, URL resolution, request and response objects, the connection's
per-request checks and cursor wrapper. The API adds DRF, authentication,
middleware, validation and the ORM on top of this.
"""

import os

import orjson
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path

from bench import api_sql, api_writes
from bench.api_rows import etag, not_found, page_answer

OWNER_ID = int(os.environ.get("BENCH_FLOOR_OWNER_ID", "0"))
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _answer(body, status: int = 200, headers: dict | None = None) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type="application/json", status=status, headers=headers)


def _number(request, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() else default


def task_list(request):
    if request.method == "POST":
        return _written(
            lambda cursor: api_writes.task_create(cursor, OWNER_ID, orjson.loads(request.body)), 201
        )
    limit = min(_number(request, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_LIMIT)
    offset = _number(request, "offset", 0)
    with connection.cursor() as cursor:
        count, tasks = api_sql.task_page(cursor, OWNER_ID, limit, offset)
    return _answer(page_answer(request.get_host(), request.path, count, limit, offset, tasks))


def task_detail(request, pk):
    if request.method == "PATCH":
        return _written(
            lambda cursor: api_writes.task_patch(cursor, OWNER_ID, pk, orjson.loads(request.body))
        )
    with connection.cursor() as cursor:
        task = api_sql.task_detail(cursor, OWNER_ID, pk)
    return _answer(not_found(), 404) if task is None else _answer(task, headers={"ETag": etag(task)})


def task_stats(request):
    with connection.cursor() as cursor:
        return _answer(api_sql.task_stats(cursor, OWNER_ID))


def task_bulk(request):
    body = orjson.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        return _answer(api_writes.tasks_bulk(cursor, OWNER_ID, body))


def _written(write, status: int = 200) -> HttpResponse:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            task = write(cursor)
    except api_writes.NotFound:
        return _answer(not_found(), 404)
    headers = {"ETag": etag(task)}
    if status == 201:
        headers["Location"] = f"/api/v1/tasks/{task['id']}/"
    return _answer(task, status, headers)


urlpatterns = [
    path("api/v1/tasks/", task_list),
    path("api/v1/tasks/bulk/", task_bulk),
    path("api/v1/tasks/stats/", task_stats),
    path("api/v1/tasks/<uuid:pk>/", task_detail),
]
