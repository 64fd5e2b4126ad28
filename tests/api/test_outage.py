"""A database that cannot be reached answers 503 with Retry-After, logged as one line.

Each request runs with the default connection pointed at a closed local port
(PostgreSQL) or an unopenable file (SQLite), so the driver itself fails to
connect; nothing in the request path is replaced.
"""

import logging
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from knox.models import AuthToken

from tests.api.helpers import TASKS_URL, assert_error
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.health.test_health import closed_port


@contextmanager
def database_down(django_db_blocker):
    original = connections["default"]
    settings_dict = dict(original.settings_dict)
    if original.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    else:
        settings_dict.update(NAME="/nonexistent-directory/taskmanager.sqlite3")
    unreachable = original.__class__(settings_dict, alias="default")
    with django_db_blocker.unblock():
        connections["default"] = unreachable
        try:
            yield
        finally:
            unreachable.close()
            connections["default"] = original


@pytest.fixture
def token(db):
    _instance, token = AuthToken.objects.create(user=UserFactory(username="carol"))
    return token


@pytest.fixture
def browser():
    # A real client sees the 503 answer; the test client would re-raise instead.
    return Client(raise_request_exception=False)


def assert_unavailable(response, caplog):
    error = assert_error(response, 503)
    assert error["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records), caplog.text
    serious = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(serious) == 1, caplog.text
    assert "\n" not in serious[0].getMessage()
    assert "database unavailable" in serious[0].getMessage()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", TASKS_URL, None),
        ("post", TASKS_URL, {"title": "lost?"}),
        ("get", "/api/v1/me/", None),
        ("get", "/api/v1/tasks/stats/", None),
    ],
)
def test_a_token_request_answers_503(django_db_blocker, browser, caplog, token, method, path, body):
    # The token lookup, before the view runs, is the first query to fail.
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = getattr(browser, method)(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert_unavailable(response, caplog)


def test_an_anonymous_login_answers_503(django_db_blocker, browser, caplog):
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = browser.post(
            "/api/v1/auth/token/",
            {"username": "carol", "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )

    assert_unavailable(response, caplog)


def test_a_browsable_api_session_answers_503(django_db_blocker, browser, caplog):
    # No Bearer header: DRF's session authentication loads the session from the database.
    browser.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = browser.get(TASKS_URL)

    assert_unavailable(response, caplog)


@pytest.mark.parametrize("path", ["/admin/", "/admin/tasks/task/", "/admin/login/"])
def test_an_admin_page_answers_503(django_db_blocker, browser, caplog, path):
    # A plain Django view: the session (and so the user) is read from the database.
    browser.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = browser.get(path)

    assert_unavailable(response, caplog)


def test_an_admin_login_answers_503(django_db_blocker, browser, caplog):
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = browser.post("/admin/login/", {"username": "carol", "password": DEFAULT_PASSWORD})

    assert_unavailable(response, caplog)


def test_the_next_request_after_the_outage_is_served(django_db_blocker, browser, caplog, token):
    with database_down(django_db_blocker):
        assert browser.get(TASKS_URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 503

    response = browser.get(TASKS_URL, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200


def test_readiness_logs_the_outage_in_one_line(django_db_blocker, browser, caplog, monkeypatch):
    from taskmanager.health import checks

    monkeypatch.setattr(checks, "_migrations_current", False)
    with database_down(django_db_blocker), caplog.at_level(logging.INFO):
        response = browser.get("/readyz")

    assert response.status_code == 503
    assert "database unreachable" in caplog.text
    assert all(record.exc_info is None for record in caplog.records), caplog.text
    assert not [record for record in caplog.records if "\n" in record.getMessage()], caplog.text
