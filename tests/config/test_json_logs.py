"""LOG_FORMAT=json: one JSON object per line, from a real API role process and in-process."""

import io
import json
import logging
import time
import uuid

import httpx
import pytest

from tests.processes import (
    TEST_SECRET_KEY,
    UNCOLLECTED_STATIC,
    api_server,
    clean_env,
    manage,
    registered_token,
    role_server,
)

REQUIRED_KEYS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "user_id",
    "route",
    "status",
    "duration_ms",
}


def _get(base_url: str, path: str, request_id: str, **headers) -> httpx.Response:
    return httpx.get(f"{base_url}{path}", headers={"X-Request-ID": request_id, **headers}, timeout=10)


@pytest.fixture(scope="module")
def json_log_lines(tmp_path_factory):
    """Every line a JSON-logging API process wrote for a 200, a 404 and a 401, and each request's id."""
    log = tmp_path_factory.mktemp("server") / "api-json.log"
    ids = {name: f"json-{name}-{uuid.uuid4().hex[:8]}" for name in ("ok", "missing", "anonymous")}
    with api_server(log, database_prefix="taskmanager_jsonlog", LOG_FORMAT="json") as base_url:
        token = registered_token(base_url, f"json-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}")
        auth = {"Authorization": f"Bearer {token}"}
        user_id = httpx.get(f"{base_url}/api/v1/me/", headers=auth, timeout=10).json()["id"]
        assert _get(base_url, "/api/v1/tasks/", ids["ok"], **auth).status_code == 200
        missing = f"/api/v1/tasks/{uuid.uuid4()}/"
        assert _get(base_url, missing, ids["missing"], **auth).status_code == 404
        assert _get(base_url, "/api/v1/tasks/", ids["anonymous"]).status_code == 401
        time.sleep(0.5)
    yield log.read_text(encoding="utf-8").splitlines(), ids, str(user_id)


def _access_line(records: list[dict], request_id: str) -> dict:
    (record,) = [r for r in records if r["logger"] == "taskmanager.access" and r["request_id"] == request_id]
    return record


def test_every_line_of_a_json_logging_process_is_one_object_with_the_required_keys(json_log_lines):
    lines, _ids, _user_id = json_log_lines
    assert any("granian" in line for line in lines), "the server's own lines are missing"
    for line in lines:
        record = json.loads(line)
        assert record.keys() >= REQUIRED_KEYS, line


def test_the_access_line_carries_status_duration_route_template_and_user(json_log_lines):
    lines, ids, user_id = json_log_lines
    records = [json.loads(line) for line in lines]

    ok = _access_line(records, ids["ok"])
    assert (ok["status"], ok["route"], ok["user_id"], ok["method"]) == (200, "api/v1/tasks/", user_id, "GET")
    assert isinstance(ok["duration_ms"], float)
    assert ok["duration_ms"] >= 0

    missing = _access_line(records, ids["missing"])
    # The route template, never the id in the path: bounded values to group by.
    expected = (404, "api/v1/tasks/<uuid:pk>/", user_id)
    assert (missing["status"], missing["route"], missing["user_id"]) == expected
    assert missing["path"].startswith("/api/v1/tasks/")

    anonymous = _access_line(records, ids["anonymous"])
    assert (anonymous["status"], anonymous["route"], anonymous["user_id"]) == (401, "api/v1/tasks/", None)


def test_an_exception_log_is_one_json_line_with_its_traceback_in_one_field():
    from taskmanager.config.json_logs import JsonLineFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger(f"tests.json_logs.{uuid.uuid4().hex[:8]}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        raise ValueError("bad value\nwith a second line")
    except ValueError:
        logger.exception("tâche échouée\nline two \u2028 after a separator")

    output = stream.getvalue()
    assert output.endswith("\n")
    (line,) = output.splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR"
    assert record["message"] == "tâche échouée\nline two \u2028 after a separator"
    assert "Traceback" in record["exception"]
    assert "ValueError: bad value\nwith a second line" in record["exception"]
    assert record.keys() >= REQUIRED_KEYS


def test_the_ui_role_logs_json_too_when_its_api_is_down(tmp_path):
    log = tmp_path / "ui-json.log"
    env = clean_env(
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=TEST_SECRET_KEY,
        TASKMANAGER_API_URL="http://127.0.0.1:9",
        ALLOWED_HOSTS="127.0.0.1",
        STATICFILES_STORAGE=UNCOLLECTED_STATIC,
        LOG_FORMAT="json",
    )
    request_id = f"json-ui-{uuid.uuid4().hex[:8]}"
    with role_server(env, log) as base_url:
        # The login page asks the API whether sign-up is open: with the API down, the 503 page.
        assert _get(base_url, "/login/", request_id).status_code == 503
        time.sleep(0.5)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert all(record.keys() >= REQUIRED_KEYS for record in records)
    access = _access_line(records, request_id)
    assert (access["status"], access["route"], access["role"]) == (503, "login/", "ui")
    unreachable = [record for record in records if "unreachable" in record["message"]]
    assert unreachable and unreachable[0]["request_id"] == request_id


def test_an_unknown_log_format_is_a_clear_startup_error():
    env = clean_env(TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, LOG_FORMAT="xml")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr
