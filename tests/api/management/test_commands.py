"""The API role's own management commands, run as real processes against PostgreSQL."""

import psycopg2
import pytest

from deploy import run_local
from tests.databases import new_scratch_database
from tests.prerequisites import require_postgresql
from tests.processes import api_env, manage, start_manage


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("the advisory lock")


def test_concurrent_migrators_take_turns_and_apply_each_migration_once():
    with new_scratch_database("taskmanager_scratch") as url:
        env = api_env(url)
        migrators = [start_manage("migrate_with_lock", "--noinput", env=env) for _ in range(3)]
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


def _admin_state(env: dict, username: str, *passwords: str) -> list[str]:
    """How many users have the name, whether it is staff and superuser, and which passwords log in."""
    checks = "".join(f", authenticate(username={username!r}, password={p!r}) is not None" for p in passwords)
    verify = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import authenticate, get_user_model as g\n"
        f"u = g().objects.get(username__iexact={username!r})\n"
        f"n = g().objects.filter(username__iexact={username!r}).count()\n"
        f"print(n, u.is_superuser, u.is_staff{checks})",
        env=env,
    )
    assert verify.returncode == 0, verify.stderr
    return verify.stdout.split()


def test_ensure_admin_creates_once_then_never_touches_the_password(tmp_path):
    with new_scratch_database("taskmanager_scratch") as url:
        env = api_env(url)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0

        missing = manage("ensure_admin", env={**env, "TASKMANAGER_ADMIN_USERNAME": "root"})
        assert missing.returncode != 0
        assert "TASKMANAGER_ADMIN_PASSWORD" in missing.stderr

        # The manifests hand the password over as a file that only this step mounts.
        password_file = tmp_path / "password"
        password_file.write_text("first-Pass-1\n")
        admin_env = {
            **env,
            "TASKMANAGER_ADMIN_USERNAME": "boss",
            "TASKMANAGER_ADMIN_PASSWORD_FILE": str(password_file),
        }
        first = manage("ensure_admin", env=admin_env)
        password_file.write_text("second-Pass-2")
        second = manage("ensure_admin", env={**admin_env, "TASKMANAGER_ADMIN_USERNAME": "BOSS"})
        assert first.returncode == second.returncode == 0, (first, second)
        assert "'boss' created" in first.stdout, first
        assert "exists" in second.stdout and "--reset-password" in second.stdout, second
        state = _admin_state(env, "boss", "first-Pass-1", "second-Pass-2")
        assert state == ["1", "True", "True", "True", "False"]

        reset = manage("ensure_admin", "--reset-password", env=admin_env)
        assert reset.returncode == 0, reset
        assert "password reset" in reset.stdout, reset
        state = _admin_state(env, "boss", "first-Pass-1", "second-Pass-2")
        assert state == ["1", "True", "True", "False", "True"]

        unreadable_env = {**admin_env, "TASKMANAGER_ADMIN_PASSWORD_FILE": "/nonexistent"}
        unreadable = manage("ensure_admin", env=unreadable_env)
        assert unreadable.returncode != 0
        assert "/nonexistent" in unreadable.stderr


def test_api_pods_starting_together_create_the_admin_once():
    with new_scratch_database("taskmanager_scratch") as url:
        env = api_env(url)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0
        starts = [
            start_manage(
                "ensure_admin",
                env={
                    **env,
                    "TASKMANAGER_ADMIN_USERNAME": "admin",
                    "TASKMANAGER_ADMIN_PASSWORD": f"pod-{pod}-Pass",
                },
            )
            for pod in range(4)
        ]
        outputs = [process.communicate(timeout=180)[0] for process in starts]
        assert [process.returncode for process in starts] == [0, 0, 0, 0], outputs
        assert sum("created" in output for output in outputs) == 1, outputs
        assert sum("exists" in output for output in outputs) == 3, outputs
        (creator,) = [pod for pod, output in enumerate(outputs) if "created" in output]
        state = _admin_state(env, "admin", *(f"pod-{pod}-Pass" for pod in range(4)))
        assert state[:3] == ["1", "True", "True"]
        assert [index for index, works in enumerate(state[3:]) if works == "True"] == [creator]


def test_make_run_gives_the_demo_user_the_password_it_prints():
    with new_scratch_database("taskmanager_scratch") as url:
        env = api_env(url)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0

        run_local.demo_user_ensure(env, "first-start-Pass")
        run_local.demo_user_ensure(env, "second-start-Pass")

        state = _admin_state(env, "demo", "first-start-Pass", "second-start-Pass")
        assert state == ["1", "True", "True", "False", "True"]
