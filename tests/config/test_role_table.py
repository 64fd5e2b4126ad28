"""The role table is the one place that says what a role runs; the entry point asks it."""

import os
import subprocess
import sys

import pytest

from taskmanager.config.roles import ROLE_TABLE, ROLES
from tests.processes import ROOT


def may_run(role: str | None, command: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "TASKMANAGER_ROLE"}
    if role is not None:
        env["TASKMANAGER_ROLE"] = role
    return subprocess.run(
        [sys.executable, "-m", "taskmanager.config.roles", "may-run", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("role", "command", "allowed"),
    [
        ("api", "migrate", True),
        ("api", "ensure-admin", True),
        ("api", "serve", True),
        ("ui", "serve", True),
        ("ui", "manage", True),
        ("ui", "migrate", False),
        ("ui", "ensure-admin", False),
        (" UI ", "migrate", False),
        ("worker", "worker", True),
        ("worker", "manage", True),
        ("worker", "serve", False),
        ("worker", "migrate", False),
        ("api", "worker", False),
    ],
)
def test_the_entry_point_asks_the_table_which_commands_a_role_runs(role, command, allowed):
    result = may_run(role, command)
    assert (result.returncode == 0) is allowed, result.stderr
    if not allowed:
        assert result.returncode == 2
        needed = " or ".join(sorted(name for name in ROLES if command in ROLE_TABLE[name].commands))
        shown = role.strip().lower()
        assert f"'{command}' needs TASKMANAGER_ROLE={needed} (it is '{shown}')" in result.stderr


@pytest.mark.parametrize("role", [None, "scheduler"])
def test_an_unknown_role_is_refused_with_the_choices(role):
    result = may_run(role, "serve")
    assert result.returncode == 2
    assert "TASKMANAGER_ROLE" in result.stderr
    assert "api, ui, worker" in result.stderr


def test_only_the_roles_with_a_database_list_database_checks():
    assert {name for name in ROLES if ROLE_TABLE[name].has_database} == {"api", "worker"}
    assert ROLE_TABLE["ui"].readiness_checks == ()
    assert ROLE_TABLE["worker"].readiness_checks == ROLE_TABLE["api"].readiness_checks
    assert any("database" in check for check in ROLE_TABLE["api"].readiness_checks)


def test_the_job_queue_is_in_the_roles_that_defer_and_run_jobs():
    for name in ("api", "worker"):
        assert "procrastinate.contrib.django" in ROLE_TABLE[name].apps
        assert "taskmanager.reminders" in ROLE_TABLE[name].apps
    assert not ROLE_TABLE["worker"].middleware


def test_settings_take_apps_middleware_and_urls_from_the_table(settings):
    profile = ROLE_TABLE[settings.ROLE]
    assert set(profile.apps) <= set(settings.INSTALLED_APPS)
    assert [m for m in settings.MIDDLEWARE if m in profile.middleware] == list(profile.middleware)
    assert profile.urlconf == settings.ROOT_URLCONF
    assert profile.readiness_checks == settings.READINESS_CHECKS
