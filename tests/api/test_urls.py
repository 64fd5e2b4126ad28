"""The API role's URL map holds the API, the admin and nothing of the UI."""

from django.urls import URLPattern, URLResolver, get_resolver, resolve


def all_routes(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_routes(entry.url_patterns, route)
        else:
            assert isinstance(entry, URLPattern)
            yield route, entry.callback


def test_every_route_belongs_to_the_api_or_admin():
    routes = list(all_routes())

    assert routes
    for route, _callback in routes:
        assert route == "" or route.startswith(("api/v1/", "admin/")), route


def test_no_route_is_served_by_the_ui_package():
    for route, callback in all_routes():
        module = getattr(callback, "__module__", "") or ""
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            module = view_class.__module__
        assert not module.startswith("taskmanager.ui"), (route, module)


def test_the_root_redirects_to_the_api_docs(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/docs/"


def test_ui_pages_are_not_found(client):
    for path in ("/login/", "/tasks/", "/signup/", "/logout/"):
        assert client.get(path).status_code == 404, path


def test_api_urls_resolve_to_their_named_views():
    assert resolve("/api/v1/tasks/").view_name == "api:task-list"
    assert resolve("/api/v1/tasks/3f2504e0-4f89-41d3-9a0c-0305e82c3301/").view_name == "api:task-detail"
    assert resolve("/admin/").namespace == "admin"
