"""A pod that cannot get a database connection answers 503 at once, and recovers by itself.

PostgreSQL refuses a connection beyond its limit (max_connections, or a
role's CONNECTION LIMIT) immediately with "too many connections"; the API
must turn that into the usual 503 with Retry-After, not wait or crash. Here
the API runs as a role limited to one connection while the test holds it.
"""

import time
from urllib.parse import urlparse

import httpx
import psycopg2
import pytest
from psycopg2 import sql

from tests.databases import new_scratch_database
from tests.processes import UNCOLLECTED_STATIC, api_env, manage, registered_token, role_server

ROLE = "tm_one_connection"
PASSWORD = "one-connection-passphrase"


def _admin(url):
    connection = psycopg2.connect(url, connect_timeout=3)
    connection.autocommit = True
    return connection


@pytest.fixture
def limited_database():
    with new_scratch_database("tm_limit") as url:
        env = api_env(url, STATICFILES_STORAGE=UNCOLLECTED_STATIC)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0
        admin = _admin(url)
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 1 PASSWORD %s").format(sql.Identifier(ROLE)),
                [PASSWORD],
            )
            for grant in ("ALL ON ALL TABLES IN SCHEMA public", "ALL ON ALL SEQUENCES IN SCHEMA public"):
                cursor.execute(sql.SQL(f"GRANT {grant} TO {{}}").format(sql.Identifier(ROLE)))
        try:
            parts = urlparse(url)
            yield parts._replace(netloc=f"{ROLE}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}").geturl()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [ROLE]
                )
                cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(ROLE)))
                cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(ROLE)))
            admin.close()


def test_no_connection_left_is_a_quick_503_then_service_resumes(limited_database, tmp_path):
    # No persistent connections: each request needs a new one, as a pod that
    # scales out or restarts does.
    env = api_env(
        limited_database,
        ALLOWED_HOSTS="127.0.0.1",
        STATICFILES_STORAGE=UNCOLLECTED_STATIC,
        DB_CONN_MAX_AGE="0",
    )
    with role_server(env, tmp_path / "api.log") as base_url:
        token = registered_token(base_url, "lena", "lena-long-passphrase-1")
        headers = {"Authorization": f"Bearer {token}"}
        holder = psycopg2.connect(limited_database, connect_timeout=3)  # the role's one connection
        try:
            refused = httpx.get(f"{base_url}/api/v1/tasks/", headers=headers, timeout=10)
        finally:
            holder.close()
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "service_unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        for _ in range(20):
            answered = httpx.get(f"{base_url}/api/v1/tasks/", headers=headers, timeout=10)
            if answered.status_code == 200:
                break
            time.sleep(0.2)
        assert answered.status_code == 200, answered.text
    log = (tmp_path / "api.log").read_text()
    # Refused by PostgreSQL at once ("too many connections"), not given up on
    # after the connect timeout ("timeout expired").
    assert "too many connections" in log
    assert "timeout expired" not in log
    assert "Traceback" not in log
