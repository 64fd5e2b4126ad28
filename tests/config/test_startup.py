"""Start-up configuration errors and the role switch, checked in fresh processes."""

import json

import httpx
import pytest

from tests.processes import clean_env, manage, role_server

SECRET = "a-test-secret-key-that-is-long-enough-for-checks"


@pytest.mark.parametrize("role", [None, "", "scheduler", "API "])
def test_missing_or_unknown_role_is_a_clear_startup_error(role):
    env = clean_env(SECRET_KEY=SECRET)
    if role is not None:
        env["TASKMANAGER_ROLE"] = role
    result = manage("check", env=env)
    if role == "API ":
        # Surrounding space and case are forgiven; only the value itself matters.
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode != 0
    assert "TASKMANAGER_ROLE" in result.stderr
    assert "api, ui, worker" in result.stderr


def test_missing_secret_key_without_debug_refuses_to_start():
    result = manage("check", env=clean_env(TASKMANAGER_ROLE="api"))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_may_run_without_secret_key():
    result = manage("check", env=clean_env(TASKMANAGER_ROLE="api", DEBUG="true"))
    assert result.returncode == 0, result.stderr


def test_ui_role_requires_the_api_url():
    result = manage("check", env=clean_env(TASKMANAGER_ROLE="ui", SECRET_KEY=SECRET))
    assert result.returncode != 0
    assert "TASKMANAGER_API_URL" in result.stderr


ROUTES_SCRIPT = """
import json
from django.urls import get_resolver, URLPattern, URLResolver

def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        else:
            yield route

print(json.dumps(sorted(set(walk(get_resolver())))))
"""


def _routes(role: str) -> list[str]:
    env = clean_env(TASKMANAGER_ROLE=role, SECRET_KEY=SECRET, TASKMANAGER_API_URL="http://api.invalid")
    result = manage("shell", "--no-imports", "-c", ROUTES_SCRIPT, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_api_role_routes_hold_only_the_api_and_admin():
    routes = _routes("api")
    assert any(route.startswith("api/v1/") for route in routes)
    assert any(route.startswith("admin/") for route in routes)
    assert all(route.startswith(("api/v1/", "admin/")) or route == "" for route in routes), routes


def test_ui_role_routes_hold_no_api_or_admin():
    routes = _routes("ui")
    assert routes, "the UI role serves pages"
    assert not [route for route in routes if route.startswith(("api/", "admin/"))]


def test_ui_role_has_no_database_configured():
    env = clean_env(
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=SECRET,
        TASKMANAGER_API_URL="http://api.invalid",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    script = (
        "from django.conf import settings; from django.db import connection\n"
        "print(settings.DATABASES)\n"
        "try:\n    connection.ensure_connection()\nexcept Exception as e:\n    print(type(e).__name__)\n"
    )
    result = manage("shell", "--no-imports", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    # Even with DATABASE_URL set, the UI role configures no database and any use fails loudly.
    assert result.stdout.splitlines() == ["{}", "ImproperlyConfigured"]


def test_ui_role_serves_health_from_a_real_server_without_a_database(tmp_path):
    env = clean_env(
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=SECRET,
        TASKMANAGER_API_URL="http://127.0.0.1:9",  # nothing listens: the API is down
        STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    with role_server(env, tmp_path / "ui.log") as base_url:
        # Probes address pods by IP, which ALLOWED_HOSTS (empty here) does not list.
        live = httpx.get(f"{base_url}/healthz", headers={"Host": "10.244.1.7:8000"})
        ready = httpx.get(f"{base_url}/readyz", headers={"Host": "10.244.1.7:8000"})
        other = httpx.get(f"{base_url}/", headers={"Host": "10.244.1.7:8000"})
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert other.status_code == 400  # host validation still holds everywhere else
    assert "Cache-Control" in live.headers and "no-store" in live.headers["Cache-Control"]
