"""The UI role serves browser pages only: no API, no admin, no database."""

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/api/v1/auth/token/", "/admin/", "/admin/login/"])
def test_the_ui_role_has_no_api_or_admin_routes(client, fake_api, path):
    with pytest.raises(Resolver404):
        resolve(path)
    response = client.get(path)
    assert response.status_code == 404
    assert "find that page" in response.content.decode()
    assert fake_api.requests == []


def test_the_ui_role_has_no_database():
    # Django fills an empty DATABASES with its "dummy" backend, which refuses every query.
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.dummy"
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert "rest_framework" not in settings.INSTALLED_APPS


def test_health_answers_without_the_api(client, fake_api):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert fake_api.requests == []
