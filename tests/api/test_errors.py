"""Every kind of bad request gets the one error shape, the right status, and no stack trace."""

import json

import pytest
from django.conf import settings

from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def post_raw(client, body: bytes | str, content_type="application/json", url=TASKS_URL, method="post"):
    return getattr(client, method)(url, data=body, content_type=content_type)


class TestBodyFormat:
    @pytest.mark.parametrize("body", ['{"title": "x"', "{'title': 'x'}", "title=x", "\xff\xfe"])
    def test_malformed_json_is_400(self, api_client, body):
        error = assert_error(post_raw(api_client, body), 400)
        assert error["code"] == "parse_error"
        assert not Task.objects.exists()

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
    )
    def test_wrong_content_type_is_415(self, api_client, content_type):
        response = post_raw(api_client, '{"title": "x"}', content_type=content_type)

        error = assert_error(response, 415)
        assert error["code"] == "unsupported_media_type"
        assert not Task.objects.exists()

    @pytest.mark.parametrize("body", ["[]", '["title"]', '"title"', "42", "null", "true"])
    def test_a_body_that_is_not_an_object_is_400(self, api_client, body):
        assert_error(post_raw(api_client, body), 400, fields=["non_field_errors"])

    def test_a_body_over_the_limit_is_413(self, api_client):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = json.dumps({"title": "big", "description": "x" * limit})

        error = assert_error(post_raw(api_client, body), 413)
        assert error["code"] == "request_too_large"
        assert not Task.objects.exists()

    def test_a_body_over_the_limit_is_413_on_patch_too(self, api_client, user):
        task = TaskFactory(owner=user)
        body = json.dumps({"description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

        assert_error(post_raw(api_client, body, url=task_url(task), method="patch"), 413)

    def test_a_body_just_under_the_limit_is_parsed(self, api_client):
        # Under the byte limit but over the description limit: the body is read and judged on content.
        padding = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100
        body = json.dumps({"title": "fits", "description": "x" * padding})

        assert_error(post_raw(api_client, body), 400, fields=["description"])

    def test_credentials_are_checked_before_a_big_body_is_read(self, anonymous_client):
        body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

        assert_error(post_raw(anonymous_client, body), 401)


class TestFieldValidation:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"title": "ok", "priority": "urgent"}, "priority"),
            ({"title": "ok", "priority": "HIGH"}, "priority"),
            ({"title": "ok", "priority": None}, "priority"),
            ({"title": "ok", "priority": 3}, "priority"),
            ({"title": "ok", "due_date": "2024-13-01"}, "due_date"),
            ({"title": "ok", "due_date": "tomorrow"}, "due_date"),
            ({"title": "ok", "due_date": "2024-02-30"}, "due_date"),
            ({"title": "ok", "due_date": "2024-01-01T10:00:00Z"}, "due_date"),
            ({"title": "ok", "due_date": 20240101}, "due_date"),
            ({"title": ""}, "title"),
            ({"title": "   \t\n "}, "title"),
            ({"title": None}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": ["a list"]}, "title"),
            ({"title": {"an": "object"}}, "title"),
            ({"description": "no title"}, "title"),
            ({"title": "ok", "description": "x" * 10_001}, "description"),
            ({"title": "ok", "description": None}, "description"),
            ({"title": "ok", "completed": "maybe"}, "completed"),
            ({"title": "ok", "completed": None}, "completed"),
            ({"title": "ok", "tags": "work"}, "tags"),
            ({"title": "ok", "tags": ["has space"]}, "tags"),
            ({"title": "ok", "tags": ["-leading-dash"]}, "tags"),
            ({"title": "ok", "tags": ["émoji"]}, "tags"),
            ({"title": "ok", "tags": ["x" * 33]}, "tags"),
            ({"title": "ok", "tags": [""]}, "tags"),
            ({"title": "ok", "tags": [None]}, "tags"),
            ({"title": "ok", "tags": [["nested"]]}, "tags"),
            ({"title": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
            ({"title": "ok", "tags": None}, "tags"),
            ({"title": "ok", "colour": "red"}, "colour"),
            ({"title": "ok", "owner": 2}, "owner"),
            ({"title": "ok", "project": "not-a-uuid"}, "project"),
            ({"title": "ok", "project": 5}, "project"),
            ({"title": "ok", "assignee": 5}, "assignee"),
            ({"title": "ok", "assignee": "nobody-by-that-name"}, "assignee"),
            ({"title": "ok", "tags": ["   "]}, "tags"),
            ({"title": "a\x00b"}, "title"),
            ({"title": "ok", "description": "\x00"}, "description"),
            ({"title": "ok", "tags": ["a\x00"]}, "tags"),
        ],
    )
    def test_invalid_values_on_create_are_400_naming_the_field(self, api_client, body, field):
        error = assert_error(api_client.post(TASKS_URL, body, format="json"), 400, fields=[field])

        assert error["code"] == "invalid"
        assert not Task.objects.exists()

    def test_all_fields_breaking_a_rule_are_named_at_once_with_the_domains_messages(self, api_client):
        body = {"title": "", "priority": "urgent", "description": "x" * 10_001, "tags": ["ok", ""]}

        error = assert_error(
            api_client.post(TASKS_URL, body, format="json"),
            400,
            fields=["title", "priority", "description", "tags"],
        )

        assert error["fields"]["title"] == ["Title must not be empty."]
        assert error["fields"]["priority"] == ["Priority must be one of: low, medium, high."]
        assert error["fields"]["description"] == ["Description must be at most 10000 characters."]
        assert error["fields"]["tags"][0].startswith("Tag '' is invalid: ")

    def test_all_fields_of_the_wrong_shape_are_named_at_once(self, api_client):
        # Types and unknown fields are the serializer's; a body must have the right
        # shape before the domain judges its values.
        body = {"title": 5, "completed": "yes", "due_date": "soon", "colour": "red"}

        assert_error(
            api_client.post(TASKS_URL, body, format="json"),
            400,
            fields=["title", "completed", "due_date", "colour"],
        )

    def test_shape_and_rule_errors_are_named_together(self, api_client):
        # The well-formed fields still go through the domain when others have the wrong shape.
        body = {"title": "   ", "priority": "urgent", "completed": "yes", "colour": "red"}

        error = assert_error(
            api_client.post(TASKS_URL, body, format="json"),
            400,
            fields=["title", "priority", "completed", "colour"],
        )

        assert error["fields"]["title"] == ["Title must not be empty."]
        assert error["fields"]["priority"] == ["Priority must be one of: low, medium, high."]
        assert not Task.objects.exists()

    def test_project_shape_and_rule_errors_are_named_together(self, api_client):
        body = {"name": "", "color": "mauve", "archived": "no"}

        error = assert_error(api_client.post("/api/v1/projects/", body, format="json"), 400)

        assert set(error["fields"]) == {"name", "color", "archived"}
        assert error["fields"]["name"] == ["Name must not be empty."]

    def test_errors_inside_a_list_say_which_item(self, api_client):
        body = {"title": "ok", "tags": ["fine", 5]}

        error = assert_error(api_client.post(TASKS_URL, body, format="json"), 400, fields=["tags"])

        assert error["fields"]["tags"] == ["Item 2: Not a valid string."]

    def test_a_tag_breaking_the_rule_is_named_in_its_message(self, api_client):
        body = {"title": "ok", "tags": ["fine", "x" * 33]}

        error = assert_error(api_client.post(TASKS_URL, body, format="json"), 400, fields=["tags"])

        assert len(error["fields"]["tags"]) == 1
        assert error["fields"]["tags"][0].startswith(f"Tag '{'x' * 33}' is invalid: ")
        assert "32" in error["fields"]["tags"][0]

    def test_title_of_exactly_200_characters_is_accepted(self, api_client):
        response = api_client.post(TASKS_URL, {"title": "x" * 200}, format="json")

        assert response.status_code == 201

    def test_title_padded_past_200_characters_is_accepted_after_trimming(self, api_client):
        response = api_client.post(TASKS_URL, {"title": "  " + "x" * 200 + "  "}, format="json")

        assert response.status_code == 201
        assert response.json()["title"] == "x" * 200

    def test_twenty_tags_are_accepted(self, api_client):
        tags = [f"t{i}" for i in range(20)]

        response = api_client.post(TASKS_URL, {"title": "ok", "tags": tags}, format="json")

        assert response.status_code == 201
        assert len(response.json()["tags"]) == 20

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"title": "  "}, "title"),
            ({"priority": "urgent"}, "priority"),
            ({"due_date": "2024-99-99"}, "due_date"),
            ({"tags": ["bad tag"]}, "tags"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_invalid_values_on_patch_are_400_and_change_nothing(self, api_client, user, body, field):
        task = TaskFactory(owner=user, title="Unchanged")

        assert_error(api_client.patch(task_url(task), body, format="json"), 400, fields=[field])
        task.refresh_from_db()
        assert (task.title, task.version) == ("Unchanged", 1)

    def test_invalid_tag_leaves_no_partial_write(self, api_client, user):
        task = TaskFactory(owner=user, title="Before", tags=["old"])

        response = api_client.patch(
            task_url(task), {"title": "After", "tags": ["ok", "not ok"]}, format="json"
        )

        assert_error(response, 400, fields=["tags"])
        task.refresh_from_db()
        assert task.title == "Before"
        assert [t.name for t in task.tags.all()] == ["old"]


class TestRouting:
    @pytest.mark.parametrize(
        "path",
        [
            f"{TASKS_URL}not-a-uuid/",
            f"{TASKS_URL}12345/",
            f"{TASKS_URL}00000000-0000-0000-0000-00000000000g/",
            f"{TASKS_URL}00000000-0000-4000-8000-000000000000/",
        ],
    )
    def test_malformed_or_unknown_id_is_404_json(self, api_client, path):
        error = assert_error(api_client.get(path), 404)
        assert error["code"] == "not_found"

    @pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/tasks/", "/api/v1/tasks/x/y/z/"])
    def test_unknown_api_path_is_404_json(self, api_client, path):
        assert_error(api_client.get(path), 404)

    def test_unknown_path_is_404_json_even_without_credentials(self, anonymous_client):
        assert_error(anonymous_client.get("/api/v1/nothing-here/"), 404)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("put", TASKS_URL),
            ("delete", TASKS_URL),
            ("patch", f"{TASKS_URL}stats/"),
            ("get", f"{TASKS_URL}bulk/"),
            ("post", "/api/v1/me/"),
            ("get", f"{TASKS_URL}clear-completed/"),
        ],
    )
    def test_unsupported_method_is_405(self, api_client, method, path):
        response = getattr(api_client, method)(path, {}, format="json")

        error = assert_error(response, 405)
        assert error["code"] == "method_not_allowed"
        assert "Allow" in response

    def test_post_on_a_task_is_405(self, api_client, user):
        task = TaskFactory(owner=user)

        assert_error(api_client.post(task_url(task), {}, format="json"), 405)

    def test_unknown_http_method_is_405(self, api_client):
        response = api_client.generic("BREW", TASKS_URL)

        assert_error(response, 405)


class TestServerErrors:
    def test_an_unexpected_error_is_500_json_without_a_trace(self, api_client, monkeypatch, caplog):
        from taskmanager.tasks import selectors

        def explode(*, actor, filters=None):
            raise RuntimeError("database on fire")

        monkeypatch.setattr(selectors, "task_stats", explode)

        response = api_client.get(f"{TASKS_URL}stats/")

        error = assert_error(response, 500)
        assert error["code"] == "server_error"
        assert "on fire" not in response.content.decode()
        assert "database on fire" in caplog.text
