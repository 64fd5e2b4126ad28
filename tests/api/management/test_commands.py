"""The API role's own management commands, run as real processes against PostgreSQL."""

import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.conf import settings

from tests.databases import scratch_database
from tests.prerequisites import unavailable
from tests.processes import ROOT, clean_env, manage


@pytest.fixture(autouse=True)
def _postgresql_only():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        unavailable("the advisory lock needs PostgreSQL", "set DATABASE_URL to a postgres:// URL")


def _api_env(database_url: str, **extra) -> dict:
    return clean_env(TASKMANAGER_ROLE="api", SECRET_KEY="x" * 50, DATABASE_URL=database_url, **extra)


def test_concurrent_migrators_take_turns_and_apply_each_migration_once():
    with scratch_database(f"taskmanager_scratch_{uuid.uuid4().hex[:8]}") as url:
        env = _api_env(url)
        migrators = [
            subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "migrate_with_lock", "--noinput"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [process.communicate(timeout=180)[0] for process in migrators]
        assert [process.returncode for process in migrators] == [0, 0, 0], outputs
        # Exactly one process applied the migrations; the others found nothing left.
        assert sum("Applying tasks.0001_initial... OK" in output for output in outputs) == 1, outputs

        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT app, name, count(*) FROM django_migrations GROUP BY 1, 2 HAVING count(*) > 1"
            )
            assert cursor.fetchall() == []

        check = manage("migrate", "--check", env=env)
        assert check.returncode == 0, check.stdout + check.stderr


def test_ensure_admin_creates_then_updates_without_duplicates():
    with scratch_database(f"taskmanager_scratch_{uuid.uuid4().hex[:8]}") as url:
        env = _api_env(url)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0

        missing = manage("ensure_admin", env={**env, "TASKMANAGER_ADMIN_USERNAME": "root"})
        assert missing.returncode != 0
        assert "TASKMANAGER_ADMIN_PASSWORD" in missing.stderr

        admin_env = {
            **env,
            "TASKMANAGER_ADMIN_USERNAME": "boss",
            "TASKMANAGER_ADMIN_PASSWORD": "first-Pass-1",
        }
        first = manage("ensure_admin", env=admin_env)
        second = manage("ensure_admin", env={**admin_env, "TASKMANAGER_ADMIN_PASSWORD": "second-Pass-2"})
        assert "created" in first.stdout and "updated" in second.stdout, (first, second)

        verify = manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.contrib.auth import authenticate, get_user_model as g\n"
            "u = g().objects.get(username='boss')\n"
            "print(g().objects.filter(username='boss').count(), u.is_superuser, u.is_staff,"
            " authenticate(username='boss', password='second-Pass-2') is not None,"
            " authenticate(username='boss', password='first-Pass-1') is not None)",
            env=env,
        )
        assert verify.stdout.split() == ["1", "True", "True", "True", "False"], verify.stderr
