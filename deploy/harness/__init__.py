"""Starting the project's role processes and scratch databases, for `make run`, the tests and the benchmark.

Every process starts through the image's entry point (deploy/entrypoint.sh),
so a change of server or command there is followed everywhere.
"""

from deploy.harness.commands import (
    ENTRYPOINT,
    ROOT,
    CommandFailed,
    clean_env,
    entrypoint_env,
    manage,
    migrate,
    run_entrypoint,
    start_entrypoint,
    start_manage,
)
from deploy.harness.databases import (
    DEFAULT_POSTGRES_URL,
    connect_admin,
    create_database,
    database_name,
    database_names,
    database_url,
    drop_database,
    ensure_database,
    postgres_url,
    recreate_database,
    scratch_database,
    server_version,
)
from deploy.harness.ports import free_port, port_is_free, port_outside_ephemeral_range
from deploy.harness.processes import RoleProcess, children_of, wait_until_answers

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "ENTRYPOINT",
    "ROOT",
    "CommandFailed",
    "RoleProcess",
    "children_of",
    "clean_env",
    "connect_admin",
    "create_database",
    "database_name",
    "database_names",
    "database_url",
    "drop_database",
    "ensure_database",
    "entrypoint_env",
    "free_port",
    "manage",
    "migrate",
    "port_is_free",
    "port_outside_ephemeral_range",
    "postgres_url",
    "recreate_database",
    "run_entrypoint",
    "scratch_database",
    "server_version",
    "start_entrypoint",
    "start_manage",
    "wait_until_answers",
]
