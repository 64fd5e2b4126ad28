import threading
import time

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection
from knox.auth import TokenAuthentication
from knox.models import AuthToken

from taskmanager.accounts.services import (
    InvalidCredentials,
    token_create,
    token_revoke,
    user_admin_password_reset,
    user_ensure_admin,
    user_register,
)
from taskmanager.projects.models import Project
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "a-long-unusual-passphrase"
CLIENT = "192.0.2.1"


class TestUserRegister:
    def test_creates_a_regular_user_with_a_hashed_password(self):
        user = user_register(username="  carol ", password=STRONG, email="carol@example.com", client=CLIENT)

        user.refresh_from_db()
        assert user.username == "carol"
        assert user.email == "carol@example.com"
        assert not user.is_staff
        assert not user.is_superuser
        assert user.password != STRONG
        assert user.check_password(STRONG)

    def test_a_new_user_gets_an_inbox_of_their_own(self):
        user = user_register(username="carol", password=STRONG, client=CLIENT)

        inbox = Project.objects.get(inbox_of=user)
        assert (inbox.name, inbox.archived) == ("Inbox", False)
        assert list(inbox.memberships.values_list("user", "role")) == [(user.id, "owner")]

    @pytest.mark.parametrize(
        ("username", "password", "fields"),
        [
            ("carol", "short", {"password"}),
            ("carol", "password", {"password"}),
            ("carol", "1234567890123", {"password"}),
            ("carolcarol", "carolcarol", {"password"}),
            ("bad name", STRONG, {"username"}),
            ("", STRONG, {"username"}),
            ("bad name", "short", {"username", "password"}),
        ],
    )
    def test_invalid_input_names_each_field(self, username, password, fields):
        with pytest.raises(ValidationError) as excinfo:
            user_register(username=username, password=password, client=CLIENT)

        assert set(excinfo.value.message_dict) == fields
        assert not User.objects.exists()
        assert not Project.objects.exists()

    def test_a_taken_username_is_a_username_error(self):
        UserFactory(username="taken")

        with pytest.raises(ValidationError) as excinfo:
            user_register(username="taken", password=STRONG, client=CLIENT)

        assert set(excinfo.value.message_dict) == {"username"}
        assert User.objects.count() == 1

    def test_a_taken_username_and_a_weak_password_are_reported_together(self):
        UserFactory(username="taken")

        with pytest.raises(ValidationError) as excinfo:
            user_register(username="taken", password="short", client=CLIENT)

        assert set(excinfo.value.message_dict) == {"username", "password"}


class TestTokens:
    def test_create_returns_a_token_that_authenticates(self):
        user = UserFactory()

        token, instance = token_create(username=user.username, password=DEFAULT_PASSWORD, client=CLIENT)

        assert instance.user == user
        assert instance.expiry is not None
        authenticated_user, auth = TokenAuthentication().authenticate_credentials(token.encode())
        assert (authenticated_user, auth) == (user, instance)

    def test_only_a_digest_is_stored(self):
        user = UserFactory()

        token, instance = token_create(username=user.username, password=DEFAULT_PASSWORD, client=CLIENT)

        stored = AuthToken.objects.get(pk=instance.pk)
        assert token not in (stored.digest, stored.token_key)
        assert stored.token_key == token[: len(stored.token_key)]
        assert len(stored.token_key) < len(token)

    @pytest.mark.parametrize(
        ("username", "password"), [("alice", "wrong-password"), ("nobody", DEFAULT_PASSWORD)]
    )
    def test_bad_credentials_raise(self, username, password):
        UserFactory(username="alice")

        with pytest.raises(InvalidCredentials):
            token_create(username=username, password=password, client=CLIENT)

        assert not AuthToken.objects.exists()

    def test_an_inactive_user_gets_no_token(self):
        user = UserFactory(is_active=False)

        with pytest.raises(InvalidCredentials):
            token_create(username=user.username, password=DEFAULT_PASSWORD, client=CLIENT)

    def test_revoke_deletes_only_that_token(self):
        user = UserFactory()
        _token, first = token_create(username=user.username, password=DEFAULT_PASSWORD, client=CLIENT)
        _token, second = token_create(username=user.username, password=DEFAULT_PASSWORD, client=CLIENT)

        token_revoke(token=first)

        assert list(AuthToken.objects.all()) == [second]


class TestEnsureAdmin:
    def test_creates_a_superuser(self):
        assert user_ensure_admin(username="admin", password="first-password", email="a@example.com") is True

        admin = User.objects.get(username="admin")
        assert admin.is_staff
        assert admin.is_superuser
        assert admin.is_active
        assert admin.email == "a@example.com"
        assert admin.check_password("first-password")
        assert Project.objects.get(inbox_of=admin).memberships.get().role == "owner"

    def test_running_again_changes_nothing_about_the_existing_admin(self):
        user_ensure_admin(username="admin", password="first-password", email="a@example.com")
        before = User.objects.get(username="admin")

        assert user_ensure_admin(username="ADMIN", password="second-password", email="b@example.com") is False

        admin = User.objects.get()
        assert admin.check_password("first-password")
        assert admin.password == before.password
        assert Project.objects.filter(inbox_of=admin).count() == 1
        assert admin.email == "a@example.com"

    def test_a_password_changed_since_is_kept(self):
        user_ensure_admin(username="admin", password="first-password")
        admin = User.objects.get(username="admin")
        admin.set_password("changed-in-the-admin")
        admin.save()

        user_ensure_admin(username="admin", password="first-password")

        assert User.objects.get(username="admin").check_password("changed-in-the-admin")

    def test_an_existing_account_is_left_as_the_administrators_made_it(self):
        UserFactory(username="retired", is_active=False)

        assert user_ensure_admin(username="retired", password="new-password") is False

        retired = User.objects.get(username="retired")
        assert (retired.is_staff, retired.is_superuser, retired.is_active) == (False, False, False)
        assert not retired.check_password("new-password")


class TestAdminPasswordReset:
    def test_sets_the_password_and_restores_the_admin_rights(self):
        UserFactory(username="admin", is_active=False)

        user_admin_password_reset(username="ADMIN", password="recovered-password")

        admin = User.objects.get(username="admin")
        assert admin.check_password("recovered-password")
        assert (admin.is_staff, admin.is_superuser, admin.is_active) == (True, True, True)

    def test_an_unknown_admin_is_an_error(self):
        with pytest.raises(User.DoesNotExist):
            user_admin_password_reset(username="nobody", password="recovered-password")


@pytest.mark.django_db(transaction=True)
def test_a_second_pod_creating_the_admin_at_the_same_moment_finds_it_there():
    """Two API pods start together: both find no admin, both insert it, the
    case-insensitive unique index holds the second insert until the first
    commits, and the second then fails. That failure means "it exists"."""
    other_pod = psycopg2.connect(**_psycopg2_parameters())
    try:
        with other_pod.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
                " is_staff, is_active, date_joined)"
                " VALUES (%s, true, 'ADMIN', '', '', '', true, true, now())",
                [make_password("the-other-pods-password")],
            )
        # The other pod commits a moment after this one has tried its own insert.
        commit = threading.Timer(1.0, other_pod.commit)
        commit.start()
        started = time.monotonic()

        assert user_ensure_admin(username="admin", password="this-pods-password") is False

        commit.join()
        assert time.monotonic() - started >= 0.9, "the insert did not wait for the other pod's"
    finally:
        other_pod.close()
    (admin,) = User.objects.all()
    assert admin.username == "ADMIN"
    assert admin.check_password("the-other-pods-password")


def _psycopg2_parameters() -> dict:
    database = connection.settings_dict
    return {
        "dbname": database["NAME"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "host": database["HOST"],
        "port": database["PORT"] or 5432,
    }


@pytest.mark.parametrize("name", ["me", "None", "ME"])
def test_names_the_task_filters_use_are_refused_at_sign_up(name):
    with pytest.raises(ValidationError) as refused:
        user_register(username=name, password="a-long-passphrase-1", client="127.0.0.1")
    assert "assignee=" in refused.value.message_dict["username"][0]
