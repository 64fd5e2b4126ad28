"""Password guessing at the token endpoint is limited per username."""

import uuid

import pytest
import redis

from tests.api.helpers import assert_error
from tests.databases import scratch_database
from tests.factories import DEFAULT_PASSWORD
from tests.prerequisites import unavailable
from tests.processes import clean_env, manage

TOKEN_URL = "/api/v1/auth/token/"

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _three_a_minute(settings):
    settings.TASKMANAGER_LOGIN_RATE = "3/min"


def attempt(client, username, password="wrong-password"):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_the_fourth_attempt_in_a_minute_is_refused_even_with_the_right_password(anonymous_client, user):
    for _ in range(3):
        assert attempt(anonymous_client, "alice").status_code == 401

    refused = attempt(anonymous_client, "alice", DEFAULT_PASSWORD)

    error = assert_error(refused, 429)
    assert error["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


def test_the_count_is_per_username_not_per_address(anonymous_client, user, other_user):
    for _ in range(3):
        attempt(anonymous_client, "alice")

    # Same client address, another account: unaffected.
    assert attempt(anonymous_client, "bob", DEFAULT_PASSWORD).status_code == 200
    # The username is matched as typed by people: case and spaces do not open a new count.
    assert attempt(anonymous_client, "  ALICE ").status_code == 429


def test_revoking_a_token_is_not_counted(client_for, user):
    for _ in range(5):
        client = client_for(user)
        assert client.delete(TOKEN_URL).status_code == 204


ATTEMPT_SCRIPT = """
from django.test import Client
answers = [
    Client().post("/api/v1/auth/token/", {"username": "carol", "password": "wrong"},
                  content_type="application/json").status_code
    for _ in range(int(ATTEMPTS))
]
print(" ".join(map(str, answers)))
"""


@pytest.mark.django_db(transaction=True)
def test_a_shared_cache_makes_the_limit_span_processes():
    """Two API processes (as two pods would be) count one username's attempts together in Redis."""
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        unavailable(f"no Redis at {url}: {error}", "start redis-server on 127.0.0.1:6379")
    redis.Redis.from_url(url).flushdb()
    with scratch_database(f"taskmanager_throttle_{uuid.uuid4().hex[:8]}") as database_url:
        env = clean_env(
            TASKMANAGER_ROLE="api",
            SECRET_KEY="x" * 50,
            DATABASE_URL=database_url,
            CACHE_URL=url,
            TASKMANAGER_LOGIN_RATE="3/min",
            ALLOWED_HOSTS="testserver",
        )
        assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0

        def attempts(count: int) -> list[str]:
            script = ATTEMPT_SCRIPT.replace("ATTEMPTS", str(count))
            result = manage("shell", "--no-imports", "-c", script, env=env)
            assert result.returncode == 0, result.stderr
            # Log lines go to stdout too; the answers are the script's last line.
            return result.stdout.strip().splitlines()[-1].split()

        first_process = attempts(2)
        second_process = attempts(2)
    redis.Redis.from_url(url).flushdb()

    assert first_process == ["401", "401"]
    assert second_process == ["401", "429"]
