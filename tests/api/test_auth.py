from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api.helpers import TASKS_URL, assert_error
from tests.factories import DEFAULT_PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"
REGISTER_URL = "/api/v1/auth/register/"
ME_URL = "/api/v1/me/"

pytestmark = pytest.mark.django_db


def issue_token(client, username, password=DEFAULT_PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def email_of_length(length: int) -> str:
    """A well-formed address of exactly ``length`` characters (labels of at most 63)."""
    local, suffix = "a" * 64, ".com"
    body = length - len(local) - 1 - len(suffix)
    count = -(-(body + 1) // 61)  # labels of up to 60 letters, each but the first after a dot
    letters = body - (count - 1)
    labels = ["b" * (letters // count + (1 if i < letters % count else 0)) for i in range(count)]
    address = f"{local}@{'.'.join(labels)}{suffix}"
    assert len(address) == length
    validate_email(address)  # so only the length can be wrong with it
    return address


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


class TestTokenIssue:
    def test_valid_credentials_give_a_token_that_authenticates_as_bearer(self, anonymous_client, user):
        response = issue_token(anonymous_client, user.username)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"token", "expiry"}
        assert body["expiry"]
        me = bearer(body["token"]).get(ME_URL)
        assert me.status_code == 200
        assert me.json()["username"] == user.username

    def test_token_expiry_follows_the_configured_lifetime(self, anonymous_client, user, settings):
        body = issue_token(anonymous_client, user.username).json()

        stored = AuthToken.objects.get(user=user)
        hours = (stored.expiry - stored.created).total_seconds() / 3600
        assert round(hours) == settings.TASKMANAGER_TOKEN_TTL_HOURS
        assert body["expiry"].startswith(stored.expiry.isoformat()[:16])

    def test_wrong_password_is_401_with_the_error_shape(self, anonymous_client, user):
        response = issue_token(anonymous_client, user.username, "not-the-password")

        error = assert_error(response, 401)
        assert error["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == "Bearer"
        assert not AuthToken.objects.exists()

    def test_unknown_user_is_the_same_401(self, anonymous_client):
        response = issue_token(anonymous_client, "nobody", "whatever-password")

        assert_error(response, 401)

    def test_inactive_user_gets_no_token(self, anonymous_client):
        user = UserFactory(username="sleeper", is_active=False)

        assert_error(issue_token(anonymous_client, user.username), 401)

    def test_missing_fields_are_named(self, anonymous_client):
        response = anonymous_client.post(TOKEN_URL, {}, format="json")

        assert_error(response, 400, fields=["username", "password"])

    def test_tokens_are_stored_only_as_digests(self, anonymous_client, user):
        token = issue_token(anonymous_client, user.username).json()["token"]

        table = AuthToken._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (table name from the model)
            rows = cursor.fetchall()
        assert len(rows) == 1
        assert not any(token in str(value) for value in rows[0])


class TestTokenRevoke:
    def test_delete_revokes_the_token_used(self, anonymous_client, user):
        token = issue_token(anonymous_client, user.username).json()["token"]
        client = bearer(token)

        response = client.delete(TOKEN_URL)

        assert response.status_code == 204
        assert_error(client.get(ME_URL), 401)
        assert not AuthToken.objects.filter(user=user).exists()

    def test_delete_revokes_only_that_token(self, anonymous_client, user):
        first = issue_token(anonymous_client, user.username).json()["token"]
        second = issue_token(anonymous_client, user.username).json()["token"]

        assert bearer(first).delete(TOKEN_URL).status_code == 204

        assert bearer(second).get(ME_URL).status_code == 200

    def test_delete_without_a_token_is_401(self, anonymous_client):
        assert_error(anonymous_client.delete(TOKEN_URL), 401)


class TestCredentials:
    def test_no_credentials_is_401(self, anonymous_client):
        response = anonymous_client.get(TASKS_URL)

        error = assert_error(response, 401)
        assert error["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Bearer"

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer not-a-real-token",
            "Bearer",
            "Token abc",
            "Basic YWxpY2U6cGFzc3dvcmQ=",
            "Bearer a b",
            "Bearer \x00abc",  # would reach the database driver
            "Bearer caf\xe9",  # not UTF-8 once the header is read as Latin-1 bytes
            "Bearer " + "f" * 300,
        ],
    )
    def test_bad_credentials_are_401(self, anonymous_client, header):
        response = anonymous_client.get(TASKS_URL, HTTP_AUTHORIZATION=header)

        assert_error(response, 401)

    def test_an_expired_token_is_401(self, user):
        _instance, token = AuthToken.objects.create(user=user, expiry=timedelta(seconds=-1))

        assert_error(bearer(token).get(ME_URL), 401)

    def test_a_deactivated_users_token_stops_working(self, api_client, user):
        user.is_active = False
        user.save()

        assert_error(api_client.get(ME_URL), 401)


class TestRegister:
    def test_register_creates_a_user_who_can_then_get_a_token(self, anonymous_client):
        response = anonymous_client.post(
            REGISTER_URL,
            {"username": "carol", "password": "a-long-unusual-passphrase", "email": "carol@example.com"},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "username", "email", "is_staff", "date_joined"}
        assert body["username"] == "carol"
        assert body["email"] == "carol@example.com"
        assert body["is_staff"] is False
        assert "password" not in body
        assert issue_token(anonymous_client, "carol", "a-long-unusual-passphrase").status_code == 200

    def test_email_is_optional(self, anonymous_client):
        response = anonymous_client.post(
            REGISTER_URL, {"username": "dave", "password": "a-long-unusual-passphrase"}, format="json"
        )

        assert response.status_code == 201
        assert response.json()["email"] == ""

    @pytest.mark.parametrize("length", [255, 300, 320])
    def test_an_email_longer_than_the_column_is_400_naming_email(self, anonymous_client, length):
        body = {"username": "hana", "password": "a-long-unusual-passphrase", "email": email_of_length(length)}

        error = assert_error(anonymous_client.post(REGISTER_URL, body, format="json"), 400, fields=["email"])

        assert "254" in " ".join(error["fields"]["email"])
        assert not get_user_model().objects.filter(username="hana").exists()

    def test_an_email_as_long_as_the_column_is_kept_whole(self, anonymous_client):
        email = email_of_length(254)

        response = anonymous_client.post(
            REGISTER_URL,
            {"username": "ivan", "password": "a-long-unusual-passphrase", "email": email},
            format="json",
        )

        assert response.status_code == 201
        assert get_user_model().objects.get(username="ivan").email == email

    def test_disabled_sign_up_is_403(self, anonymous_client, settings):
        settings.TASKMANAGER_ALLOW_SIGNUP = False

        response = anonymous_client.post(
            REGISTER_URL, {"username": "erin", "password": "a-long-unusual-passphrase"}, format="json"
        )

        assert_error(response, 403)
        assert not get_user_model().objects.filter(username="erin").exists()

    @pytest.mark.parametrize("password", ["short", "password123", "12345678901", "frank-frank"])
    def test_weak_password_is_400_naming_password(self, anonymous_client, password):
        response = anonymous_client.post(
            REGISTER_URL, {"username": "frank-frank", "password": password}, format="json"
        )

        assert_error(response, 400, fields=["password"])
        assert not get_user_model().objects.filter(username="frank-frank").exists()

    def test_duplicate_username_is_400_naming_username(self, anonymous_client, user):
        response = anonymous_client.post(
            REGISTER_URL, {"username": user.username, "password": "a-long-unusual-passphrase"}, format="json"
        )

        assert_error(response, 400, fields=["username"])

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"username": "bad name!", "password": "a-long-unusual-passphrase"}, "username"),
            ({"username": "   ", "password": "a-long-unusual-passphrase"}, "username"),
            ({"username": "gina", "password": "a-long-unusual-passphrase", "email": "nope"}, "email"),
            ({"username": "gina", "password": "a-long-unusual-passphrase", "admin": True}, "admin"),
            ({"password": "a-long-unusual-passphrase"}, "username"),
        ],
    )
    def test_invalid_registration_names_the_field(self, anonymous_client, body, field):
        assert_error(anonymous_client.post(REGISTER_URL, body, format="json"), 400, fields=[field])


class TestMe:
    def test_me_returns_the_caller(self, api_client, user):
        response = api_client.get(ME_URL)

        assert response.status_code == 200
        body = response.json()
        assert datetime.fromisoformat(body.pop("date_joined")) == user.date_joined
        assert body == {
            "id": user.id,
            "username": "alice",
            "email": "alice@example.com",
            "is_staff": False,
            "time_zone": "UTC",
            "time_zone_chosen": False,
            "email_reminders": True,
        }

    def test_each_token_sees_its_own_user(self, api_client, other_client):
        assert api_client.get(ME_URL).json()["username"] == "alice"
        assert other_client.get(ME_URL).json()["username"] == "bob"


class TestSessionAuthentication:
    def test_a_logged_in_admin_can_browse_the_api(self, client):
        admin = UserFactory(username="root", is_staff=True, is_superuser=True)
        client.force_login(admin)

        response = client.get(TASKS_URL, HTTP_ACCEPT="text/html")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert b"<title>Task List" in response.content

    def test_session_json_request_works(self, client):
        admin = UserFactory(username="root", is_staff=True, is_superuser=True)
        client.force_login(admin)

        response = client.get(ME_URL)

        assert response.status_code == 200
        assert response.json()["username"] == "root"

    def test_session_writes_need_the_csrf_token(self):
        admin = UserFactory(username="root", is_staff=True, is_superuser=True)
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin)

        response = client.post(TASKS_URL, {"title": "x"}, content_type="application/json")

        assert_error(response, 403)

    def test_browsable_api_without_login_is_401_not_a_crash(self, client):
        response = client.get(TASKS_URL, HTTP_ACCEPT="text/html")

        assert response.status_code == 401
