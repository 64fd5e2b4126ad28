"""Each measuring point on its own, in this process (values in memory, read from the registry)."""

import importlib.util
import os
import subprocess
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.cache import cache
from django.test import override_settings

from taskmanager.accounts import limits
from taskmanager.accounts.services import InvalidCredentials, user_authenticate
from taskmanager.config.log_context import ROUTE_KEY
from taskmanager.metrics.exporter import forget_dead_processes
from taskmanager.metrics.registry import METRICS
from taskmanager.metrics.wsgi import RequestMetrics
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.processes import ROOT


def value(name: str, **labels) -> float:
    return METRICS.get_sample_value(name, labels) or 0.0


def wsgi_call(application, path: str, method: str = "GET") -> str:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    seen = []
    body = application(environ, lambda status, headers, exc_info=None: seen.append(status))
    b"".join(body)
    return seen[0]


def answering(status: str, route: str | None = None):
    def application(environ, start_response):
        if route:
            environ[ROUTE_KEY] = route
        start_response(status, [("Content-Type", "text/plain")])
        return [b"ok"]

    return application


@pytest.mark.parametrize(
    ("path", "route", "label"),
    [
        ("/api/v1/tasks/1b2c/", "api/v1/tasks/<uuid:pk>/", "api/v1/tasks/<uuid:pk>/"),
        ("/whatever/42/", None, "<unmatched>"),
        ("/static/ui/app.3f2a.css", None, "static/<path:path>"),
    ],
)
def test_a_request_counts_once_under_its_route_method_and_status(path, route, label):
    application = RequestMetrics(answering("201 Created", route), static_prefix="static/")
    before = value("taskmanager_http_requests_total", route=label, method="PUT", status="201")
    timed = value("taskmanager_http_request_duration_seconds_count", route=label, method="PUT")
    assert wsgi_call(application, path, "PUT") == "201 Created"
    assert value("taskmanager_http_requests_total", route=label, method="PUT", status="201") == before + 1
    assert value("taskmanager_http_request_duration_seconds_count", route=label, method="PUT") == timed + 1
    assert value("taskmanager_http_requests_in_progress") == 0


def test_an_exception_out_of_the_application_counts_as_a_500():
    def failing(environ, start_response):
        raise RuntimeError("boom")

    application = RequestMetrics(failing, static_prefix="/static/")
    before = value("taskmanager_http_requests_total", route="<unmatched>", method="GET", status="500")
    with pytest.raises(RuntimeError):
        wsgi_call(application, "/x/")
    assert (
        value("taskmanager_http_requests_total", route="<unmatched>", method="GET", status="500")
        == before + 1
    )
    assert value("taskmanager_http_requests_in_progress") == 0


@pytest.mark.django_db
def test_the_api_times_its_queries_once_per_request(client):
    user = UserFactory()
    client.force_login(user)
    route = "api/v1/tasks/"
    count = value("taskmanager_http_request_db_duration_seconds_count", route=route)
    seconds = value("taskmanager_http_request_db_duration_seconds_sum", route=route)
    queries = value("taskmanager_db_queries_total", route=route)
    assert client.get("/api/v1/tasks/").status_code == 200
    assert value("taskmanager_http_request_db_duration_seconds_count", route=route) == count + 1
    assert value("taskmanager_http_request_db_duration_seconds_sum", route=route) > seconds
    assert value("taskmanager_db_queries_total", route=route) >= queries + 2  # session, user, tasks


@pytest.mark.django_db
def test_a_request_without_queries_observes_zero(client):
    route = "<unmatched>"
    count = value("taskmanager_http_request_db_duration_seconds_count", route=route)
    seconds = value("taskmanager_http_request_db_duration_seconds_sum", route=route)
    assert client.get("/no-such-page/").status_code == 404
    assert value("taskmanager_http_request_db_duration_seconds_count", route=route) == count + 1
    assert value("taskmanager_http_request_db_duration_seconds_sum", route=route) == seconds


@pytest.fixture
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def logins(outcome: str) -> float:
    return value("taskmanager_logins_total", outcome=outcome)


@pytest.mark.django_db
@override_settings(TASKMANAGER_LOGIN_RATE="1/min")
def test_every_login_outcome_counts_once(fresh_counts, monkeypatch):
    user = UserFactory()
    before = {outcome: logins(outcome) for outcome in ("success", "failure", "throttled", "busy")}
    user_authenticate(username=user.username, password=DEFAULT_PASSWORD, client="192.0.2.1")
    with pytest.raises(InvalidCredentials):
        user_authenticate(username=user.username, password="wrong", client="192.0.2.1")
    with pytest.raises(limits.Limited):
        user_authenticate(username=user.username, password="wrong", client="192.0.2.1")

    def busy(**kwargs):
        raise limits.HashingBusy()

    monkeypatch.setattr("taskmanager.accounts.services.password_hashing", busy)
    with pytest.raises(limits.HashingBusy):
        user_authenticate(username=user.username, password=DEFAULT_PASSWORD, client="192.0.2.2")
    assert {outcome: logins(outcome) - count for outcome, count in before.items()} == {
        "success": 1,
        "failure": 1,
        "throttled": 1,
        "busy": 1,
    }


def test_only_the_live_gauges_of_processes_that_exited_are_dropped(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead, alive = int(finished.stdout), os.getpid()
    for name in (
        f"gauge_livesum_{dead}.db",
        f"gauge_livesum_{alive}.db",
        f"counter_{dead}.db",
        f"histogram_{dead}.db",
    ):
        (tmp_path / name).write_bytes(b"")
    assert forget_dead_processes(str(tmp_path)) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"counter_{dead}.db", f"gauge_livesum_{alive}.db", f"histogram_{dead}.db"]
    )


def serve_module():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "deploy" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_server_empties_the_metrics_directory_of_metric_files_only(tmp_path, monkeypatch):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old counts")
    (directory / "notes.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    assert serve_module().metrics_directory(serving=True) == str(directory)
    assert [p.name for p in directory.iterdir()] == ["notes.txt"]


def test_without_a_directory_the_server_makes_a_new_one(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored (to unset) afterwards
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    serve = serve_module()
    assert serve.metrics_directory(serving=False) is None
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    made = serve.metrics_directory(serving=True)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == made
    assert os.path.isdir(made) and not os.listdir(made)
    os.rmdir(made)
