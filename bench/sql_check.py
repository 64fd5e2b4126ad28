"""Before measuring a dataset: both floors must send the API's statements, in the API's order.

A floor sending other SQL would be cheaper than the API for the wrong
reason, with the same bytes. So the statements are captured from each
server's own code: ``python -m bench.sql_check --side api|django|raw`` runs
the same requests against the benchmark database twice and keeps the second
pass, so first-use work is left out and each write meets the state it meets
under load (PATCH's tags already set, the bulk request's tasks open). The API
(as its role) and the Django floor run under Django's test client and
CaptureQueriesContext; the raw floor's WSGI function on a cursor recording
what psycopg sends (with client-side binding, the mogrified text). Compared
with only literal values normalised, without the API's token lookup: the
floors have no authentication.
"""

import argparse
import json
import os
import re
import sys
import uuid
from io import BytesIO
from itertools import zip_longest
from wsgiref.util import setup_testing_defaults

from bench.prepare import python_module
from bench.targets import BULK_BODY, CREATE_BODY, FLOORS, PATCH_BODY, fill

SETTINGS = {"api": "taskmanager.config.settings", "django": "bench.django_floor.settings"}
LITERALS = (
    (re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?"), "<timestamp>"),
    (re.compile(r"\d{4}-\d\d-\d\d"), "<date>"),
    (re.compile(r'SAVEPOINT "[^"]+"'), 'SAVEPOINT "<savepoint>"'),
)


def requests(task_id: str, bulk_ids: list[str]) -> list[tuple[str, str, str, str]]:
    detail = f"/api/v1/tasks/{task_id}/"
    return [
        ("list_50", "GET", "/api/v1/tasks/?limit=50", ""),
        ("list_100", "GET", "/api/v1/tasks/?limit=100", ""),
        ("list_offset", "GET", "/api/v1/tasks/?limit=50&offset=50", ""),
        ("detail", "GET", detail, ""),
        ("stats", "GET", "/api/v1/tasks/stats/", ""),
        ("patch", "PATCH", detail, PATCH_BODY),
        # The first pass leaves all five open, so the second completes as many on every side.
        ("bulk_complete", "POST", "/api/v1/tasks/bulk/", fill("", BULK_BODY, bulk_ids, 0)[1]),
        ("bulk_reopen", "POST", "/api/v1/tasks/bulk/", fill("", BULK_BODY, bulk_ids, 1)[1]),
        ("create", "POST", "/api/v1/tasks/", CREATE_BODY),
    ]


def check_statements(servers: dict, seeded: dict) -> dict:
    """Per request, how many statements matched; raises SystemExit at the first that differs."""
    task_id, bulk_ids = seeded["sample_ids"][0], seeded["sample_ids"][1:6]
    args = ("--task-id", task_id, "--bulk-ids", ",".join(bulk_ids))

    def captured(side: str, *extra: str) -> dict:
        env = servers[side].env | {"ALLOWED_HOSTS": "testserver"}
        sent = python_module(env, "bench.sql_check", "--side", side, *args, *extra)
        return {name: [_normalised(sql) for sql in statements] for name, statements in sent.items()}

    api = captured("api", "--token", seeded["token"])
    api = {name: [sql for sql in sent if '"knox_authtoken"' not in sql] for name, sent in api.items()}
    for floor in FLOORS:
        for name, sent in captured(floor).items():
            if sent != api[name]:
                pairs = enumerate(zip_longest(api[name], sent, fillvalue="(none)"))
                at, (expected, got) = next((i, pair) for i, pair in pairs if pair[0] != pair[1])
                raise SystemExit(
                    f"SQL check: the {floor} floor's statement {at + 1} for {name} differs from the API's "
                    f"({len(sent)} statements vs {len(api[name])}):\n  API:   {expected}\n  floor: {got}"
                )
    return {"identical_statements": {name: len(sent) for name, sent in api.items()}}


def _normalised(sql: str) -> str:
    for pattern, replacement in LITERALS:
        sql = pattern.sub(replacement, sql)
    return sql


def _django_side(side: str, token: str | None):
    """A way to send a request through the side's Django stack, and what it sent."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS[side])
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(**({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}))

    def send(method: str, path: str, body: str) -> tuple[int, bytes, list[str]]:
        kwargs = {"data": body, "content_type": "application/json"} if body else {}
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method.lower())(path, **kwargs)
        return response.status_code, response.content, [query["sql"] for query in queries]

    return send, connection


def _raw_side():
    import psycopg

    from bench import raw_floor

    sent: list[str] = []

    class Recording(psycopg.ClientCursor):
        def execute(self, query, params=None, **kwargs):
            sent.append(self.mogrify(query, params))
            return super().execute(query, params, **kwargs)

    connection = raw_floor._connection()
    connection.cursor_factory = Recording

    def send(method: str, path: str, body: str) -> tuple[int, bytes, list[str]]:
        path, _, query = path.partition("?")
        data = body.encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
        environ |= {"wsgi.input": BytesIO(data), "CONTENT_LENGTH": str(len(data))}
        setup_testing_defaults(environ)
        status, sent[:] = [], []
        answer = b"".join(raw_floor.application(environ, lambda line, *_: status.append(line)))
        return int(status[0].split()[0]), answer, list(sent)

    return send, connection


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=("api", *FLOORS), required=True)
    parser.add_argument("--task-id", required=True)
    parser.add_argument("--bulk-ids", required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    send, connection = _raw_side() if args.side == "raw" else _django_side(args.side, args.token)
    captured = {}
    for counted in (False, True):
        for name, method, path, body in requests(args.task_id, args.bulk_ids.split(",")):
            status, answer, statements = send(method, path, body)
            if status >= 300:
                raise SystemExit(f"{args.side}: {method} {path} answered {status}: {answer[:300]!r}")
            if method == "POST" and path == "/api/v1/tasks/":
                _remove(connection, uuid.UUID(json.loads(answer)["id"]))
            if counted:
                captured[name] = statements
    sys.stdout.write("\n" + json.dumps(captured) + "\n")
    return 0


def _remove(connection, task_id: uuid.UUID) -> None:
    # Not through the API (the floors have no DELETE): the lists must not grow by the check's rows.
    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM "tasks_task_tags" WHERE "task_id" = %s', (task_id,))
        cursor.execute('DELETE FROM "tasks_task" WHERE "id" = %s', (task_id,))


if __name__ == "__main__":
    sys.exit(main())
