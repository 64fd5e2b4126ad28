"""Label values are bounded: route templates and a few fixed words, never a path or an id."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from taskmanager.metrics.api_calls import API_ROUTES, api_route_label
from taskmanager.metrics.labels import OTHER, UNMATCHED, method_label, route_label, status_label


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("api/v1/tasks/<uuid:pk>/", "api/v1/tasks/<uuid:pk>/"),
        ("", UNMATCHED),
        (None, UNMATCHED),
    ],
)
def test_a_route_is_the_resolved_pattern_or_unmatched(route, label):
    assert route_label(route) == label


@pytest.mark.parametrize(
    ("method", "label"),
    [("GET", "GET"), ("post", "POST"), ("OPTIONS", "OPTIONS"), ("BREW", OTHER), ("", OTHER), (None, OTHER)],
)
def test_a_method_the_application_does_not_answer_is_other(method, label):
    assert method_label(method) == label


@pytest.mark.parametrize(
    ("status", "label"),
    [(200, "200"), ("404", "404"), (" 503", "503"), (299, OTHER), ("20x", OTHER), ("", OTHER), (None, OTHER)],
)
def test_a_status_is_a_known_http_code_or_other(status, label):
    assert status_label(status) == label


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/api/v1/tasks/", "api/v1/tasks/"),
        ("/api/v1/tasks/bulk/", "api/v1/tasks/bulk/"),
        (f"/api/v1/tasks/{uuid.uuid4()}/", "api/v1/tasks/<uuid:pk>/"),
        (f"/api/v1/projects/{uuid.uuid4()}/members/", "api/v1/projects/<uuid:pk>/members/"),
        (
            f"/api/v1/projects/{uuid.uuid4()}/members/a%40b.example/",
            "api/v1/projects/<uuid:pk>/members/<str:username>/",
        ),
        # Not a UUID: no API pattern takes it, so neither does the label.
        ("/api/v1/tasks/12345/", UNMATCHED),
        ("/api/v1/tasks/", "api/v1/tasks/"),
        ("/api/v1/nothing-here/", UNMATCHED),
        ("/", UNMATCHED),
        ("/api/v1/tasks", UNMATCHED),
    ],
)
def test_the_ui_labels_an_api_path_with_the_api_s_route_template(path, label):
    assert api_route_label(path) == label


def _routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def test_the_ui_knows_exactly_the_api_s_route_templates():
    """The UI cannot load the API's URL map; its copy (API_ROUTES) must be that map under api/v1/.

    A new API endpoint fails here until taskmanager/metrics/api_calls.py lists
    it; until then the UI's calls to it would count as <unmatched>.
    """
    api_routes = [route for route in _routes(get_resolver().url_patterns) if route.startswith("api/v1/")]
    assert sorted(API_ROUTES) == sorted(api_routes)
    assert len(set(API_ROUTES)) == len(API_ROUTES)


def test_the_route_label_the_api_logs_is_the_one_the_ui_uses(client):
    """The server side labels a request with resolver_match.route; the UI's table must agree."""
    task_id = uuid.uuid4()
    response = client.get(f"/api/v1/tasks/{task_id}/")
    assert response.resolver_match.route == api_route_label(f"/api/v1/tasks/{task_id}/")
