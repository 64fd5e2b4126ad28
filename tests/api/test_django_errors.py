"""Answers made by Django rather than DRF (redirects, the admin, CSRF, body limits) keep the API's shape."""

import pytest
from django.conf import settings
from django.test import Client

from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestMissingTrailingSlash:
    """A path without its trailing slash answers 308, which keeps the method and body, never 301."""

    def test_a_post_is_redirected_with_308_and_creates_nothing(self, api_client):
        response = api_client.post(TASKS_URL.rstrip("/"), {"title": "Slashless"}, format="json")

        assert_error(response, 308)
        assert response["Location"] == TASKS_URL
        assert not Task.objects.exists()

    def test_following_the_redirect_creates_the_task(self, api_client):
        response = api_client.post(TASKS_URL.rstrip("/"), {"title": "Slashless"}, format="json", follow=True)

        assert response.status_code == 201, response.content
        assert response.redirect_chain == [(TASKS_URL, 308)]
        assert Task.objects.get().title == "Slashless"

    @pytest.mark.parametrize("method", ["put", "patch", "delete"])
    def test_writes_to_one_task_are_redirected_with_308(self, api_client, user, method):
        task = TaskFactory(owner=user, title="Before")

        response = getattr(api_client, method)(task_url(task).rstrip("/"), {"title": "After"}, format="json")

        assert_error(response, 308)
        assert response["Location"] == task_url(task)
        task.refresh_from_db()
        assert (task.title, task.version) == ("Before", 1)

    def test_a_get_keeps_its_query_string(self, api_client):
        response = api_client.get(TASKS_URL.rstrip("/"), {"completed": "true", "limit": "5"})

        assert_error(response, 308)
        assert response["Location"] == f"{TASKS_URL}?completed=true&limit=5"

    def test_a_post_without_the_slash_is_redirected_in_debug_too(self, api_client, settings):
        # Django refuses to redirect a POST in DEBUG because a 301 would lose its body; a 308 does not.
        settings.DEBUG = True

        response = api_client.post("/api/v1/auth/token", {"username": "a", "password": "b"}, format="json")

        assert_error(response, 308)
        assert response["Location"] == "/api/v1/auth/token/"


@pytest.fixture
def staff_client():
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


class TestAdminErrors:
    def test_a_method_the_view_refuses_is_405_json(self, staff_client):
        response = staff_client.get("/admin/logout/")

        error = assert_error(response, 405)
        assert error["code"] == "method_not_allowed"
        assert "POST" in response["Allow"]
        assert int(response.get("Content-Length", len(response.content))) == len(response.content)

    def test_a_missing_csrf_token_is_403_json(self):
        client = Client(enforce_csrf_checks=True)

        response = client.post("/admin/login/", {"username": "root", "password": "x"})

        error = assert_error(response, 403)
        assert error["code"] == "csrf_failed"
        assert "CSRF" in error["message"]

    def test_a_form_body_over_the_limit_is_413_json(self):
        body = "username=root&password=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE

        response = Client().post("/admin/login/", body, content_type="application/x-www-form-urlencoded")

        error = assert_error(response, 413)
        assert error["code"] == "request_too_large"

    def test_an_unknown_admin_page_is_404_json(self, staff_client):
        assert_error(staff_client.get("/admin/tasks/nothing-here/"), 404)

    def test_an_unknown_host_is_400_json_for_a_post_too(self):
        response = Client().post("/admin/login/", {}, HTTP_HOST="attacker.example")

        assert_error(response, 400)

    def test_admin_pages_still_render(self, staff_client):
        response = staff_client.get("/admin/")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
