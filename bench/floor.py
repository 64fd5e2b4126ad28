"""The raw floor: the task list and detail answered with no framework at all.

A bare WSGI callable served by the same server and settings as the two roles.
It runs the same SQL work the API's read path needs, against the same tables
and indexes, and writes byte-for-byte the same JSON shape (the page envelope,
every task field, tags sorted by name), so its throughput is what Python,
psycopg2 and PostgreSQL can do on this machine with nothing in between: the
ceiling the roles are measured against.

What it does per request:
- list: COUNT(*) of the tasks in the user's projects (those they are a member
  of, as the API's selectors choose them), one page in the default order
  (open first, priority high to low, newest first) with LIMIT/OFFSET, the
  assignee's and creator's usernames joined in, and the tags of that page's
  tasks in one query; ``limit`` defaults to 50 and is capped at 200 like the
  API's; ``next``/``previous`` links like DRF's.
- detail: the task by id among the user's projects, its tags, and an ETag header.
- one persistent connection per server thread, in autocommit, as Django
  runs with CONN_MAX_AGE; JSON written with orjson, as the API's renderer.

- create (POST to the list, into the user's Inbox) and PATCH (title,
  priority, tags): the same transaction the API runs, in raw SQL: find the
  task's project (PATCH) or the Inbox (create), hold the user's editing
  membership there FOR SHARE, lock the row (PATCH), insert or update it with
  version + 1, upsert the project's tags, replace the task's tag links,
  COMMIT, then read the task back as the detail does. These give the write
  targets a ceiling of their own: a write costs a transaction and a durable
  commit, which no read does.

What it does not do: no authentication (the user is fixed by
BENCH_FLOOR_OWNER_ID, so no token lookup or hashing), no middleware (request
ids, security headers, sessions, CSRF), no content negotiation, no input
validation beyond parsing the two integers, no conditional requests, and no
application logging; the roles' access-log layer (one line per request) is
on, as for the roles.
"""

import logging
import os
import sys
import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs

import orjson
import psycopg2

from taskmanager.config.access_log import AccessLog

DSN = os.environ.get("BENCH_FLOOR_DSN", "")
OWNER_ID = int(os.environ.get("BENCH_FLOOR_OWNER_ID", "0"))
LIST_PATH = "/api/v1/tasks/"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

TASK_COLUMNS = (
    "t.id::text, t.title, t.description, t.priority, t.completed, t.completed_at, t.due_date, "
    "t.created_at, t.updated_at, t.version, t.project_id::text, assignee.username, creator.username"
)
TASK_FROM = (
    "tasks_task t LEFT JOIN auth_user assignee ON assignee.id = t.assignee_id "
    "LEFT JOIN auth_user creator ON creator.id = t.created_by_id"
)
# The projects the user is a member of: the tasks they see.
VISIBLE = "SELECT project_id FROM projects_membership WHERE user_id = %s"
# The list reads the project ids first, as the API does (projects.access.visible_project_id_list).
COUNT_SQL = "SELECT COUNT(*) FROM tasks_task WHERE project_id = ANY(%s::uuid[])"
PAGE_SQL = (
    f"SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.project_id = ANY(%s::uuid[]) "
    "ORDER BY t.completed ASC, t.priority_rank DESC, t.created_at DESC LIMIT %s OFFSET %s"
)
DETAIL_SQL = f"SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.id = %s AND t.project_id IN ({VISIBLE})"
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


def _task(row, tags, today) -> dict:
    (
        task_id, title, description, priority, completed, completed_at, due_date, created, updated, version,
        project_id, assignee, creator,
    ) = row  # fmt: skip
    return {
        "id": task_id,
        "project": project_id,
        "title": title,
        "description": description,
        "priority": priority,
        "completed": completed,
        "completed_at": _iso(completed_at),
        "due_date": due_date.isoformat() if due_date else None,
        "overdue": not completed and due_date is not None and due_date < today,
        "tags": sorted(tags.get(task_id, ())),
        "assignee": assignee,
        "created_by": creator,
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "version": version,
    }


def _today():
    return datetime.now(UTC).date()


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
        cursor.execute(VISIBLE, (OWNER_ID,))
        project_ids = [str(project_id) for (project_id,) in cursor.fetchall()]
        cursor.execute(COUNT_SQL, (project_ids,))
        (count,) = cursor.fetchone()
        cursor.execute(PAGE_SQL, (project_ids, limit, offset))
        rows = cursor.fetchall()
        tags = _tags_by_task(cursor, [row[0] for row in rows])
    body = {
        "count": count,
        "next": _page_url(environ, limit, offset + limit) if offset + limit < count else None,
        "previous": _page_url(environ, limit, offset - limit) if offset > 0 else None,
        "results": [_task(row, tags, _today()) for row in rows],
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
    return "200 OK", _task(row, tags, _today()), [("ETag", etag)]


INBOX_SQL = "SELECT id::text FROM projects_project WHERE inbox_of_id = %s"
SEEN_SQL = f"SELECT project_id::text FROM tasks_task WHERE id = %s AND project_id IN ({VISIBLE})"
# The membership a write relies on, held until it commits (projects/access.py).
MEMBERSHIP_SQL = (
    "SELECT m.role FROM projects_membership m JOIN projects_project p ON p.id = m.project_id "
    "WHERE m.user_id = %s AND m.project_id = %s AND m.role IN ('owner', 'editor') AND NOT p.archived "
    "FOR SHARE OF m"
)
LOCK_SQL = "SELECT version FROM tasks_task WHERE id = %s FOR UPDATE"
UPDATE_SQL = (
    "UPDATE tasks_task SET title = %s, priority = %s, version = version + 1, updated_at = now() WHERE id = %s"
)
INSERT_SQL = (
    "INSERT INTO tasks_task (id, project_id, created_by_id, title, description, priority, completed, "
    "completed_at, due_date, created_at, updated_at, version) "
    "VALUES (%s, %s, %s, %s, '', %s, false, NULL, NULL, now(), now(), 1)"
)
UPSERT_TAGS_SQL = (
    "INSERT INTO tasks_tag (project_id, name) SELECT %s, unnest(%s::varchar[]) ON CONFLICT DO NOTHING"
)
DROP_LINKS_SQL = (
    "DELETE FROM tasks_task_tags WHERE task_id = %s AND tag_id NOT IN "
    "(SELECT id FROM tasks_tag WHERE project_id = %s AND name = ANY(%s::varchar[]))"
)
ADD_LINKS_SQL = (
    "INSERT INTO tasks_task_tags (task_id, tag_id) SELECT %s, id FROM tasks_tag "
    "WHERE project_id = %s AND name = ANY(%s::varchar[]) ON CONFLICT DO NOTHING"
)


def _write(environ, task_id=None):
    body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    title, priority = body["title"], body.get("priority", "medium")
    if task_id is not None:
        try:
            task_id = str(uuid.UUID(task_id))
        except ValueError:
            return _not_found()
    tags = sorted({str(tag).strip().lower() for tag in body.get("tags", [])})
    connection = _cursor().connection
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute(INBOX_SQL if task_id is None else SEEN_SQL, _where(task_id))
            found = cursor.fetchone()
            if found is not None:
                cursor.execute(MEMBERSHIP_SQL, (OWNER_ID, found[0]))
            if found is None or cursor.fetchone() is None:
                cursor.execute("ROLLBACK")
                return _not_found()
            (project_id,) = found
            if task_id is None:
                task_id = str(uuid.uuid4())
                cursor.execute(INSERT_SQL, (task_id, project_id, OWNER_ID, title, priority))
            else:
                cursor.execute(LOCK_SQL, (task_id,))
                if cursor.fetchone() is None:
                    cursor.execute("ROLLBACK")
                    return _not_found()
                cursor.execute(UPDATE_SQL, (title, priority, task_id))
            cursor.execute(UPSERT_TAGS_SQL, (project_id, tags))
            cursor.execute(DROP_LINKS_SQL, (task_id, project_id, tags))
            cursor.execute(ADD_LINKS_SQL, (task_id, project_id, tags))
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
    status, task, headers = _detail(task_id)
    return ("201 Created" if environ["REQUEST_METHOD"] == "POST" else status), task, headers


def _where(task_id) -> tuple:
    return (OWNER_ID,) if task_id is None else (task_id, OWNER_ID)


def _not_found():
    return "404 Not Found", {"error": {"status": 404, "code": "not_found", "message": "Not found."}}, []


def _application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    if path == LIST_PATH:
        status, body, headers = _write(environ) if method == "POST" else _list(environ)
    elif path.startswith(LIST_PATH) and path.endswith("/"):
        task_id = path[len(LIST_PATH) : -1]
        status, body, headers = _write(environ, task_id) if method == "PATCH" else _detail(task_id)
    else:
        status, body, headers = _not_found()
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
