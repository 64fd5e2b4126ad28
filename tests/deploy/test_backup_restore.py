"""The restore drill: a backup taken by the CronJob's own steps restores into a
fresh database with every table's rows intact.

It runs what the kind overlay's CronJob runs (pg-backup.sh `dump`, then
`prune`, with the rendered environment, pointed at the test PostgreSQL on a
migrated scratch database holding users, projects, members, tags and tasks),
then follows the restore runbook of docs/KUBERNETES.md (Back up and restore)
step by step: check the checksum, list the archive, restore into a new
database with the runbook's pg_restore options, compare, and swap the names.
The comparison covers every table (row count and an md5 of its rows in
primary-key order), every sequence's position, and the columns, constraints
and indexes.
"""

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest
from psycopg2 import sql

from tests.databases import new_scratch_database, scratch_database
from tests.deploy.manifests import KUSTOMIZE, all_containers, container_environment
from tests.deploy.test_backup import require_tools
from tests.processes import api_env, manage
from tests.settings import POSTGRES_URL

SCRIPT_DIR = KUSTOMIZE / "components" / "in-cluster-postgres" / "backup"
# The options the runbook restores with (docs/KUBERNETES.md).
RESTORE_OPTIONS = ["--no-owner", "--exit-on-error", "--single-transaction"]
POPULATE = """
from tests.factories import ProjectFactory, TaskFactory, UserFactory

alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
shared = ProjectFactory(name="Shared: ünïcode, 'quotes' and \\\\ slashes",
                        members={alice: "owner", bob: "editor", carol: "viewer"})
for number in range(40):
    TaskFactory(project=shared, created_by=alice, title=f"Task {number}\\twith a tab",
                description="line one\\nline two" if number % 2 else "",
                tags=["work", "home", "later"][: number % 4], completed=number % 5 == 0)
for number in range(7):
    TaskFactory(owner=bob, title=f"Bob's {number}")
"""
KEY_COLUMNS = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
ORDER BY array_position(i.indkey, a.attnum)
"""


def connect(url: str):
    parsed = urlparse(url)
    return psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, dbname=parsed.path.lstrip("/")
    )


def contents(url: str) -> dict:
    """Every table's row count and rows' md5 (in primary-key order), and every sequence's position."""
    with connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(KEY_COLUMNS, (f'public."{table}"',))
            keys = [sql.Identifier("t", row[0]) for row in cursor.fetchall()]
            order = sql.SQL(", ").join(keys) if keys else sql.SQL("t::text")
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) FROM {} t"
                ).format(order, sql.Identifier("public", table))
            )
            result[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        result["sequences"] = sorted(cursor.fetchall())
    connection.close()
    return result


SCHEMA = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
    " WHERE table_schema = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, contype FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace",
    "indexes": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'",
}


def schema(url: str) -> dict[str, list]:
    """Columns, constraints and indexes by name. (Not pg_dump --schema-only's text:
    PostgreSQL may print a restored CHECK expression differently, meaning the same.)"""
    with connect(url) as connection, connection.cursor() as cursor:
        result = {}
        for name, query in SCHEMA.items():
            cursor.execute(query)
            result[name] = sorted(cursor.fetchall())
    connection.close()
    return result


def run_cronjob_steps(rendering, database_url: str, backups: Path, password_file: Path) -> list[str]:
    """The kind CronJob's containers in their order (init containers first),
    as rendered, with the connection and the directories pointed here."""
    cronjob = rendering.get("CronJob", "taskmanager-backup")
    url = urlparse(database_url)
    outputs = []
    for container in all_containers(cronjob):
        environment = container_environment(rendering, cronjob, container)
        environment.update(
            PATH=os.environ["PATH"],
            PGHOST=url.hostname,
            PGPORT=str(url.port or 5432),
            POSTGRES_USER=url.username,
            POSTGRES_DB=url.path.lstrip("/"),
            BACKUP_DIR=str(backups),
            POSTGRES_PASSWORD_FILE=str(password_file),
        )
        command = [part.replace("/scripts/", f"{SCRIPT_DIR}/") for part in container["command"]]
        step = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
        assert step.returncode == 0, f"{container['name']}: {step.stderr}"
        outputs.append(step.stderr)
    return outputs


@pytest.fixture
def source(tmp_path):
    """A migrated scratch database with data in every domain table."""
    require_tools()
    with new_scratch_database("taskmanager_drill") as url:
        env = api_env(url)
        migrated = manage("migrate", "--noinput", "-v0", env=env, timeout=300)
        assert migrated.returncode == 0, migrated.stderr
        populated = manage("shell", "-c", POPULATE, env=env)
        assert populated.returncode == 0, populated.stderr
        yield url


def test_a_backup_restores_into_a_fresh_database_with_every_row(renderings, source, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    password = tmp_path / "password"
    password.write_text("trust-auth-ignores-it")
    before = contents(source)
    for table in ("auth_user", "projects_project", "projects_membership", "tasks_task", "tasks_tag"):
        assert before[table][0] > 0, f"{table} is empty: the drill would prove nothing"

    # The nightly backup: dump, then prune.
    outputs = run_cronjob_steps(renderings["kind"], source, backups, password)
    assert "kept 1 dumps" in outputs[-1]
    (dump,) = backups.glob("*.dump")

    # Runbook 1: the dump is the one that was written, and reads back.
    checked = subprocess.run(["sha256sum", "-c", f"{dump.name}.sha256"], cwd=backups, capture_output=True)
    assert checked.returncode == 0, checked.stdout
    listed = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True)
    assert " TABLE DATA public tasks_task " in listed.stdout

    # Runbook 2: restore into a new database, never over the live one.
    server = urlparse(POSTGRES_URL)
    restored_name = f"{urlparse(source).path.lstrip('/')}_restore"
    with scratch_database(restored_name) as restored:
        subprocess.run(
            ["pg_restore", f"--dbname={restored}", *RESTORE_OPTIONS, str(dump)],
            capture_output=True,
            text=True,
            check=True,
        )

        # Runbook 3: compare, table by table.
        after = contents(restored)
        assert after == before
        assert schema(restored) == schema(source)

        # Runbook 4: swap the names while nothing is connected; the old one stays until dropped.
        live = urlparse(source).path.lstrip("/")
        admin = psycopg2.connect(
            host=server.hostname, port=server.port or 5432, user=server.username, dbname="postgres"
        )
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                for old, new in ((live, f"{live}_before_restore"), (restored_name, live)):
                    cursor.execute(
                        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                            sql.Identifier(old), sql.Identifier(new)
                        )
                    )
            assert contents(source) == before  # the name the API uses now holds the restored copy
        finally:
            with admin.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(f"{live}_before_restore")
                    )
                )
            admin.close()


def test_the_drill_follows_the_runbook():
    """The runbook restores with the same options the drill does."""
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "KUBERNETES.md").read_text()
    section = runbook[runbook.index("## Back up and restore") :]
    section = section[: section.index("\n## ", 5)]
    for option in RESTORE_OPTIONS:
        assert option in section
    for step in ("sha256sum -c", "pg_restore --list", "createdb", "ALTER DATABASE"):
        assert step in section, step
