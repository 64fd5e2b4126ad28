"""Expired tokens: refused when presented, swept at login, never scanned per request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api.helpers import TASKS_URL

pytestmark = pytest.mark.django_db


def test_authenticating_reads_only_the_presented_token(api_client, user):
    for _ in range(5):
        AuthToken.objects.create(user=user)

    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(f"{TASKS_URL}stats/").status_code == 200

    token_queries = [q["sql"] for q in captured.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(token_queries) == 1, token_queries


def test_login_deletes_the_users_expired_tokens_only(user, other_user):
    user.set_password("a-long-pass-phrase")
    user.save()
    AuthToken.objects.create(user=user, expiry=timedelta(seconds=-1))
    AuthToken.objects.create(user=other_user, expiry=timedelta(seconds=-1))
    AuthToken.objects.create(user=user)

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": "a-long-pass-phrase"}, format="json"
    )

    assert response.status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 2  # the live one and the new one
    assert AuthToken.objects.filter(user=other_user).count() == 1
