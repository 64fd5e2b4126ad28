"""Usernames are unique whatever their case, and people log in with what they typed."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client

from tests.api.helpers import assert_error
from tests.factories import DEFAULT_PASSWORD, UserFactory

REGISTER_URL = "/api/v1/auth/register/"
TOKEN_URL = "/api/v1/auth/token/"
PASSPHRASE = "a-long-unusual-passphrase"

pytestmark = pytest.mark.django_db

User = get_user_model()


def register(client, username):
    return client.post(REGISTER_URL, {"username": username, "password": PASSPHRASE}, format="json")


def token(client, username, password=PASSPHRASE):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


class TestUniqueWhateverTheCase:
    @pytest.mark.parametrize("variant", ["Alice", "ALICE", "aLiCe"])
    def test_sign_up_refuses_a_case_variant_of_a_taken_name(self, anonymous_client, user, variant):
        error = assert_error(register(anonymous_client, variant), 400, fields=["username"])

        assert "already exists" in error["fields"]["username"][0]
        assert User.objects.count() == 1

    def test_the_database_refuses_a_case_variant_written_past_the_services(self, user):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username="ALICE")

        assert User.objects.filter(username__iexact="alice").count() == 1

    def test_the_database_still_allows_different_names(self, user):
        User.objects.create(username="alice2")

        assert User.objects.count() == 2


class TestLoginIsCaseInsensitive:
    def test_a_token_for_the_name_in_another_case(self, anonymous_client, user):
        response = token(anonymous_client, "ALICE", DEFAULT_PASSWORD)

        assert response.status_code == 200
        me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        assert me.json()["username"] == "alice"

    def test_the_admin_accepts_the_name_in_another_case(self):
        UserFactory(username="Root", is_staff=True, is_superuser=True)
        client = Client()

        response = client.post(
            "/admin/login/", {"username": "rOOT", "password": DEFAULT_PASSWORD, "next": "/admin/"}
        )

        assert response.status_code == 302
        assert "_auth_user_id" in client.session

    def test_the_password_is_still_case_sensitive(self, anonymous_client, user):
        assert_error(token(anonymous_client, "alice", DEFAULT_PASSWORD.upper()), 401)


class TestWhatWasTypedIsWhatLogsIn:
    @pytest.mark.parametrize(
        ("typed", "plain"),
        [
            ("\ufb01le", "file"),  # the "fi" ligature
            ("\uff41nna", "anna"),  # a full-width "a"
            ("x\u00b2", "x2"),  # a superscript two
        ],
    )
    def test_a_name_that_would_be_stored_differently_is_refused_naming_the_plain_spelling(
        self, anonymous_client, typed, plain
    ):
        error = assert_error(register(anonymous_client, typed), 400, fields=["username"])

        assert plain in error["fields"]["username"][0]
        assert not User.objects.exists()

    def test_a_name_with_accents_is_stored_and_logs_in_as_typed(self, anonymous_client):
        assert register(anonymous_client, "Zo\u00eb").status_code == 201

        assert User.objects.get().username == "Zo\u00eb"
        assert token(anonymous_client, "Zo\u00eb").status_code == 200

    def test_an_accent_typed_as_two_code_points_is_the_same_name(self, anonymous_client):
        """Decomposed and composed accents look identical, so they are one name, not a refusal."""
        assert register(anonymous_client, "Zoe\u0308").status_code == 201

        assert User.objects.get().username == "Zo\u00eb"
        assert token(anonymous_client, "Zoe\u0308").status_code == 200
        assert token(anonymous_client, "Zo\u00eb").status_code == 200
        assert_error(register(anonymous_client, "Zo\u00eb"), 400, fields=["username"])
