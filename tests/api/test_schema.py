"""The OpenAPI document and the Swagger UI page."""

import re

import pytest
from drf_spectacular.validation import validate_schema

from tests.api.helpers import assert_error

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"


@pytest.fixture
def schema(anonymous_client):
    response = anonymous_client.get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on any violation of the OpenAPI JSON schema


def test_schema_lists_the_task_paths_and_their_methods(schema):
    paths = schema["paths"]

    assert set(paths["/api/v1/tasks/"]) >= {"get", "post"}
    assert set(paths["/api/v1/tasks/{id}/"]) >= {"get", "put", "patch", "delete"}
    for path in ("/api/v1/tasks/bulk/", "/api/v1/tasks/stats/", "/api/v1/tags/", "/api/v1/auth/token/"):
        assert path in paths


def test_schema_documents_list_filters_and_bearer_auth(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}

    assert parameters >= {"completed", "priority", "tag", "due_before", "due_after", "overdue", "search"}
    assert parameters >= {"ordering", "limit", "offset"}
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


def test_schema_is_yaml_by_default(anonymous_client):
    response = anonymous_client.get(SCHEMA_URL)

    assert response.status_code == 200
    assert b"openapi: 3." in response.content


def test_docs_page_loads_assets_only_from_local_static(anonymous_client):
    response = anonymous_client.get(DOCS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "external asset in the docs page"
    assert not re.search(r"https?://(?!testserver)", html.replace("http://www.w3.org", "")), html
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any("/static/drf_spectacular_sidecar/" in asset for asset in assets)


def test_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    # --fail-on-warn turns any view drf-spectacular cannot describe into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")


@pytest.mark.parametrize("method", ["options", "post", "put", "delete"])
def test_the_docs_page_refuses_other_methods_in_the_error_shape(anonymous_client, method):
    # OPTIONS used to render the view's metadata with the page's HTML template, which has none: a 500.
    response = getattr(anonymous_client, method)(DOCS_URL)

    error = assert_error(response, 405)
    assert error["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"
