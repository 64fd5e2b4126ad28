"""The nightly backup of the in-cluster PostgreSQL: a CronJob wherever that
component is used (kind) that runs pg-backup.sh's `dump` and then its `prune`
on the claim taskmanager-backups and reaches only PostgreSQL; none where
CloudNativePG or a managed database keeps the backups (staging, production:
test_database.py); and the script's failures and retention, run for real
against the test PostgreSQL.

The restore drill is tests/deploy/test_backup_restore.py."""

import os
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.databases import new_scratch_database
from tests.deploy.manifests import (
    KUSTOMIZE,
    all_containers,
    container_environment,
    pod_labels,
    pod_spec,
    rendering_database,
    selects,
)
from tests.deploy.network import allowed, applies_to
from tests.deploy.test_policies import API, DATABASE, UI
from tests.deploy.test_redis import REDIS
from tests.prerequisites import unavailable

SCRIPT = KUSTOMIZE / "components" / "in-cluster-postgres" / "backup" / "pg-backup.sh"
CRONJOB, CLAIM = "taskmanager-backup", "taskmanager-backups"
DAY = 24 * 60 * 60


@pytest.fixture
def rendering(in_cluster_postgres):
    """Here: each rendering whose PostgreSQL is components/in-cluster-postgres."""
    return in_cluster_postgres


def cronjob(rendering) -> dict:
    return rendering.get("CronJob", CRONJOB)


def container(rendering, name: str) -> dict:
    (found,) = [c for c in all_containers(cronjob(rendering)) if c["name"] == name]
    return found


# --- the manifests -------------------------------------------------------------------


def test_the_in_cluster_database_is_backed_up_nightly_one_run_at_a_time(rendering):
    spec = cronjob(rendering)["spec"]
    minute, hour, *every_day = spec["schedule"].split()
    assert every_day == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] >= 1 and job["activeDeadlineSeconds"] > 0
    assert pod_spec(cronjob(rendering))["restartPolicy"] == "Never"


def test_the_dump_runs_first_then_prune_from_the_committed_script(rendering):
    spec = pod_spec(cronjob(rendering))
    (dump,) = spec["initContainers"]
    assert dump["command"] == ["bash", "/scripts/pg-backup.sh", "dump"]
    prune = container(rendering, "prune")
    assert prune["command"] == ["bash", "/scripts/pg-backup.sh", "prune"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    for step in (dump, prune):
        (mount,) = [m for m in step["volumeMounts"] if m["mountPath"] == "/scripts"]
        config_map = volumes[mount["name"]]["configMap"]["name"]
        assert rendering.configmap_data(config_map)["pg-backup.sh"] == SCRIPT.read_text()
        # The database's own image: a pg_dump of the server's major version.
        database = pod_spec(rendering.workload(DATABASE))["containers"][0]["image"]
        assert step["image"] == database


def test_the_dump_connects_as_the_database_was_made(rendering):
    workload = cronjob(rendering)
    dump = container(rendering, "dump")
    environment = container_environment(rendering, workload, dump)
    database = rendering.workload(DATABASE)
    postgres = container_environment(rendering, database, pod_spec(database)["containers"][0])
    assert environment["PGHOST"] == rendering.get("Service", "postgres")["metadata"]["name"]
    assert environment["POSTGRES_USER"] == postgres["POSTGRES_USER"]
    assert environment["POSTGRES_DB"] == postgres["POSTGRES_DB"]
    assert int(environment["BACKUP_KEEP_DAYS"]) >= 7
    # The password file is where the dump step mounts the database's Secret.
    secret = [v for v in pod_spec(workload)["volumes"] if "secret" in v]
    (credentials,) = [v for v in secret if v["secret"]["secretName"].startswith("postgres-credentials")]
    (mount,) = [m for m in dump["volumeMounts"] if m["name"] == credentials["name"]]
    assert environment["POSTGRES_PASSWORD_FILE"].startswith(mount["mountPath"] + "/")
    assert "credentials" not in {m["name"] for m in container(rendering, "prune")["volumeMounts"]}


def test_the_dumps_land_on_the_claim_that_postgres_reads(rendering):
    assert rendering.get("PersistentVolumeClaim", CLAIM)["spec"]["accessModes"] == ["ReadWriteOnce"]
    spec = pod_spec(cronjob(rendering))
    (backups,) = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
    assert backups["persistentVolumeClaim"]["claimName"] == CLAIM
    environment = container_environment(rendering, cronjob(rendering), container(rendering, "dump"))
    for name in ("dump", "prune"):
        mounts = {m["mountPath"]: m for m in container(rendering, name)["volumeMounts"]}
        assert mounts[environment["BACKUP_DIR"]]["name"] == backups["name"]
    # postgres-0 sees them read-only, for restores; so the backup pod runs on its node.
    database = pod_spec(rendering.workload(DATABASE))
    (claim,) = [v for v in database["volumes"] if "persistentVolumeClaim" in v]
    assert claim["persistentVolumeClaim"] == {"claimName": CLAIM, "readOnly": True}
    (mount,) = [m for m in database["containers"][0]["volumeMounts"] if m["name"] == claim["name"]]
    assert mount["readOnly"] is True
    (term,) = spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert selects(term["labelSelector"], pod_labels(rendering.workload(DATABASE)))


def test_the_backup_reaches_postgres_and_nothing_reaches_it(rendering):
    backup = cronjob(rendering)
    api, ui, database, redis = (rendering.workload(n) for n in (API, UI, DATABASE, REDIS))
    assert allowed(rendering, backup, database, 5432)
    assert allowed(rendering, api, database, 5432)  # still
    assert not allowed(rendering, backup, api, 8000)
    assert not allowed(rendering, backup, ui, 8000)
    assert not allowed(rendering, backup, redis, 6379)
    assert not allowed(rendering, ui, database, 5432)
    assert not allowed(rendering, None, database, 5432)
    covering = [p for p in rendering.of_kind("NetworkPolicy") if applies_to(p, backup)]
    for policy in covering:
        assert not policy["spec"].get("ingress"), policy["metadata"]["name"]
    # It finds the database by name: the cluster DNS is allowed.
    dns = [port for p in covering for rule in p["spec"].get("egress", []) for port in rule.get("ports", [])]
    assert {"protocol": "UDP", "port": 53} in dns


@pytest.mark.parametrize("database", ["cloudnative-pg", "external-database"])
def test_no_dump_runs_where_the_database_backs_itself_up(renderings, database):
    """CloudNativePG archives WAL and takes base backups to object storage
    (test_database.py); a managed database is its provider's to back up. A
    pg_dump CronJob there would have no postgres-config, no password file and
    no claim beside the database to write to."""
    for name, rendering in renderings.items():
        if rendering_database(name) != database:
            continue
        assert not rendering.of_kind("CronJob"), name
        assert CLAIM not in {c["metadata"]["name"] for c in rendering.of_kind("PersistentVolumeClaim")}, name
        components = {
            p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
            for p in rendering.of_kind("NetworkPolicy")
        }
        assert "backup" not in components, name


# --- the script, for real ---------------------------------------------------------------


def require_tools() -> None:
    for tool in ("pg_dump", "pg_restore", "psql"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
            unavailable(f"{tool} is not installed", "apt-get install postgresql-client")


def backup(action: str, directory: Path, database_url: str, **settings) -> subprocess.CompletedProcess:
    url = urlparse(database_url)
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": url.hostname,
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.path.lstrip("/"),
        "BACKUP_DIR": str(directory),
        "BACKUP_KEEP_DAYS": "7",
        **settings,
    }
    command = ["bash", str(SCRIPT), action] if action else ["bash", str(SCRIPT)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def database_url():
    require_tools()
    with new_scratch_database("taskmanager_backup") as url:
        subprocess.run(
            ["psql", url, "-qc", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)"],
            check=True,
            capture_output=True,
        )
        yield url


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_database_it_cannot_reach_fails_and_leaves_nothing(tmp_path):
    require_tools()
    result = backup("dump", tmp_path, "postgres://postgres@127.0.0.1:1/nowhere", PGCONNECT_TIMEOUT="2")
    assert result.returncode != 0
    assert "FAILED" in result.stderr
    assert listing(tmp_path) == []


def test_a_dump_without_table_data_is_not_published(tmp_path):
    require_tools()
    with new_scratch_database("taskmanager_backup_empty") as url:
        result = backup("dump", tmp_path, url)
    assert result.returncode == 1
    assert "holds no table data" in result.stderr
    assert listing(tmp_path) == []


@pytest.mark.parametrize("days", ["0", "-1", "seven", ""])
def test_a_retention_that_is_not_a_number_of_days_is_refused(tmp_path, database_url, days):
    result = backup("", tmp_path, database_url, BACKUP_KEEP_DAYS=days)
    if days == "":
        # Unset falls back to the default, 7.
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    assert "BACKUP_KEEP_DAYS" in result.stderr
    assert listing(tmp_path) == []


def test_a_missing_backup_directory_is_refused(tmp_path, database_url):
    result = backup("dump", tmp_path / "missing", database_url)
    assert result.returncode == 1
    assert "not a writable directory" in result.stderr


def test_the_password_comes_from_the_mounted_file(tmp_path, database_url):
    """Trust auth ignores it, but the pgpass line made of it must be valid, and
    a password with ':' and '\\' must not break it."""
    password = tmp_path / "password"
    password.write_text("a:b\\c")
    backups = tmp_path / "backups"
    backups.mkdir()
    result = backup("dump", backups, database_url, POSTGRES_PASSWORD_FILE=str(password))
    assert result.returncode == 0, result.stderr
    missing = backup("dump", backups, database_url, BACKUP_PASSWORD_FILE=str(tmp_path / "nope"))
    assert missing.returncode == 1 and "cannot read the password file" in missing.stderr


def age(path: Path, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def fake_dump(directory: Path, database: str, stamp: str, days_old: float) -> Path:
    dump = directory / f"{database}-{stamp}.dump"
    dump.write_bytes(b"PGDMP")
    (directory / f"{dump.name}.sha256").write_text(f"0  {dump.name}\n")
    age(dump, days_old)
    return dump


def test_prune_keeps_the_last_days_and_removes_older_dumps(tmp_path, database_url):
    database = database_url.rsplit("/", 1)[1]
    old = fake_dump(tmp_path, database, "20200101T023000Z", 10)
    recent = fake_dump(tmp_path, database, "20200108T023000Z", 3)
    other = fake_dump(tmp_path, "another_database", "20200101T023000Z", 30)  # not this database's
    result = backup("", tmp_path, database_url)  # dump, then prune
    assert result.returncode == 0, result.stderr
    names = listing(tmp_path)
    assert old.name not in names and f"{old.name}.sha256" not in names
    assert {recent.name, other.name} <= set(names)
    new = [n for n in names if n.startswith(f"{database}-") and n.endswith(".dump") and n != recent.name]
    assert len(new) == 1 and f"{new[0]}.sha256" in names
    assert "removed 1" in result.stderr


def test_prune_never_removes_the_newest_dump(tmp_path, database_url):
    """After nights of failed dumps the last good one stays, however old."""
    database = database_url.rsplit("/", 1)[1]
    older = fake_dump(tmp_path, database, "20200101T023000Z", 40)
    newest = fake_dump(tmp_path, database, "20200102T023000Z", 39)
    result = backup("prune", tmp_path, database_url)
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path) == sorted([newest.name, f"{newest.name}.sha256"])
    assert older.name not in listing(tmp_path)


def test_prune_without_any_dump_fails(tmp_path, database_url):
    result = backup("prune", tmp_path, database_url)
    assert result.returncode == 1
    assert "no dump" in result.stderr


def test_a_partial_dump_left_by_a_killed_run_is_cleared(tmp_path, database_url):
    leftover = tmp_path / ".x-20200101T000000Z.dump.partial"
    leftover.write_bytes(b"half")
    assert backup("dump", tmp_path, database_url).returncode == 0
    assert not leftover.exists()
    assert not [n for n in listing(tmp_path) if n.startswith(".")]
