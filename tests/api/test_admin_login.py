"""/admin/login/ is limited like the token endpoint: the same rules and the same counts."""

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory

ADMIN_LOGIN_URL = "/admin/login/"
TOKEN_URL = "/api/v1/auth/token/"
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.10"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_a_minute(settings):
    settings.TASKMANAGER_LOGIN_RATE = "3/min"


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_login(client, username, password="wrong-password", address=ATTACKER):
    return client.post(
        ADMIN_LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_logs_in(client, admin_user):
    response = admin_login(client, "root", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert logged_in(client)


def test_beyond_the_limit_even_the_right_password_is_refused_with_a_clear_message(client, admin_user):
    for _ in range(3):
        wrong = admin_login(client, "root")
        assert wrong.status_code == 200
        assert "Please enter the correct username and password" in wrong.content.decode()

    refused = admin_login(client, "root", DEFAULT_PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Too many failed logins" in page
    assert 'name="username"' in page  # still the login page, with its form
    assert not logged_in(client)


def test_the_admin_and_the_token_endpoint_share_one_count(client, admin_user):
    api = Client()
    for _ in range(2):
        failed = api.post(
            TOKEN_URL,
            {"username": "root", "password": "wrong-password"},
            content_type="application/json",
            REMOTE_ADDR=ATTACKER,
        )
        assert failed.status_code == 401
    admin_login(client, "root")

    assert admin_login(client, "root", DEFAULT_PASSWORD).status_code == 429
    token = api.post(
        TOKEN_URL,
        {"username": "root", "password": DEFAULT_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=ATTACKER,
    )
    assert token.status_code == 429


def test_the_owner_logs_in_from_another_client_while_the_attacker_is_refused(client, admin_user):
    for _ in range(4):
        admin_login(client, "root")

    owner = Client()
    response = admin_login(owner, "root", DEFAULT_PASSWORD, address=OWNER)

    assert response.status_code == 302
    assert logged_in(owner)


def test_a_user_who_is_not_staff_is_refused_and_that_is_not_a_failed_password(client):
    UserFactory(username="alice")
    for _ in range(4):
        response = admin_login(client, "alice", DEFAULT_PASSWORD)
        assert response.status_code == 200
        assert not logged_in(client)
    # The password was right each time, so the count did not grow.
    api = Client().post(
        TOKEN_URL,
        {"username": "alice", "password": DEFAULT_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=ATTACKER,
    )
    assert api.status_code == 200
