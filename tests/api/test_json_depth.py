"""Deeply nested JSON is refused with 400 before it can exhaust the parser's recursion."""

import json
import time

import pytest
from django.conf import settings

from taskmanager.api.parsers import JSON_MAX_DEPTH
from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def nested(depth: int, opener="[", closer="]", inner="1") -> str:
    return opener * depth + inner + closer * depth


def nested_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


DEEP_BODIES = {
    "arrays": nested(1000),
    "objects": nested_objects(1000),
    "in a field": '{"title": "x", "tags": ' + nested(1000) + "}",
    "just past the limit": '{"title": "x", "tags": ' + nested(JSON_MAX_DEPTH) + "}",
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/register/"])
def test_anonymous_endpoints_refuse_deep_json(anonymous_client, path, body):
    response = anonymous_client.post(path, data=body, content_type="application/json")

    error = assert_error(response, 400)
    assert error["code"] == "parse_error"
    assert "nested" in error["message"]


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_task_writes_refuse_deep_json(api_client, user, method, body):
    task = TaskFactory(owner=user, title="Unchanged")
    url = TASKS_URL if method == "post" else task_url(task)

    response = getattr(api_client, method)(url, data=body, content_type="application/json")

    assert_error(response, 400)
    assert Task.objects.get() == task
    task.refresh_from_db()
    assert (task.title, task.version) == ("Unchanged", 1)


@pytest.mark.parametrize("path", [f"{TASKS_URL}bulk/", "/api/v1/auth/token/"])
def test_deep_json_in_any_body_is_refused(api_client, path):
    assert_error(api_client.post(path, data=nested(5000), content_type="application/json"), 400)


def test_json_at_the_depth_limit_is_parsed(api_client):
    # The body object is level 1, the tags list level 2: the items may nest to the limit.
    body = '{"title": "x", "tags": ' + nested(JSON_MAX_DEPTH - 1, inner='"a"') + "}"

    error = assert_error(api_client.post(TASKS_URL, data=body, content_type="application/json"), 400)

    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"tags"}


def test_brackets_inside_strings_do_not_count(api_client):
    title = "[" * 100 + "{" * 100 + '\\"[' * 50
    body = json.dumps({"title": json.loads(f'"{title}"')[:200], "description": "]" * 500 + "[" * 5000})

    response = api_client.post(TASKS_URL, data=body, content_type="application/json")

    assert response.status_code == 201, response.content


def test_the_depth_check_is_quick_on_the_largest_body(api_client):
    # A body of the largest size made only of shallow brackets, the worst case for the scan.
    pairs = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100) // 3
    body = '{"title": "x", "colour": [' + ",".join(["[]"] * pairs) + "]}"
    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    started = time.perf_counter()
    response = api_client.post(TASKS_URL, data=body, content_type="application/json")
    elapsed = time.perf_counter() - started

    assert_error(response, 400, fields=["colour"])
    assert elapsed < 1.0, elapsed


@pytest.mark.parametrize("number", ["1" * 5000, "-" + "9" * 4301, "NaN", "-Infinity"])
def test_numbers_json_cannot_hold_do_not_reach_the_view(api_client, number):
    body = '{"title": "x", "tags": [' + number + "]}"

    assert_error(api_client.post(TASKS_URL, data=body, content_type="application/json"), 400)
    assert not Task.objects.exists()
