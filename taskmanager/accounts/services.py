"""Users and their API tokens.

Tokens are django-rest-knox tokens: the client gets the token once, the
database keeps only its digest, and each has an expiry.
"""

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from taskmanager.accounts.limits import (
    HashingBusy,
    Limited,
    login_failure_reserve,
    password_hashing,
    signup_reserve,
)
from taskmanager.accounts.usernames import username_for_sign_up
from taskmanager.metrics.registry import LOGINS

USERNAME_TAKEN = "A user with that username already exists."


class InvalidCredentials(Exception):
    pass


def user_register(*, username: str, password: str, email: str = "", client: str):
    """Create an account for ``client`` (its address), within the sign-up and hashing limits.

    Raises ValidationError naming every bad field at once, or
    ``limits.Limited`` / ``limits.HashingBusy`` before any password is hashed.
    """
    User = get_user_model()
    errors = {}
    try:
        username = username_for_sign_up(username)
    except ValidationError as error:
        errors["username"] = error.messages
    else:
        # Said up front, with any password problem, so one round trip shows both.
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [USERNAME_TAKEN]
    email_error = _email_error(email)
    if email_error:
        errors["email"] = email_error
    try:
        password_validation.validate_password(password, user=User(username=username, email=email))
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    reservation = signup_reserve(client=client)
    try:
        with password_hashing(client=client), transaction.atomic():
            return User.objects.create_user(username=username, password=password, email=email)
    except IntegrityError:
        reservation.release()
        # Another sign-up took the name (in any case) since the check above.
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None
    except BaseException:
        reservation.release()
        raise


def _email_error(email: str) -> list[str]:
    """The column's own rules (format, and the length it holds), so no other limit can drift from it."""
    if not email:
        return []
    try:
        get_user_model()._meta.get_field("email").run_validators(email)
    except ValidationError as error:
        return error.messages
    return []


def user_authenticate(*, username: str, password: str, client: str, request=None):
    """The active user these credentials belong to, within the login and hashing limits.

    Raises InvalidCredentials (counted as a failure for the username and
    client), or ``limits.Limited`` / ``limits.HashingBusy`` before any
    password is checked (not counted). The token endpoint and the admin login
    both come through here, so they share the rules, the counts and the
    login metric (success, failure, throttled, busy).
    """
    try:
        user = _authenticate_within_limits(
            username=username, password=password, client=client, request=request
        )
    except InvalidCredentials:
        LOGINS.labels("failure").inc()
        raise
    except Limited:
        LOGINS.labels("throttled").inc()
        raise
    except HashingBusy:
        LOGINS.labels("busy").inc()
        raise
    LOGINS.labels("success").inc()
    return user


def _authenticate_within_limits(*, username: str, password: str, client: str, request):
    reservation = login_failure_reserve(username=username, client=client)
    try:
        with password_hashing(client=client):
            user = authenticate(request, username=username, password=password)
    except BaseException:
        reservation.release()
        raise
    if user is None or not user.is_active:
        raise InvalidCredentials()
    reservation.release()
    return user


def token_create(*, username: str, password: str, client: str, request=None) -> tuple[str, AuthToken]:
    user = user_authenticate(username=username, password=password, client=client, request=request)
    instance, token = AuthToken.objects.create(user=user)
    # Requests check only the token they present, so the user's other expired
    # tokens are swept here, once per login.
    token_delete_expired(user=user)
    return token, instance


def token_delete_expired(*, user) -> int:
    """Delete the user's expired tokens; returns how many went."""
    deleted, _per_model = AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return deleted


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def token_revoke_all(*, user) -> int:
    """Log the user out everywhere: delete every token they hold; returns how many went."""
    deleted, _per_model = AuthToken.objects.filter(user=user).delete()
    return deleted


def user_ensure_admin(*, username: str, password: str, email: str = "") -> bool:
    """Create the admin (active staff superuser) when no user has this name in
    any case; returns True when this call created it.

    An existing account is left exactly as it is, its password unread: every
    API pod start runs this, and anything it rewrote would undo what an
    administrator changed since (and a new password revokes every token).
    """
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        return False
    try:
        with transaction.atomic():
            User.objects.create_superuser(username=username, email=email, password=password)
    except IntegrityError:
        # Pods that start together all find no admin; the case-insensitive
        # unique index lets one insert win and fails the others.
        if User.objects.filter(username__iexact=username).exists():
            return False
        raise
    return True


def user_admin_password_reset(*, username: str, password: str) -> None:
    """The way back in for an operator who lost the admin's password: set it,
    and make the account an active staff superuser again.

    Raises User.DoesNotExist when no user has this name in any case.
    """
    user = get_user_model().objects.get(username__iexact=username)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
