import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from knox.auth import TokenAuthentication
from knox.models import AuthToken

from taskmanager.accounts.services import (
    InvalidCredentials,
    token_create,
    token_revoke,
    user_ensure_admin,
    user_register,
)
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

    def test_running_again_updates_the_same_user(self):
        user_ensure_admin(username="admin", password="first-password", email="a@example.com")

        assert user_ensure_admin(username="admin", password="second-password") is False

        admin = User.objects.get(username="admin")
        assert User.objects.count() == 1
        assert admin.check_password("second-password")
        assert admin.email == "a@example.com"

    def test_promotes_an_existing_regular_user(self):
        UserFactory(username="promoted", is_active=False)

        assert user_ensure_admin(username="promoted", password="new-password") is False

        promoted = User.objects.get(username="promoted")
        assert (promoted.is_staff, promoted.is_superuser, promoted.is_active) == (True, True, True)
