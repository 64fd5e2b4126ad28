"""Metrics of real role processes: the image's server, two workers each, scraped on the metrics port.

Each role runs as deploy/serve.py runs it in a pod: two worker processes
writing their values to files, and the main process serving them all on one
endpoint. The counts must add up over the workers, name route templates and
never a path's ids, and a worker that dies must leave its counts behind but
not its share of the requests in progress.
"""

import os
import re
import signal
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.metrics.scraping import UUID, Scrape, scrape, total_in_file, worker_files
from tests.processes import (
    TEST_SECRET_KEY,
    UNCOLLECTED_STATIC,
    api_server,
    clean_env,
    metrics_port_env,
    metrics_url,
    registered_token,
    role_server,
    run_entrypoint,
)

TASK_ROUTE = "api/v1/tasks/<uuid:pk>/"
TOKEN_ROUTE = "api/v1/auth/token/"
META_ROUTE = "api/v1/meta/"
LOGIN_RATE = 2  # failed logins a minute per username and client, per worker (local-memory cache)
# Requests to spread over the two workers before giving up on both having served some.
MAX_REQUESTS = 200


@dataclass
class Role:
    url: str
    metrics: str
    files: Path

    def scrape(self) -> Scrape:
        return scrape(self.metrics)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    work = tmp_path_factory.mktemp("api-metrics")
    metrics = metrics_port_env(work / "files")
    with api_server(
        work / "api.log",
        database_prefix="taskmanager_metrics",
        workers=2,
        TASKMANAGER_LOGIN_RATE=f"{LOGIN_RATE}/min",
        **metrics,
    ) as base_url:
        yield Role(base_url, metrics_url(metrics), work / "files")


@contextmanager
def ui_role(work: Path, api_url: str, *, workers: int = 2, **settings):
    metrics = metrics_port_env(work / "files")
    env = clean_env(
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=TEST_SECRET_KEY,
        TASKMANAGER_API_URL=api_url,
        ALLOWED_HOSTS="127.0.0.1",
        STATICFILES_STORAGE=UNCOLLECTED_STATIC,
        **settings,
        **metrics,
    )
    with role_server(env, work / "ui.log", workers=workers) as base_url:
        yield Role(base_url, metrics_url(metrics), work / "files")


@pytest.fixture(scope="module")
def ui(api, tmp_path_factory):
    with ui_role(tmp_path_factory.mktemp("ui-metrics"), api.url) as role:
        yield role


def bearer(api: Role) -> dict:
    token = registered_token(api.url, f"metrics-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}")
    return {"Authorization": f"Bearer {token}"}


def task_share(path: Path, status: str) -> float:
    return total_in_file(path, "taskmanager_http_requests_total", route=TASK_ROUTE, status=status)


def test_api_requests_count_by_route_template_and_add_up_over_the_workers(api):
    headers = bearer(api)
    created = httpx.post(f"{api.url}/api/v1/tasks/", json={"title": "counted"}, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    before = api.scrape()
    missing = [str(uuid.uuid4()) for _ in range(3)]
    for other in missing:
        assert httpx.get(f"{api.url}/api/v1/tasks/{other}/", headers=headers, timeout=10).status_code == 404
    # One new connection per request, until both workers have answered some.
    sent = 0
    while sent < MAX_REQUESTS:
        response = httpx.get(f"{api.url}/api/v1/tasks/{task_id}/", headers=headers, timeout=10)
        assert response.status_code == 200
        sent += 1
        shares = [task_share(path, "200") for path in worker_files(api.files).values()]
        if sent >= 10 and len([share for share in shares if share]) >= 2:
            break
    after = api.scrape()

    def added(name: str, **labels) -> float:
        return after.total(name, **labels) - before.total(name, **labels)

    assert added("taskmanager_http_requests_total", route=TASK_ROUTE, method="GET", status="200") == sent
    assert added("taskmanager_http_requests_total", route=TASK_ROUTE, method="GET", status="404") == 3
    assert (
        added("taskmanager_http_request_duration_seconds_count", route=TASK_ROUTE, method="GET") == sent + 3
    )
    assert added("taskmanager_http_request_duration_seconds_sum", route=TASK_ROUTE) > 0
    # The API's database time: one value per request, and every request here ran queries.
    assert added("taskmanager_http_request_db_duration_seconds_count", route=TASK_ROUTE) == sent + 3
    assert added("taskmanager_http_request_db_duration_seconds_sum", route=TASK_ROUTE) > 0
    assert added("taskmanager_db_queries_total", route=TASK_ROUTE) >= sent + 3
    # Both workers answered, and what the endpoint says is what their files say together.
    shares = {pid: task_share(path, "200") for pid, path in worker_files(api.files).items()}
    assert len([share for share in shares.values() if share]) >= 2, shares
    assert sum(shares.values()) == after.total(
        "taskmanager_http_requests_total", route=TASK_ROUTE, status="200"
    )
    # Route templates only: no path, no id.
    assert task_id not in after.text
    assert not any(other in after.text for other in missing)
    assert not UUID.search(after.text)
    assert TASK_ROUTE in after.label_values("route")


def test_unmatched_paths_and_made_up_methods_share_one_label_value(api):
    before = api.scrape()
    for path in ("/no/such/page/1", "/no/such/page/2", f"/{uuid.uuid4()}"):
        assert httpx.get(f"{api.url}{path}", timeout=10).status_code == 404
    httpx.request("BREW", f"{api.url}/api/v1/tasks/", timeout=10)
    httpx.get(f"{api.url}/healthz", timeout=10)
    after = api.scrape()
    unmatched = "taskmanager_http_requests_total"
    added = after.total(unmatched, route="<unmatched>", status="404") - before.total(
        unmatched, route="<unmatched>", status="404"
    )
    assert added == 3
    assert after.total(unmatched, method="other") == before.total(unmatched, method="other") + 1
    assert (
        after.total(unmatched, route="healthz", status="200")
        == before.total(unmatched, route="healthz", status="200") + 1
    )
    assert "no/such" not in after.text
    assert not UUID.search(after.text)
    assert "BREW" not in after.text


def test_logins_count_successes_failures_and_throttles(api):
    username, password = f"login-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    before = api.scrape()
    registered_token(api.url, username, password)  # one successful login
    statuses = []
    # Each worker counts failures in its own local-memory cache: after
    # 2 * LOGIN_RATE + 1 failures one of them has refused.
    for _ in range(2 * LOGIN_RATE + 2):
        answer = httpx.post(
            f"{api.url}/api/v1/auth/token/", json={"username": username, "password": "wrong"}, timeout=10
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert statuses.count(429) == 1, statuses
    after = api.scrape()

    def added(outcome: str) -> float:
        return after.total("taskmanager_logins_total", outcome=outcome) - before.total(
            "taskmanager_logins_total", outcome=outcome
        )

    assert added("success") == 1
    assert added("failure") == statuses.count(401)
    assert added("throttled") == 1
    assert added("busy") == 0
    assert after.total("taskmanager_http_requests_total", route=TOKEN_ROUTE, status="429") >= 1


def ui_login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token}
    )


def test_the_ui_counts_its_pages_and_its_calls_to_the_api_by_route_template(api, ui):
    username, password = f"ui-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    token = registered_token(api.url, username, password)
    created = httpx.post(
        f"{api.url}/api/v1/tasks/",
        json={"title": "seen through the UI"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    task_id = created.json()["id"]
    before, api_before = ui.scrape(), api.scrape()
    with httpx.Client(base_url=ui.url, timeout=10) as client:
        assert ui_login(client, username, "not-the-password").status_code == 400
        assert ui_login(client, username, password).status_code == 302
        for _ in range(3):
            assert client.get(f"/tasks/{task_id}/edit/").status_code == 200
    after, api_after = ui.scrape(), api.scrape()

    def added(name: str, **labels) -> float:
        return after.total(name, **labels) - before.total(name, **labels)

    calls = "taskmanager_api_client_requests_total"
    assert added(calls, route=TOKEN_ROUTE, method="POST", status="401") == 1
    assert added(calls, route=TOKEN_ROUTE, method="POST", status="200") == 1
    assert added(calls, route=TASK_ROUTE, method="GET", status="200") == 3
    assert added("taskmanager_api_client_request_duration_seconds_count", route=TASK_ROUTE) == 3
    assert added("taskmanager_http_requests_total", route="tasks/<uuid:task_id>/edit/", status="200") == 3
    assert added("taskmanager_http_requests_total", route="login/", method="POST") == 2
    # The UI's calls reached the API: it counted them under the same templates.
    api_calls = api_after.total("taskmanager_http_requests_total", route=TASK_ROUTE, status="200")
    assert (
        api_calls - api_before.total("taskmanager_http_requests_total", route=TASK_ROUTE, status="200") == 3
    )
    # The UI has no database: no database metric has any sample there.
    assert not after.total("taskmanager_http_request_db_duration_seconds_count")
    assert task_id not in after.text and not UUID.search(after.text)


def test_the_ui_counts_api_timeouts_and_unreachable_apis(tmp_path):
    stuck = socket.create_server(("127.0.0.1", 0), backlog=16)  # accepts connections, never answers
    try:
        port = stuck.getsockname()[1]
        with ui_role(
            tmp_path, f"http://127.0.0.1:{port}", workers=1, TASKMANAGER_API_READ_TIMEOUT="0.5"
        ) as role:
            # The login page asks the API for its facts (GET /meta/) first.
            assert httpx.get(f"{role.url}/login/", timeout=10).status_code == 503
            stuck.close()  # now nothing listens there
            assert httpx.get(f"{role.url}/login/", timeout=10).status_code == 503
            calls = role.scrape()
    finally:
        stuck.close()
    assert calls.total("taskmanager_api_client_requests_total", route=META_ROUTE, status="timeout") == 1
    assert calls.total("taskmanager_api_client_requests_total", route=META_ROUTE, status="error") == 1
    timed = calls.total("taskmanager_api_client_request_duration_seconds_sum", route=META_ROUTE)
    assert timed >= 0.5


def test_the_ui_shows_its_circuit_breaker_opening_when_the_api_is_gone(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as free:
        port = free.getsockname()[1]  # closed again: nothing listens there
    with ui_role(
        tmp_path,
        f"http://127.0.0.1:{port}",
        workers=1,
        TASKMANAGER_API_BREAKER_FAILURES="1",
        TASKMANAGER_API_BREAKER_OPEN_SECONDS="60",
        TASKMANAGER_API_BREAKER_MAX_OPEN_SECONDS="60",
    ) as role:
        for _ in range(2):  # the first call fails and opens the breaker; it refuses the second
            assert httpx.get(f"{role.url}/login/", timeout=10).status_code == 503
        scraped = role.scrape()
    state = "taskmanager_api_client_circuit_state"
    assert scraped.total(state, state="open") == 1
    assert scraped.total(state, state="closed") == 0
    assert scraped.total(state, state="half_open") == 0
    # A refused call never reached the API's connection pool.
    assert scraped.total("taskmanager_api_client_requests_total", route=META_ROUTE) == 1


def test_a_metrics_port_in_use_stops_the_server_with_a_message():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = clean_env(
            TASKMANAGER_ROLE="ui",
            SECRET_KEY=TEST_SECRET_KEY,
            TASKMANAGER_API_URL="http://127.0.0.1:9",
            SERVER_BIND="127.0.0.1",
            METRICS_PORT=str(port),
        )
        result = run_entrypoint("serve", env=env, timeout=60)
    assert result.returncode != 0
    assert f"cannot serve metrics on 127.0.0.1:{port}" in result.stderr
    assert "METRICS_PORT" in result.stderr


def test_a_dead_worker_keeps_its_counts_but_not_its_requests_in_progress(api):
    """Last in this module: it kills one of the API's workers (granian starts another)."""
    httpx.get(f"{api.url}/healthz", timeout=10)
    before = api.scrape()
    (victim, *_others) = [
        pid
        for pid in worker_files(api.files)
        if _alive(pid) and (api.files / f"gauge_livesum_{pid}.db").exists()
    ]
    live_file = api.files / f"gauge_livesum_{victim}.db"
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while live_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
        after = api.scrape()  # each scrape first forgets what dead processes left
    assert not live_file.exists()
    assert after.total("taskmanager_http_requests_total") == before.total("taskmanager_http_requests_total")
    assert after.total("taskmanager_http_requests_in_progress") == 0
    # The pod goes on serving, on the new worker too, and counting.
    for _ in range(5):
        assert httpx.get(f"{api.url}/healthz", timeout=10).status_code == 200
    assert (
        api.scrape().total("taskmanager_http_requests_total")
        == before.total("taskmanager_http_requests_total") + 5
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
