"""SQL queries per API request, and the plans of the list's queries (run as the API role).

    TASKMANAGER_ROLE=api DATABASE_URL=... python -m bench.queries --token T --task-id ID

Drives the real URL map, middleware, authentication and views through Django's
test client against the benchmark database and counts the statements each
request sends (CaptureQueriesContext). Each request is made twice and the
second is counted, so one-off work (content types, first connection) is not.
The list is counted at two page sizes to show the count does not follow the
number of rows. Then EXPLAIN (ANALYZE, BUFFERS) runs on every SELECT of the
default list request. Prints one JSON object.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskmanager.config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.targets import BULK_BODY, BULK_IDS, CREATE_BODY, PATCH_BODY, fill  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--task-id", required=True)
    parser.add_argument("--ids-file", required=True, help="the ids the bulk request takes its five from")
    args = parser.parse_args()
    ids = Path(args.ids_file).read_text().split()
    passes = len(ids) // BULK_IDS

    def bulk(first_index):
        # Each attempt takes other tasks, so the counted one changes rows as under load.
        return lambda attempt: fill("", BULK_BODY, ids, first_index + attempt)[1]

    client = Client(HTTP_AUTHORIZATION=f"Bearer {args.token}")
    detail = f"/api/v1/tasks/{args.task_id}/"
    requests = {
        "api_list_100": ("get", "/api/v1/tasks/?limit=100", None),
        "api_list_10": ("get", "/api/v1/tasks/?limit=10", None),
        "api_list_200_filtered": ("get", "/api/v1/tasks/?limit=200&completed=false&tag=work", None),
        "api_detail": ("get", detail, None),
        "api_stats": ("get", "/api/v1/tasks/stats/", None),
        "api_tags": ("get", "/api/v1/tags/", None),
        "api_patch": ("patch", detail, PATCH_BODY),
        "api_bulk_complete": ("post", "/api/v1/tasks/bulk/", bulk(0)),
        "api_bulk_reopen": ("post", "/api/v1/tasks/bulk/", bulk(passes)),
        "api_create": ("post", "/api/v1/tasks/", CREATE_BODY),
    }
    counts, created = {}, []
    for name, (method, path, body) in requests.items():
        for attempt in range(2):
            sent = body(attempt) if callable(body) else body
            counts[name], response = _count(client, method, path, sent)
            if path == "/api/v1/tasks/" and method == "post":
                created.append(response.json()["id"])
    # Remove what the create pass added, through the API, counting that too.
    for task_id in created:
        counts["api_delete"], _response = _count(client, "delete", f"/api/v1/tasks/{task_id}/", None)
    counts["api_list_100"]["plans"] = _plans(counts["api_list_100"]["sql"])
    sys.stdout.write("\n" + json.dumps(counts) + "\n")
    return 0


def _count(client, method, path, body):
    with CaptureQueriesContext(connection) as captured:
        kwargs = {"data": body, "content_type": "application/json"} if body else {}
        response = getattr(client, method)(path, **kwargs)
    if response.status_code >= 300:
        raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")
    counted = {
        "queries": len(captured),
        "status": response.status_code,
        "sql": [query["sql"] for query in captured.captured_queries],
    }
    return counted, response


def _plans(statements: list[str]) -> list[dict]:
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append({"sql": sql, "plan": [row[0] for row in cursor.fetchall()]})
    return plans


if __name__ == "__main__":
    sys.exit(main())
