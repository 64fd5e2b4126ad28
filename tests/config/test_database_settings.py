"""Where the API finds its databases: DATABASE_URL or a file holding it, and a
read replica by URL or by host. Checked in fresh processes, as a pod starts.

Kubernetes hands the credentials over as files (a mounted Secret's key, e.g.
CloudNativePG's `<cluster>-app` Secret's `uri`), so every URL setting may be
given as NAME_FILE, which names the file and wins over NAME.
"""

import json
from urllib.parse import urlparse

import pytest

from tests.databases import new_scratch_database
from tests.processes import TEST_SECRET_KEY, clean_env, manage

SHOW = (
    "import json\n"
    "from django.conf import settings\n"
    "print(json.dumps({alias: {k: d.get(k) for k in ('ENGINE', 'NAME', 'USER', 'PASSWORD', 'HOST', 'PORT')}"
    " for alias, d in settings.DATABASES.items()}))\n"
    "print(json.dumps(getattr(settings, 'DATABASE_ROUTERS', [])))\n"
)
PRIMARY = "postgresql://app:s%40cret@cluster-rw.tasks:5432/app"


def _settings(**variables):
    env = clean_env(TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, **variables)
    result = manage("shell", "--no-imports", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    databases, routers = result.stdout.splitlines()[-2:]
    return json.loads(databases), json.loads(routers)


def _refused(**variables) -> str:
    env = clean_env(TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, **variables)
    result = manage("check", env=env)
    assert result.returncode != 0
    return result.stderr


def test_the_url_file_wins_over_the_variable_and_loses_its_newline(tmp_path):
    url_file = tmp_path / "uri"
    url_file.write_text(PRIMARY + "\n")
    databases, routers = _settings(
        DATABASE_URL="postgres://other@elsewhere:5432/other", DATABASE_URL_FILE=str(url_file)
    )
    assert databases == {
        "default": {
            "ENGINE": "taskmanager.config.postgresql",
            "NAME": "app",
            "USER": "app",
            "PASSWORD": "s@cret",
            "HOST": "cluster-rw.tasks",
            "PORT": 5432,
        }
    }
    assert routers == []


def test_a_missing_url_file_stops_the_start_naming_the_setting(tmp_path):
    stderr = _refused(DATABASE_URL_FILE=str(tmp_path / "absent"))
    assert f"DATABASE_URL_FILE={tmp_path / 'absent'}" in stderr
    assert "No such file" in stderr


def test_a_replica_host_reads_the_primarys_database_with_its_credentials(tmp_path):
    url_file = tmp_path / "uri"
    url_file.write_text(PRIMARY)
    databases, routers = _settings(DATABASE_URL_FILE=str(url_file), DATABASE_REPLICA_HOST="cluster-ro")
    assert databases["replica"] == {**databases["default"], "HOST": "cluster-ro"}
    assert databases["default"]["HOST"] == "cluster-rw.tasks"
    assert routers == ["taskmanager.config.read_replica.ReplicaRouter"]


def test_a_replica_url_may_come_from_a_file_too(tmp_path):
    replica_file = tmp_path / "replica"
    replica_file.write_text("postgres://reader:pw@replica:6432/app\n")
    databases, _ = _settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL_FILE=str(replica_file))
    assert (databases["replica"]["HOST"], databases["replica"]["PORT"]) == ("replica", 6432)
    assert databases["replica"]["USER"] == "reader"


def test_a_replica_given_twice_or_by_host_without_postgresql_is_refused():
    stderr = _refused(
        DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL="postgres://r@replica/app", DATABASE_REPLICA_HOST="x"
    )
    assert "not both" in stderr
    stderr = _refused(DATABASE_URL="sqlite:////tmp/db.sqlite3", DATABASE_REPLICA_HOST="replica")
    assert "DATABASE_REPLICA_HOST needs a PostgreSQL DATABASE_URL" in stderr


def test_the_api_connects_through_a_url_file(tmp_path):
    with new_scratch_database("tm_url_file") as url:
        url_file = tmp_path / "uri"
        url_file.write_text(url + "\n")
        env = clean_env(TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL_FILE=str(url_file))
        script = (
            "from django.db import connection\n"
            "connection.ensure_connection()\n"
            "print(connection.settings_dict['NAME'])"
        )
        result = manage("shell", "--no-imports", "-c", script, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [urlparse(url).path.lstrip("/")]


@pytest.mark.parametrize(("given", "threshold"), [(None, 5), ("0", 0), ("12", 12), ("", None)])
def test_the_prepare_threshold_is_psycopg_s_default_a_number_or_never(given, threshold):
    variables = {} if given is None else {"DB_PREPARE_THRESHOLD": given}
    env = clean_env(TASKMANAGER_ROLE="api", SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=PRIMARY, **variables)
    show = "from django.conf import settings\nprint(repr(settings.DATABASE_PREPARE_THRESHOLD))\n"
    result = manage("shell", "--no-imports", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == repr(threshold)


def test_a_prepare_threshold_that_is_not_a_count_is_refused():
    stderr = _refused(DATABASE_URL=PRIMARY, DB_PREPARE_THRESHOLD="often")
    assert "DB_PREPARE_THRESHOLD: a number of runs (0 or more), or empty for never." in stderr
