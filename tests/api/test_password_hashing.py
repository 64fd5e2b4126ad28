"""Password hashing is bounded: per client, per process, and sign-up has its own limit."""

import threading
import time
import uuid

import pytest
from django.contrib.auth import get_user_model

from tests.api.helpers import assert_error
from tests.factories import DEFAULT_PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
REGISTER_URL = "/api/v1/auth/register/"
FLOODER = "198.51.100.66"
NEIGHBOUR = "203.0.113.10"

pytestmark = pytest.mark.django_db


def login_as_nobody(client, address=FLOODER):
    """A login for a new random username each time: no per-username count ever grows."""
    body = {"username": f"nobody-{uuid.uuid4().hex[:12]}", "password": "some-password"}
    return client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=address)


def sign_up(client, address=FLOODER):
    body = {"username": f"new-{uuid.uuid4().hex[:12]}", "password": "a-long-unusual-passphrase"}
    return client.post(REGISTER_URL, body, format="json", REMOTE_ADDR=address)


@pytest.fixture
def held_hashing_slots(settings):
    """Every hashing slot of this process taken by other requests, until the test lets go."""
    from taskmanager.accounts.limits import password_hashing_slot

    settings.TASKMANAGER_PASSWORD_HASH_CONCURRENCY = 1
    settings.TASKMANAGER_PASSWORD_HASH_WAIT = 0.2
    holding, release = threading.Event(), threading.Event()

    def hold():
        with password_hashing_slot():
            holding.set()
            release.wait(timeout=30)

    def let_go():
        release.set()
        holder.join(timeout=5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=5)
    yield let_go
    let_go()


class TestPerClientHashingRate:
    def test_logins_with_a_new_username_each_time_meet_the_limit(self, anonymous_client, settings):
        settings.TASKMANAGER_PASSWORD_HASH_RATE = "3/min"
        answers = [login_as_nobody(anonymous_client).status_code for _ in range(3)]

        refused = login_as_nobody(anonymous_client)

        assert answers == [401] * 3
        error = assert_error(refused, 429)
        assert error["code"] == "throttled"
        assert int(refused["Retry-After"]) > 0

    def test_other_clients_keep_their_own_budget(self, anonymous_client, settings):
        settings.TASKMANAGER_PASSWORD_HASH_RATE = "3/min"
        for _ in range(4):
            login_as_nobody(anonymous_client)

        assert login_as_nobody(anonymous_client, address=NEIGHBOUR).status_code == 401

    def test_sign_ups_spend_the_same_budget(self, anonymous_client, settings):
        settings.TASKMANAGER_PASSWORD_HASH_RATE = "3/min"
        assert [sign_up(anonymous_client).status_code for _ in range(2)] == [201, 201]
        assert login_as_nobody(anonymous_client).status_code == 401

        assert_error(sign_up(anonymous_client), 429)
        assert_error(login_as_nobody(anonymous_client), 429)


class TestSignUpLimit:
    def test_sign_ups_are_limited_per_client(self, anonymous_client, settings):
        settings.TASKMANAGER_SIGNUP_RATE = "2/hour"
        answers = [sign_up(anonymous_client).status_code for _ in range(2)]

        refused = sign_up(anonymous_client)

        assert answers == [201, 201]
        error = assert_error(refused, 429)
        assert "sign-ups" in error["message"].lower()
        assert int(refused["Retry-After"]) > 0
        assert get_user_model().objects.count() == 2
        assert sign_up(anonymous_client, address=NEIGHBOUR).status_code == 201

    def test_a_refused_sign_up_is_not_counted(self, anonymous_client, settings):
        settings.TASKMANAGER_SIGNUP_RATE = "2/hour"
        weak = {"username": "weak", "password": "short"}
        for _ in range(3):
            assert_error(anonymous_client.post(REGISTER_URL, weak, format="json", REMOTE_ADDR=FLOODER), 400)

        assert sign_up(anonymous_client).status_code == 201


class TestProcessConcurrencyCap:
    def test_a_login_beyond_the_cap_answers_503_promptly(self, anonymous_client, held_hashing_slots):
        started = time.monotonic()
        response = login_as_nobody(anonymous_client)
        elapsed = time.monotonic() - started

        error = assert_error(response, 503)
        assert error["code"] == "service_unavailable"
        assert int(response["Retry-After"]) >= 1
        assert elapsed < 1.0

    def test_a_sign_up_beyond_the_cap_answers_503_and_creates_nobody(
        self, anonymous_client, held_hashing_slots
    ):
        assert_error(sign_up(anonymous_client), 503)

        assert not get_user_model().objects.exists()

    def test_a_busy_answer_is_not_a_failed_login(self, anonymous_client, user, settings, held_hashing_slots):
        settings.TASKMANAGER_LOGIN_RATE = "1/min"
        body = {"username": "alice", "password": DEFAULT_PASSWORD}
        for _ in range(3):
            assert_error(anonymous_client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=FLOODER), 503)
        held_hashing_slots()

        assert anonymous_client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=FLOODER).status_code == 200

    def test_beyond_one_waiter_per_slot_the_answer_is_immediate(
        self, anonymous_client, settings, held_hashing_slots
    ):
        from taskmanager.accounts.limits import HashingBusy, password_hashing_slot

        settings.TASKMANAGER_PASSWORD_HASH_WAIT = 5.0
        waiter_outcome = []

        def wait_for_the_slot():
            try:
                with password_hashing_slot():
                    waiter_outcome.append("hashed")
            except HashingBusy:
                waiter_outcome.append("busy")

        waiter = threading.Thread(target=wait_for_the_slot)
        waiter.start()
        time.sleep(0.3)  # the waiter is now queued behind the holder

        started = time.monotonic()
        response = login_as_nobody(anonymous_client)
        elapsed = time.monotonic() - started
        held_hashing_slots()
        waiter.join(timeout=10)

        assert_error(response, 503)
        assert elapsed < 1.0  # not the 5 s a waiter may wait
        assert waiter_outcome == ["hashed"]

    def test_requests_that_do_not_hash_are_not_held_up(self, api_client, held_hashing_slots):
        assert api_client.get("/api/v1/me/").status_code == 200


def test_the_slot_is_free_again_once_the_holder_is_done(anonymous_client, settings):
    from taskmanager.accounts.limits import password_hashing_slot

    settings.TASKMANAGER_PASSWORD_HASH_CONCURRENCY = 1
    with password_hashing_slot():
        pass

    assert login_as_nobody(anonymous_client).status_code == 401
