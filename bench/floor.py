"""The raw floor: the task list and detail answered with no framework at all.

A bare WSGI callable served by the same gunicorn settings as the two roles.
It runs the same SQL work the API's read path needs, against the same tables
and indexes, and writes byte-for-byte the same JSON shape (the page envelope,
every task field, tags sorted by name), so its throughput is what Python,
psycopg2 and PostgreSQL can do on this machine with nothing in between: the
ceiling the roles are measured against.

What it does per request:
- list: COUNT(*) of the owner's tasks, one page in the default order
  (open first, priority high to low, newest first) with LIMIT/OFFSET, and the
  tags of that page's tasks in one query; ``limit`` defaults to 50 and is
  capped at 200 like the API's; ``next``/``previous`` links like DRF's.
- detail: the task by id and owner, its tags, and an ETag header.
- one persistent connection per gunicorn thread, in autocommit, as Django
  runs with CONN_MAX_AGE; JSON written with orjson, as the API's renderer.

What it does not do: no authentication (the owner is fixed by
BENCH_FLOOR_OWNER_ID, so no token lookup or hashing), no middleware (request
ids, security headers, sessions, CSRF), no content negotiation, no input
validation beyond parsing the two integers, no conditional requests, and no
application logging; gunicorn's own access log is on, as for the roles.
"""

import os
import threading
import uuid
from urllib.parse import parse_qs

import orjson
import psycopg2

DSN = os.environ.get("BENCH_FLOOR_DSN", "")
OWNER_ID = int(os.environ.get("BENCH_FLOOR_OWNER_ID", "0"))
LIST_PATH = "/api/v1/tasks/"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

TASK_COLUMNS = (
    "id::text, title, description, priority, completed, completed_at, due_date, "
    "created_at, updated_at, version"
)
COUNT_SQL = "SELECT COUNT(*) FROM tasks_task WHERE owner_id = %s"
PAGE_SQL = (
    f"SELECT {TASK_COLUMNS} FROM tasks_task WHERE owner_id = %s "
    "ORDER BY completed ASC, priority_rank DESC, created_at DESC LIMIT %s OFFSET %s"
)
DETAIL_SQL = f"SELECT {TASK_COLUMNS} FROM tasks_task WHERE id = %s AND owner_id = %s"
TAGS_SQL = (
    "SELECT tt.task_id::text, tag.name FROM tasks_task_tags tt "
    "JOIN tasks_tag tag ON tag.id = tt.tag_id WHERE tt.task_id = ANY(%s::uuid[])"
)

_local = threading.local()


def _cursor():
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = psycopg2.connect(DSN, options="-c timezone=UTC")
        connection.autocommit = True
        _local.connection = connection
    return connection.cursor()


def _iso(moment):
    return moment.isoformat() if moment else None


def _task(row, tags) -> dict:
    task_id, title, description, priority, completed, completed_at, due_date, created, updated, version = row
    return {
        "id": task_id,
        "title": title,
        "description": description,
        "priority": priority,
        "completed": completed,
        "completed_at": _iso(completed_at),
        "due_date": due_date.isoformat() if due_date else None,
        "tags": sorted(tags.get(task_id, ())),
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "version": version,
    }


def _tags_by_task(cursor, task_ids) -> dict:
    tags: dict[str, list[str]] = {}
    if task_ids:
        cursor.execute(TAGS_SQL, (task_ids,))
        for task_id, name in cursor.fetchall():
            tags.setdefault(task_id, []).append(name)
    return tags


def _int(query, name, default, upper=None) -> int:
    try:
        value = int(query.get(name, [default])[0])
    except ValueError:
        value = default
    value = max(value, 0)
    return min(value, upper) if upper else value


def _page_url(environ, limit, offset):
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}{LIST_PATH}?limit={limit}"
    return base if offset <= 0 else f"{base}&offset={offset}"


def _list(environ):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    limit = _int(query, "limit", DEFAULT_LIMIT, MAX_LIMIT) or DEFAULT_LIMIT
    offset = _int(query, "offset", 0)
    with _cursor() as cursor:
        cursor.execute(COUNT_SQL, (OWNER_ID,))
        (count,) = cursor.fetchone()
        cursor.execute(PAGE_SQL, (OWNER_ID, limit, offset))
        rows = cursor.fetchall()
        tags = _tags_by_task(cursor, [row[0] for row in rows])
    body = {
        "count": count,
        "next": _page_url(environ, limit, offset + limit) if offset + limit < count else None,
        "previous": _page_url(environ, limit, offset - limit) if offset > 0 else None,
        "results": [_task(row, tags) for row in rows],
    }
    return "200 OK", body, []


def _detail(task_id):
    try:
        task_id = str(uuid.UUID(task_id))
    except ValueError:
        return _not_found()
    with _cursor() as cursor:
        cursor.execute(DETAIL_SQL, (task_id, OWNER_ID))
        row = cursor.fetchone()
        if row is None:
            return _not_found()
        tags = _tags_by_task(cursor, [row[0]])
    etag = f'"{uuid.UUID(row[0]).hex}-{row[9]}"'
    return "200 OK", _task(row, tags), [("ETag", etag)]


def _not_found():
    return "404 Not Found", {"error": {"status": 404, "code": "not_found", "message": "Not found."}}, []


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == LIST_PATH:
        status, body, headers = _list(environ)
    elif path.startswith(LIST_PATH) and path.endswith("/"):
        status, body, headers = _detail(path[len(LIST_PATH) : -1])
    else:
        status, body, headers = _not_found()
    payload = orjson.dumps(body)
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *headers],
    )
    return [payload]
