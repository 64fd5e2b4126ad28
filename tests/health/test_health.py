"""Liveness and readiness probes, and Host validation everywhere else."""

import socket

import pytest
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from taskmanager.health import checks

PROBE_HOST = "10.1.2.3:8000"  # how kubelet addresses a pod: by IP, not a configured host name


def closed_port() -> int:
    """A local TCP port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_migration_check(monkeypatch):
    # The check remembers success for the life of the process; start each test unknown.
    monkeypatch.setattr(checks, "_migrations_current", False)


class TestLiveness:
    # No django_db mark: any database access here would raise, proving liveness touches none.
    @pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
    def test_ok_for_any_host_without_touching_the_database(self, client, settings, path):
        assert PROBE_HOST.split(":")[0] not in settings.ALLOWED_HOSTS

        response = client.get(path, HTTP_HOST=PROBE_HOST)

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_migration_check")
class TestReadiness:
    def test_ready_when_the_database_answers_and_migrations_are_applied(self, client):
        response = client.get("/readyz", HTTP_HOST=PROBE_HOST)

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
        assert response["Cache-Control"] == "no-store"

    def test_ready_while_the_cache_is_unreachable(self, client, settings):
        """Only the login counts live in Redis, and they are skipped while it is
        down; a readiness check on it would pull every API pod for that outage."""
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}  # fmt: skip

        response = client.get("/readyz", HTTP_HOST=PROBE_HOST)

        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "migrations": "ok"}

    def test_not_ready_while_a_migration_is_unapplied(self, client):
        # Forget the task app's latest migration, as if a new image brought it
        # before the migrate job ran (rolled back with the test's transaction).
        (app, name) = MigrationLoader(connection).graph.leaf_nodes("tasks")[0]
        assert MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()[0] == 1

        response = client.get("/readyz", HTTP_HOST=PROBE_HOST)

        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "ok", "migrations": "pending"},
        }


@pytest.mark.usefixtures("fresh_migration_check")
def test_not_ready_when_the_database_is_unreachable(client, django_db_blocker, caplog):
    """A real connection attempt to a closed port (PostgreSQL) or an unopenable file (SQLite).

    The request runs with a connection whose settings point nowhere, so the
    driver itself fails to connect; nothing in the check is replaced.
    """
    original = connections["default"]
    settings_dict = dict(original.settings_dict)
    if original.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        driver_error = "Connection refused"
    else:
        settings_dict.update(NAME="/nonexistent-directory/taskmanager.sqlite3")
        driver_error = "unable to open database file"
    unreachable = original.__class__(settings_dict, alias="default")

    with django_db_blocker.unblock():
        connections["default"] = unreachable
        try:
            response = client.get("/readyz", HTTP_HOST=PROBE_HOST)
        finally:
            unreachable.close()
            connections["default"] = original

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert response["Cache-Control"] == "no-store"
    # The driver's own error, logged by the check: a connection was really attempted.
    assert driver_error in caplog.text


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/admin/", "/api/v1/schema/", "/"])
def test_other_paths_refuse_an_unknown_host(client, path):
    response = client.get(path, HTTP_HOST=PROBE_HOST)

    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_other_paths_accept_a_configured_host(client):
    assert client.get("/").status_code == 302
