"""Revoking every token of a user: on a password change, and on request ("log out everywhere")."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from knox.models import AuthToken

from taskmanager.accounts.services import user_admin_password_reset, user_ensure_admin
from tests.api.helpers import assert_error
from tests.factories import DEFAULT_PASSWORD, UserFactory

TOKENS_URL = "/api/v1/auth/tokens/"
TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"

pytestmark = pytest.mark.django_db


def answers(client) -> int:
    return client.get(ME_URL).status_code


class TestLogOutEverywhere:
    def test_delete_revokes_every_token_of_the_caller_and_no_one_elses(self, client_for, user, other_user):
        first, second, others = client_for(user), client_for(user), client_for(other_user)

        response = first.delete(TOKENS_URL)

        assert response.status_code == 204
        assert response.content == b""
        assert (answers(first), answers(second), answers(others)) == (401, 401, 200)
        assert not AuthToken.objects.filter(user=user).exists()

    def test_without_a_token_it_is_401(self, anonymous_client):
        assert_error(anonymous_client.delete(TOKENS_URL), 401)

    def test_a_revoked_token_cannot_do_it_again(self, api_client):
        assert api_client.delete(TOKENS_URL).status_code == 204

        assert_error(api_client.delete(TOKENS_URL), 401)

    def test_logging_in_again_afterwards_works(self, api_client, anonymous_client, user):
        api_client.delete(TOKENS_URL)

        response = anonymous_client.post(
            TOKEN_URL, {"username": "alice", "password": DEFAULT_PASSWORD}, format="json"
        )

        assert response.status_code == 200

    def test_only_delete_is_offered(self, api_client):
        assert_error(api_client.get(TOKENS_URL), 405)
        assert_error(api_client.post(TOKENS_URL, {}, format="json"), 405)

    def test_the_schema_documents_it(self, anonymous_client):
        schema = anonymous_client.get("/api/v1/schema/", {"format": "json"}).json()

        operation = schema["paths"][TOKENS_URL]["delete"]
        assert set(schema["paths"][TOKENS_URL]) == {"delete"}
        assert "204" in operation["responses"]
        assert "every" in operation["description"].lower()
        assert operation["security"] == [{"bearerAuth": []}]


class TestPasswordChange:
    def test_set_password_revokes_every_token_of_that_user(self, client_for, user, other_user):
        first, second, others = client_for(user), client_for(user), client_for(other_user)

        user.set_password("a-brand-new-passphrase")
        user.save()

        assert (answers(first), answers(second), answers(others)) == (401, 401, 200)

    def test_a_password_change_in_the_admin_revokes_the_users_tokens(self, client_for, user):
        client = client_for(user)
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

        response = admin.post(
            f"/admin/auth/user/{user.pk}/password/",
            {
                "password1": "a-brand-new-passphrase",
                "password2": "a-brand-new-passphrase",
                "usable_password": "true",
            },
        )

        assert response.status_code == 302, response.content
        user.refresh_from_db()
        assert user.check_password("a-brand-new-passphrase")
        assert answers(client) == 401

    def test_disabling_password_login_in_the_admin_revokes_the_users_tokens(self, client_for, user):
        # What an admin does to shut out a compromised account; its tokens must go with the password.
        client = client_for(user)
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

        response = admin.post(
            f"/admin/auth/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
        )

        assert response.status_code == 302, response.content
        user.refresh_from_db()
        assert not user.has_usable_password()
        assert answers(client) == 401

    def test_ensure_admin_keeps_the_admins_tokens_and_a_reset_revokes_them(self, client_for):
        user_ensure_admin(username="root", password="first-password")
        client = client_for(get_user_model().objects.get(username="root"))

        user_ensure_admin(username="root", password="second-password")
        assert answers(client) == 200  # every pod start runs it; it never touches the password

        user_admin_password_reset(username="root", password="second-password")
        assert answers(client) == 401

    def test_other_saves_of_the_user_keep_the_tokens(self, api_client, user):
        user.email = "new-address@example.com"
        user.save()

        assert answers(api_client) == 200

    def test_a_stored_hash_upgraded_at_login_is_not_a_password_change(
        self, api_client, anonymous_client, settings
    ):
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.MD5PasswordHasher",
        ]

        login = anonymous_client.post(
            TOKEN_URL, {"username": "alice", "password": DEFAULT_PASSWORD}, format="json"
        )

        assert login.status_code == 200
        assert get_user_model().objects.get(username="alice").password.startswith("pbkdf2_sha256$")
        assert answers(api_client) == 200
