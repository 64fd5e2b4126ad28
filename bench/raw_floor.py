"""The raw floor: the API's task requests answered with no framework at all.

A bare WSGI callable served by the same server and settings as the roles.
It sends PostgreSQL the same statements the API does (bench/api_sql.py and
bench/api_writes.py, through psycopg 3 with client-side binding, as Django's
backend sends them) and writes the same JSON bytes with orjson, so its
throughput is what Python, psycopg and PostgreSQL can do on this machine
with nothing in between: the ceiling both the Django floor and the API are
measured against.

Answers: the list (``limit``, default 50, at most 200, and ``offset``, with
DRF's ``next``/``previous`` links), the detail with its ETag, the stats, and
the writes: create (POST to the list), PATCH (title, priority, tags) and
bulk complete/reopen, each in one transaction with the API's statements,
read back inside it.

Leaves out: authentication (the user is fixed by BENCH_FLOOR_OWNER_ID, so no
token lookup), middleware, content negotiation, input validation beyond
what the bodies need, conditional requests and application logging. One
persistent connection per server thread in autocommit, with explicit
BEGIN/COMMIT around writes, as Django runs with CONN_MAX_AGE. The roles'
access-log layer (one line per request) is on, as for the roles.
"""

import contextlib
import logging
import os
import sys
import threading
import uuid
from urllib.parse import parse_qs

import orjson
import psycopg

from bench import api_sql, api_writes
from bench.api_rows import etag, not_found, page_answer
from taskmanager.config.access_log import AccessLog

DSN = os.environ.get("BENCH_FLOOR_DSN", "")
OWNER_ID = int(os.environ.get("BENCH_FLOOR_OWNER_ID", "0"))
LIST_PATH = "/api/v1/tasks/"
SPECIAL = {"stats/", "bulk/"}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = psycopg.connect(
            DSN, autocommit=True, cursor_factory=psycopg.ClientCursor, options="-c timezone=UTC"
        )
        _local.connection = connection
    return connection


@contextlib.contextmanager
def _transaction(cursor):
    cursor.execute("BEGIN")
    try:
        yield
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


def _number(query: dict, name: str, default: int) -> int:
    raw = query.get(name, [""])[0]
    return int(raw) if raw.isdigit() else default


def _list(environ):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    limit = min(_number(query, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_LIMIT)
    offset = _number(query, "offset", 0)
    with _connection().cursor() as cursor:
        count, tasks = api_sql.task_page(cursor, OWNER_ID, limit, offset)
    host = environ.get("HTTP_HOST", "localhost")
    return "200 OK", page_answer(host, LIST_PATH, count, limit, offset, tasks), []


def _detail(task_id: uuid.UUID):
    with _connection().cursor() as cursor:
        task = api_sql.task_detail(cursor, OWNER_ID, task_id)
    if task is None:
        return "404 Not Found", not_found(), []
    return "200 OK", task, [("ETag", etag(task))]


def _stats():
    with _connection().cursor() as cursor:
        return "200 OK", api_sql.task_stats(cursor, OWNER_ID), []


def _write(environ, task_id: uuid.UUID | None = None, bulk: bool = False):
    body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    with _connection().cursor() as cursor:
        try:
            with _transaction(cursor):
                if bulk:
                    return "200 OK", api_writes.tasks_bulk(cursor, OWNER_ID, body), []
                if task_id is None:
                    task = api_writes.task_create(cursor, OWNER_ID, body)
                else:
                    task = api_writes.task_patch(cursor, OWNER_ID, task_id, body)
        except api_writes.NotFound:
            return "404 Not Found", not_found(), []
    if task_id is None:
        return "201 Created", task, [("ETag", etag(task)), ("Location", f"{LIST_PATH}{task['id']}/")]
    return "200 OK", task, [("ETag", etag(task))]


def _route(environ):
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    rest = path[len(LIST_PATH) :] if path.startswith(LIST_PATH) else None
    if rest == "":
        return _write(environ) if method == "POST" else _list(environ)
    if rest == "stats/":
        return _stats()
    if rest == "bulk/" and method == "POST":
        return _write(environ, bulk=True)
    if rest and rest.endswith("/") and rest not in SPECIAL:
        try:
            task_id = uuid.UUID(rest[:-1])
        except ValueError:
            return "404 Not Found", not_found(), []
        return _write(environ, task_id) if method == "PATCH" else _detail(task_id)
    return "404 Not Found", not_found(), []


def _application(environ, start_response):
    status, body, headers = _route(environ)
    payload = orjson.dumps(body)
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *headers],
    )
    return [payload]


# The same one-line-per-request access log the roles write (their WSGI layer,
# which needs no Django), so the floor pays for logging as they do.
logging.basicConfig(
    stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
)
application = AccessLog(_application)
