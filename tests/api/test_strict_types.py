"""Wrong JSON types are refused with 400 naming the field, never coerced into a value."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from taskmanager.tasks.models import TAGS_PER_TASK_MAX, Task
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import DEFAULT_PASSWORD, TaskFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/v1/auth/register/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": 2.39e16}, "title"),
        ({"title": True}, "title"),
        ({"title": "ok", "description": 7}, "description"),
        ({"title": "ok", "priority": ["high"]}, "priority"),
        ({"title": "ok", "completed": "true"}, "completed"),
        ({"title": "ok", "completed": 1}, "completed"),
        ({"title": "ok", "completed": 0}, "completed"),
        ({"title": "ok", "due_date": "2030-1-2"}, "due_date"),
        ({"title": "ok", "due_date": "20300102"}, "due_date"),
        ({"title": "ok", "due_date": "2030-W01-1"}, "due_date"),
        ({"title": "ok", "tags": [5]}, "tags"),
        ({"title": "ok", "tags": [False]}, "tags"),
    ],
)
def test_task_fields_refuse_other_json_types(api_client, body, field):
    assert_error(api_client.post(TASKS_URL, body, format="json"), 400, fields=[field])
    assert not Task.objects.exists()


def test_a_number_too_large_for_a_float_is_not_read_as_text(api_client):
    # JSON allows 1e999999; Python reads it as infinity, which must not become the tag "inf".
    body = '{"title": "ok", "tags": [1e999999]}'

    response = api_client.post(TASKS_URL, data=body, content_type="application/json")

    assert_error(response, 400, fields=["tags"])
    assert not Task.objects.exists()


def test_a_patch_refuses_a_string_for_a_boolean(api_client, user):
    task = TaskFactory(owner=user)

    assert_error(
        api_client.patch(task_url(task), {"completed": "false"}, format="json"), 400, fields=["completed"]
    )
    task.refresh_from_db()
    assert task.version == 1


@pytest.mark.parametrize(
    "ids",
    [[5], [uuid.uuid4().int], [uuid.uuid4().hex], [f"{{{uuid.uuid4()}}}"], [f"urn:uuid:{uuid.uuid4()}"]],
)
def test_bulk_ids_must_be_uuid_strings(api_client, user, ids):
    TaskFactory(owner=user)

    response = api_client.post(f"{TASKS_URL}bulk/", {"ids": ids, "action": "delete"}, format="json")

    assert_error(response, 400, fields=["ids"])
    assert Task.objects.count() == 1


def test_bulk_action_must_be_a_string(api_client):
    body = {"ids": [str(uuid.uuid4())], "action": ["delete"]}

    assert_error(api_client.post(f"{TASKS_URL}bulk/", body, format="json"), 400, fields=["action"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": 2.39e16, "password": DEFAULT_PASSWORD}, "username"),
        ({"username": 12345, "password": DEFAULT_PASSWORD}, "username"),
        ({"username": "dave", "password": 12345678901}, "password"),
        ({"username": "dave", "password": DEFAULT_PASSWORD, "email": 5}, "email"),
    ],
)
def test_sign_up_refuses_numbers_for_names(anonymous_client, body, field):
    assert_error(anonymous_client.post(REGISTER_URL, body, format="json"), 400, fields=[field])
    assert not get_user_model().objects.exists()


def test_login_refuses_a_number_for_a_username(anonymous_client):
    body = {"username": 2.39e16, "password": DEFAULT_PASSWORD}

    assert_error(anonymous_client.post(TOKEN_URL, body, format="json"), 400, fields=["username"])


def test_an_over_long_list_gets_one_message_not_one_per_item(api_client):
    body = {"title": "ok", "tags": [[]] * 10_000}

    error = assert_error(api_client.post(TASKS_URL, body, format="json"), 400, fields=["tags"])

    assert len(error["fields"]["tags"]) == 1
    assert str(TAGS_PER_TASK_MAX) in error["fields"]["tags"][0]


def test_the_right_types_still_work(api_client):
    body = {"title": "ok", "completed": True, "due_date": "2030-01-02", "tags": ["Work"], "priority": "high"}

    response = api_client.post(TASKS_URL, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["work"]


def test_an_email_longer_than_its_column_is_400_not_500(anonymous_client):
    email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"
    assert 254 < len(email) <= 320

    response = anonymous_client.post(
        REGISTER_URL, {"username": "erin", "password": DEFAULT_PASSWORD, "email": email}, format="json"
    )

    assert_error(response, 400, fields=["email"])
