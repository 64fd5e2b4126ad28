"""The OpenAPI schema states the contract: every error answer, the error shape, and each input's rules."""

import re

import pytest

from taskmanager.api.pagination import TaskPagination
from taskmanager.api.serializers import BULK_IDS_MAX, TAG_PATTERN, TITLE_PATTERN, bounded_text_pattern
from taskmanager.tasks.filters import ORDERING_PATTERN
from taskmanager.tasks.models import (
    DESCRIPTION_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_TASK_MAX,
    TITLE_MAX_LENGTH,
    Priority,
)
from taskmanager.tasks.services import BulkAction

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = {"get", "put", "patch", "post", "delete"}


@pytest.fixture
def schema(anonymous_client):
    response = anonymous_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def component(schema, ref_holder):
    name = ref_holder["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][name]


def request_schema(schema, path, method):
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return component(schema, content["schema"])


def errors_of(operation) -> dict:
    return {code: response for code, response in operation["responses"].items() if code >= "400"}


def test_the_error_shape_is_one_component(schema):
    error = schema["components"]["schemas"]["Error"]
    detail = component(schema, error["properties"]["error"])

    assert error["required"] == ["error"]
    assert set(detail["required"]) == {"status", "code", "message"}
    assert detail["properties"]["fields"]["additionalProperties"]["items"]["type"] == "string"


def test_every_error_answer_is_documented_with_the_error_shape(schema):
    for path, method, operation in operations(schema):
        errors = errors_of(operation)
        assert {"406", "500", "503"} <= set(errors), (path, method)
        for code, response in errors.items():
            assert response["content"]["application/json"]["schema"] == ERROR_REF, (path, method, code)
            assert response["description"], (path, method, code)


def test_errors_follow_from_what_an_operation_takes(schema):
    for path, method, operation in operations(schema):
        errors = set(errors_of(operation))
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= errors, (path, method)
        if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            assert "400" in errors, (path, method)
        if "{id}" in path:
            assert "404" in errors, (path, method)
        if any(parameter["name"] == "If-Match" for parameter in operation.get("parameters", [])):
            assert "412" in errors, (path, method)
        if {} not in operation.get("security", [{}]):
            assert "401" in errors, (path, method)


def test_retry_after_is_documented_where_it_is_sent(schema):
    for path, method, operation in operations(schema):
        assert operation["responses"]["503"]["headers"]["Retry-After"]["required"] is True, (path, method)
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"]


def test_sign_up_documents_that_it_can_be_disabled(schema):
    assert "403" in schema["paths"]["/api/v1/auth/register/"]["post"]["responses"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/tasks/", "post"),
        ("/api/v1/tasks/{id}/", "put"),
        ("/api/v1/tasks/{id}/", "patch"),
        ("/api/v1/tasks/bulk/", "post"),
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/auth/register/", "post"),
    ],
)
def test_input_objects_refuse_unknown_properties(schema, path, method):
    assert request_schema(schema, path, method)["additionalProperties"] is False


def test_task_input_rules_come_from_the_domain(schema):
    task = request_schema(schema, "/api/v1/tasks/", "post")["properties"]

    assert task["title"]["pattern"] == TITLE_PATTERN
    assert f"{{0,{TITLE_MAX_LENGTH - 2}}}" in TITLE_PATTERN
    # Kept as written, so the pattern counts every character (and refuses NUL, as PostgreSQL does).
    assert task["description"]["pattern"] == bounded_text_pattern(DESCRIPTION_MAX_LENGTH)
    assert f"{{0,{DESCRIPTION_MAX_LENGTH}}}" in task["description"]["pattern"]
    assert component(schema, task["priority"])["enum"] == Priority.values
    assert task["completed"]["type"] == "boolean"
    assert task["due_date"]["format"] == "date"
    assert task["tags"]["maxItems"] == TAGS_PER_TASK_MAX
    assert task["tags"]["items"]["pattern"] == TAG_PATTERN
    assert f"{{0,{TAG_MAX_LENGTH - 1}}}" in TAG_PATTERN
    assert task["project"]["format"] == "uuid"
    assert task["assignee"]["nullable"] is True
    # Echoed read-only fields are accepted and ignored, so they are named.
    assert {"id", "version", "created_at", "created_by", "overdue"} <= set(task)


def test_bulk_input_rules(schema):
    bulk = request_schema(schema, "/api/v1/tasks/bulk/", "post")["properties"]

    assert (bulk["ids"]["minItems"], bulk["ids"]["maxItems"]) == (1, BULK_IDS_MAX)
    assert bulk["ids"]["items"]["format"] == "uuid"
    assert component(schema, bulk["action"])["enum"] == list(BulkAction.ALL)


def test_list_parameters_state_their_rules(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}

    assert parameters["limit"]["schema"]["minimum"] == 1
    assert str(TaskPagination.max_limit) in parameters["limit"]["description"]
    assert parameters["offset"]["schema"]["minimum"] == 0
    assert parameters["ordering"]["schema"]["pattern"] == ORDERING_PATTERN
    assert parameters["completed"]["schema"]["type"] == "boolean"
    assert parameters["priority"]["schema"]["minItems"] == 1
    assert "pattern" in parameters["search"]["schema"]


@pytest.mark.parametrize(
    ("title", "accepted"),
    [("x", True), ("  padded  ", True), ("x" * TITLE_MAX_LENGTH, True), (" " * 5, False), ("x" * 201, False)],
)
def test_the_title_pattern_agrees_with_the_service(api_client, title, accepted):
    response = api_client.post("/api/v1/tasks/", {"title": title}, format="json")

    assert bool(re.search(TITLE_PATTERN, title)) is accepted
    assert (response.status_code == 201) is accepted, response.content


@pytest.mark.parametrize(
    ("tag", "accepted"),
    [("work", True), (" Work ", True), ("a-b_c", True), ("-a", False), ("a b", False), ("x" * 33, False)],
)
def test_the_tag_pattern_agrees_with_the_service(api_client, tag, accepted):
    response = api_client.post("/api/v1/tasks/", {"title": "t", "tags": [tag]}, format="json")

    assert bool(re.search(TAG_PATTERN, tag)) is accepted
    assert (response.status_code == 201) is accepted, response.content


@pytest.mark.parametrize(
    ("description", "accepted"),
    [
        ("", True),
        ("  kept  ", True),
        ("x" * DESCRIPTION_MAX_LENGTH, True),
        ("x" * 10_001, False),
        ("a\x00", False),
    ],
)
def test_the_description_pattern_agrees_with_the_service(api_client, description, accepted):
    response = api_client.post("/api/v1/tasks/", {"title": "t", "description": description}, format="json")

    assert bool(re.search(bounded_text_pattern(DESCRIPTION_MAX_LENGTH), description)) is accepted
    assert (response.status_code == 201) is accepted, response.content


def test_an_operation_whose_body_names_a_project_documents_404(schema):
    # A project the caller is no member of is not found, wherever it is named.
    named = []
    for path, method, operation in operations(schema):
        if "requestBody" not in operation:
            continue
        if "project" in request_schema(schema, path, method)["properties"]:
            named.append((path, method))
            assert "404" in errors_of(operation), (path, method)
    assert ("/api/v1/tasks/", "post") in named
    assert ("/api/v1/tasks/clear-completed/", "post") in named


@pytest.mark.parametrize(
    ("url", "body"), [("/api/v1/tasks/", {"title": "t"}), ("/api/v1/tasks/clear-completed/", {})]
)
def test_a_project_of_others_in_the_body_is_404(api_client, other_user, url, body):
    response = api_client.post(url, {**body, "project": str(other_user.inbox.id)}, format="json")

    assert response.status_code == 404, response.content
