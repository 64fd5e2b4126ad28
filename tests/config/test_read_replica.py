"""DATABASE_REPLICA_URL: read-only requests read the replica, writes and what follows them the primary.

Two real databases stand in for a primary and its replica: the replica is a
copy of the primary taken at one moment, so anything written after that
moment shows only where the request really read from.
"""

from urllib.parse import urlparse

import httpx
import pytest

from tests.databases import new_scratch_database, scratch_database
from tests.processes import UNCOLLECTED_STATIC, api_env, manage, registered_token, role_server

PASSWORD = "replica-test-passphrase-1"


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    log = tmp_path_factory.mktemp("replica") / "setup.log"
    with new_scratch_database("tm_primary") as primary:
        env = api_env(primary, ALLOWED_HOSTS="127.0.0.1", STATICFILES_STORAGE=UNCOLLECTED_STATIC)
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0
        with role_server(env, log) as base_url:
            token = registered_token(base_url, "rita", PASSWORD)
            before = _post(base_url, token, {"title": "Before the copy"})
        name = urlparse(primary).path.lstrip("/")
        with scratch_database(f"{name}_replica", copy_of=name) as replica:
            yield primary, replica, token, before


@pytest.fixture(scope="module")
def server(databases, tmp_path_factory):
    primary, replica, _token, _before = databases
    env = api_env(
        primary,
        DATABASE_REPLICA_URL=replica,
        ALLOWED_HOSTS="127.0.0.1",
        STATICFILES_STORAGE=UNCOLLECTED_STATIC,
    )
    with role_server(env, tmp_path_factory.mktemp("replica") / "api.log") as base_url:
        yield base_url


def _headers(token):
    return {"Authorization": f"Bearer {token}"}


def _post(base_url, token, body):
    response = httpx.post(f"{base_url}/api/v1/tasks/", json=body, headers=_headers(token), timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_read_only_request_reads_the_replica(server, databases):
    _primary, _replica, token, before = databases
    after = _post(server, token, {"title": "After the copy"})
    listed = httpx.get(f"{server}/api/v1/tasks/", headers=_headers(token), timeout=10).json()
    # The replica was copied before the second task: a list from the primary would show both.
    assert [task["id"] for task in listed["results"]] == [before["id"]]
    assert (
        httpx.get(f"{server}/api/v1/tasks/{after['id']}/", headers=_headers(token), timeout=10).status_code
        == 404
    )


def test_a_write_reads_its_own_result_from_the_primary(server, databases):
    _primary, _replica, token, before = databases
    response = httpx.patch(
        f"{server}/api/v1/tasks/{before['id']}/",
        json={"title": "Renamed"},
        headers=_headers(token),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Renamed"
    assert response.json()["version"] == before["version"] + 1
    # A later read-only request reads the replica, which never saw the rename.
    again = httpx.get(f"{server}/api/v1/tasks/{before['id']}/", headers=_headers(token), timeout=10)
    assert again.json()["title"] == "Before the copy"


def test_credentials_are_always_checked_on_the_primary(server, databases):
    _primary, _replica, _token, _before = databases
    # A token made after the copy exists only on the primary, and works on a read.
    response = httpx.post(
        f"{server}/api/v1/auth/token/", json={"username": "rita", "password": PASSWORD}, timeout=10
    )
    fresh = response.json()["token"]
    assert httpx.get(f"{server}/api/v1/me/", headers=_headers(fresh), timeout=10).status_code == 200
    # Revoked on the primary, refused at once although the replica still has it.
    assert (
        httpx.delete(f"{server}/api/v1/auth/token/", headers=_headers(fresh), timeout=10).status_code == 204
    )
    assert httpx.get(f"{server}/api/v1/tasks/", headers=_headers(fresh), timeout=10).status_code == 401
