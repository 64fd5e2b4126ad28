"""The process roles, one table each, and the one reading of TASKMANAGER_ROLE.

One image runs as the API role (REST API, admin, migrations), the UI role
(server-rendered pages over the API's HTTP interface; no database) or the
worker role (background jobs from the PostgreSQL queue, such as reminder
emails; it shares the API's database and serves only its health checks).
Everything that differs between them is a column of ``ROLE_TABLE``:
settings reads the apps, middleware, URL map and readiness checks from it,
and the image's entry point asks ``python -m taskmanager.config.roles`` which
commands a role may run. Nothing else asks which role a process is.

Guessing a role would let a misconfigured pod serve the wrong thing, so a
missing or unknown value stops the process at start-up.
"""

import os
import sys
from dataclasses import dataclass

ROLE_VARIABLE = "TASKMANAGER_ROLE"
API = "api"
UI = "ui"
WORKER = "worker"
ROLES = (API, UI, WORKER)


@dataclass(frozen=True)
class RoleProfile:
    name: str
    summary: str
    apps: tuple[str, ...]
    middleware: tuple[str, ...]
    urlconf: str
    context_processors: tuple[str, ...]
    # /readyz runs these callables (dotted paths) in order; each returns (name, ok, state).
    readiness_checks: tuple[str, ...]
    has_database: bool
    # The entry point's commands this role may run (deploy/entrypoint.sh).
    commands: frozenset[str]


ROLE_TABLE = {
    API: RoleProfile(
        name=API,
        summary="REST API, admin and migrations",
        apps=(
            # The admin, on a site whose login has the same limits as the token endpoint.
            "taskmanager.api.apps.LimitedAdminConfig",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "rest_framework",
            "knox",
            "django_filters",
            "drf_spectacular",
            "drf_spectacular_sidecar",
            # The job queue's tables (its migrations run with the API's) and its
            # read-only admin; API code defers jobs inside its own transactions.
            "procrastinate.contrib.django",
            "taskmanager.projects",
            "taskmanager.tasks",
            "taskmanager.accounts",
            "taskmanager.reminders",
            "taskmanager.jobs",
            "taskmanager.api",
        ),
        middleware=(
            # First, so that the session and token look-ups are timed too.
            "taskmanager.metrics.database.DatabaseTimeMiddleware",
            "taskmanager.api.middleware.JsonErrorMiddleware",
            # Before anything reads the database; a no-op without DATABASE_REPLICA_URL.
            "taskmanager.config.read_replica.ReadReplicaMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "taskmanager.api.middleware.SlashRedirectMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ),
        urlconf="taskmanager.config.urls_api",
        context_processors=("django.contrib.auth.context_processors.auth",),
        readiness_checks=(
            "taskmanager.health.checks.database_answers",
            "taskmanager.health.checks.migrations_applied",
        ),
        has_database=True,
        commands=frozenset({"serve", "migrate", "ensure-admin", "manage"}),
    ),
    UI: RoleProfile(
        name=UI,
        summary="browser UI over the API",
        apps=("taskmanager.ui",),
        middleware=(
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "taskmanager.ui.middleware.ContentSecurityPolicyMiddleware",
            "taskmanager.ui.middleware.ApiErrorMiddleware",
        ),
        urlconf="taskmanager.config.urls_ui",
        context_processors=("taskmanager.ui.context_processors.ui",),
        # Ready when it can serve pages: the API being down is shown to users
        # as a 503 page, not by pulling the pod out of the Service (which
        # would only turn a clear error into a refused connection).
        readiness_checks=(),
        has_database=False,
        commands=frozenset({"serve", "manage"}),
    ),
    WORKER: RoleProfile(
        name=WORKER,
        summary="background jobs from the database queue",
        apps=(
            "django.contrib.auth",
            "django.contrib.contenttypes",
            # The accounts app's signal handlers revoke API tokens, so their model loads here too.
            "knox",
            "procrastinate.contrib.django",
            "taskmanager.projects",
            "taskmanager.tasks",
            "taskmanager.accounts",
            "taskmanager.reminders",
            "taskmanager.jobs",
        ),
        # No page is served: the worker's own health server answers /healthz and /readyz.
        middleware=(),
        urlconf="taskmanager.config.urls_worker",
        context_processors=(),
        # Ready once the schema it runs jobs against is the one it expects.
        readiness_checks=(
            "taskmanager.health.checks.database_answers",
            "taskmanager.health.checks.migrations_applied",
        ),
        has_database=True,
        commands=frozenset({"worker", "manage"}),
    ),
}


def current_role(environ=os.environ) -> str:
    value = environ.get(ROLE_VARIABLE, "").strip().lower()
    if value not in ROLES:
        shown = repr(environ[ROLE_VARIABLE]) if ROLE_VARIABLE in environ else "not set"
        described = "; ".join(f"{name}: {ROLE_TABLE[name].summary}" for name in ROLES)
        raise ValueError(f"{ROLE_VARIABLE} is {shown}; set it to one of: {', '.join(ROLES)} ({described}).")
    return value


def current_profile(environ=os.environ) -> RoleProfile:
    return ROLE_TABLE[current_role(environ)]


def main(argv: list[str]) -> int:
    """``python -m taskmanager.config.roles may-run COMMAND``: exit 0 when this role runs COMMAND."""
    if len(argv) != 2 or argv[0] != "may-run":
        print("usage: python -m taskmanager.config.roles may-run COMMAND", file=sys.stderr)
        return 2
    command = argv[1]
    try:
        profile = current_profile()
    except ValueError as error:
        print(f"entrypoint: {error}", file=sys.stderr)
        return 2
    if command not in profile.commands:
        allowed = sorted(name for name, other in ROLE_TABLE.items() if command in other.commands)
        print(
            f"entrypoint: '{command}' needs {ROLE_VARIABLE}={' or '.join(allowed) or '(no role)'} "
            f"(it is '{profile.name}')",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
