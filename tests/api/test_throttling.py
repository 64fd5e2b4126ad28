"""Password guessing at the token endpoint: failures are limited per username and client.

A correct password keeps working for its owner while someone else, from
another client, is refused for guessing it.
"""

import time
import uuid

import pytest
import redis

from tests.api.helpers import assert_error
from tests.databases import scratch_database
from tests.factories import DEFAULT_PASSWORD
from tests.prerequisites import unavailable
from tests.processes import clean_env, manage

TOKEN_URL = "/api/v1/auth/token/"
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.10"
UI_POD = "10.244.0.17"
FORWARDING_SECRET = "shared-between-the-ui-and-the-api-" + "x" * 16

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _three_a_minute(settings):
    settings.TASKMANAGER_LOGIN_RATE = "3/min"


def attempt(client, username, password="wrong-password", address="127.0.0.1", **headers):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=address, **headers
    )


def forwarded(address: str, *, secret: str = FORWARDING_SECRET, signed_at: float | None = None) -> dict:
    """The header the UI adds to say which end user a login comes from."""
    from taskmanager.config.client_address import CLIENT_ADDRESS_META, sign_client_address

    return {CLIENT_ADDRESS_META: sign_client_address(address, secret=secret, now=signed_at)}


def test_the_fourth_failure_in_a_minute_is_refused_even_with_the_right_password(anonymous_client, user):
    for _ in range(3):
        assert attempt(anonymous_client, "alice").status_code == 401

    refused = attempt(anonymous_client, "alice", DEFAULT_PASSWORD)

    error = assert_error(refused, 429)
    assert error["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


def test_the_owner_logs_in_from_another_client_while_the_attacker_is_refused(anonymous_client, user):
    for _ in range(3):
        assert attempt(anonymous_client, "alice", address=ATTACKER).status_code == 401
    assert_error(attempt(anonymous_client, "alice", address=ATTACKER), 429)

    assert attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address=OWNER).status_code == 200
    # The attacker is still refused, with the right password too.
    assert_error(attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address=ATTACKER), 429)


def test_only_failures_are_counted(anonymous_client, user):
    answers = [attempt(anonymous_client, "alice", DEFAULT_PASSWORD).status_code for _ in range(5)]

    assert answers == [200] * 5
    assert attempt(anonymous_client, "alice").status_code == 401


def test_the_count_is_per_username_and_per_client(anonymous_client, user, other_user):
    for _ in range(3):
        attempt(anonymous_client, "alice")

    # Same client, another account: unaffected.
    assert attempt(anonymous_client, "bob", DEFAULT_PASSWORD).status_code == 200
    # The username is matched as people type it: case and spaces do not open a new count.
    assert attempt(anonymous_client, "  ALICE ").status_code == 429


DOTLESS_ALICE = "al\u0131ce"


def test_a_spelling_the_database_matches_to_the_account_shares_its_count(anonymous_client, user):
    # PostgreSQL's UPPER() makes the dotless i an "I", so it logs in to alice;
    # str.casefold() keeps it apart, which gave it a count of its own.
    assert attempt(anonymous_client, DOTLESS_ALICE, DEFAULT_PASSWORD, address=OWNER).status_code == 200
    for _ in range(3):
        assert attempt(anonymous_client, "alice").status_code == 401

    assert_error(attempt(anonymous_client, DOTLESS_ALICE), 429)
    assert_error(attempt(anonymous_client, "ALIce"), 429)


def test_failures_from_every_client_together_meet_a_far_higher_ceiling(anonymous_client, user, settings):
    settings.TASKMANAGER_LOGIN_USERNAME_RATE = "5/min"
    first = [attempt(anonymous_client, "alice", address="192.0.2.1").status_code for _ in range(3)]
    second = [attempt(anonymous_client, "alice", address="192.0.2.2").status_code for _ in range(2)]

    refused = attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address="192.0.2.3")

    assert (first, second) == ([401] * 3, [401] * 2)
    error = assert_error(refused, 429)
    assert "this username" in error["message"]
    assert int(refused["Retry-After"]) > 0


def test_a_signed_forwarded_address_is_the_client_for_logins_through_the_ui(anonymous_client, user, settings):
    settings.TASKMANAGER_FORWARDING_SECRET = FORWARDING_SECRET
    for _ in range(3):
        attempt(anonymous_client, "alice", address=UI_POD, **forwarded(ATTACKER))
    assert_error(attempt(anonymous_client, "alice", address=UI_POD, **forwarded(ATTACKER)), 429)

    # The owner's login reaches the API from the same UI pod, for another end user.
    owner = attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address=UI_POD, **forwarded(OWNER))

    assert owner.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(
            lambda: forwarded(OWNER, secret="a-key-the-api-does-not-have-" + "y" * 20), id="bad-key"
        ),
        pytest.param(lambda: forwarded(OWNER, signed_at=time.time() - 3600), id="expired"),
        pytest.param(lambda: {"HTTP_X_TASKMANAGER_CLIENT": OWNER}, id="unsigned"),
    ],
)
def test_a_forwarded_address_without_a_valid_signature_is_ignored(anonymous_client, user, settings, header):
    settings.TASKMANAGER_FORWARDING_SECRET = FORWARDING_SECRET
    # The attacker claims to be the owner's address, to use up the owner's count.
    for _ in range(3):
        attempt(anonymous_client, "alice", address=ATTACKER, **header())
    assert_error(attempt(anonymous_client, "alice", address=ATTACKER, **header()), 429)

    assert attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address=OWNER).status_code == 200


def test_without_a_forwarding_secret_no_header_is_trusted(anonymous_client, user, settings):
    settings.TASKMANAGER_FORWARDING_SECRET = ""
    for _ in range(3):
        attempt(anonymous_client, "alice", address=ATTACKER, **forwarded(OWNER))

    assert attempt(anonymous_client, "alice", DEFAULT_PASSWORD, address=OWNER).status_code == 200


def test_logins_and_sign_ups_go_on_while_the_cache_is_down(anonymous_client, user, settings, caplog):
    """A Redis outage skips the counts (one warning each) instead of failing every login with a 500."""
    # Nothing listens on port 1: every cache call is refused, as with Redis down.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    assert attempt(anonymous_client, "alice").status_code == 401
    assert attempt(anonymous_client, "alice", DEFAULT_PASSWORD).status_code == 200
    signed_up = anonymous_client.post(
        "/api/v1/auth/register/", {"username": "newcomer", "password": "a-long-passphrase-1"}, format="json"
    )
    assert signed_up.status_code == 201, signed_up.content
    warnings = [r for r in caplog.records if "the cache is unavailable" in r.getMessage()]
    assert warnings and all(r.exc_info is None for r in warnings)


def test_revoking_a_token_is_not_counted(client_for, user):
    for _ in range(5):
        client = client_for(user)
        assert client.delete(TOKEN_URL).status_code == 204


ATTEMPT_SCRIPT = """
from django.test import Client
answers = [
    Client().post("/api/v1/auth/token/", {"username": "USERNAME", "password": "wrong"},
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
    # A name of its own instead of emptying the database: other runs may share this Redis,
    # and the counts expire by themselves.
    username = f"carol-{uuid.uuid4().hex[:8]}"
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
            script = ATTEMPT_SCRIPT.replace("ATTEMPTS", str(count)).replace("USERNAME", username)
            result = manage("shell", "--no-imports", "-c", script, env=env)
            assert result.returncode == 0, result.stderr
            # Log lines go to stdout too; the answers are the script's last line.
            return result.stdout.strip().splitlines()[-1].split()

        first_process = attempts(2)
        second_process = attempts(2)

    assert first_process == ["401", "401"]
    assert second_process == ["401", "429"]
