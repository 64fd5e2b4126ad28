"""The sidebar, and the task list's three scopes: all tasks, assigned to me, one project."""

import re

import pytest

from tests.ui.conftest import INBOX_ID, STATS, TEAM_ID, listing, project_json, task_json, team_json

ARCHIVED_ID = "a7a7a7a7-0000-4000-8000-000000000003"
TEAM_TASK = task_json(id="11111111-0000-4000-8000-000000000001", title="Plan the offsite", project=TEAM_ID)


def projects(team_role="owner", **team):
    return [
        project_json(open_task_count=2, task_count=3),
        team_json(role=team_role, open_task_count=4, task_count=5, **team),
        team_json(id=ARCHIVED_ID, name="Old campaign", color="amber", archived=True, role="owner"),
    ]


@pytest.fixture
def team_api(list_api):
    list_api.on("GET", "/api/v1/projects/", json_body=projects())
    return list_api


def sidebar_of(page: str) -> str:
    return re.search(r'<aside class="sidebar">(.*?)</aside>', page, re.S).group(1)


def test_every_logged_in_page_has_the_sidebar_from_one_projects_call(logged_in_client, team_api):
    team_api.on("GET", f"/api/v1/tasks/{TEAM_TASK['id']}/", json_body=TEAM_TASK)
    team_api.on("GET", f"/api/v1/projects/{TEAM_ID}/members/", json_body=[])
    for url in ("/", "/assigned/", f"/projects/{TEAM_ID}/", "/tasks/new/", "/projects/new/"):
        team_api.requests.clear()
        page = logged_in_client.get(url).content.decode()
        assert len(team_api.calls("GET", "/api/v1/projects/")) == 1, url
        nav = sidebar_of(page)
        for label in ("All tasks", "Inbox", "Assigned to me", "Team", "New project"):
            assert f'<span class="nav__label">{label}</span>' in nav, (url, label)


def test_the_sidebar_shows_colours_open_counts_and_archived_projects_apart(logged_in_client, team_api):
    nav = sidebar_of(logged_in_client.get(f"/projects/{TEAM_ID}/").content.decode())
    team_link = re.search(rf'<a class="nav__link" href="/projects/{TEAM_ID}/"([^>]*)>(.*?)</a>', nav, re.S)
    assert 'aria-current="page"' in team_link.group(1)
    assert "swatch--green" in team_link.group(2)
    assert '<span class="nav__count" title="Open tasks">4<' in team_link.group(2)
    all_link = re.search(r'<a class="nav__link" href="/"[^>]*>(.*?)</a>', nav, re.S).group(1)
    assert ">6<" in all_link  # open tasks across the projects
    archived = re.search(r'<details class="nav__archived">(.*?)</details>', nav, re.S).group(1)
    assert "Archived projects (1)" in archived
    assert "Old campaign" in archived
    assert "Old campaign" not in nav.replace(archived, "")


def test_the_phone_menu_is_a_disclosure_that_needs_no_javascript(logged_in_client, team_api):
    page = logged_in_client.get("/assigned/").content.decode()
    menu = re.search(r'<details class="phone-menu">(.*?)</details>\s*<aside', page, re.S).group(1)
    assert (
        '<summary class="phone-menu__summary">Menu<span class="phone-menu__here">: Assigned to me</span>'
        in menu
    )
    assert 'href="/projects/new/"' in menu


def test_pages_outside_the_login_have_no_sidebar(client, fake_api):
    page = client.get("/login/").content.decode()
    assert "sidebar" not in page
    assert fake_api.calls("GET", "/api/v1/projects/") == []


def test_a_project_page_asks_for_that_projects_tasks_stats_and_tags(logged_in_client, team_api):
    response = logged_in_client.get(f"/projects/{TEAM_ID}/?status=open&q=plan")
    assert response.status_code == 200
    (tasks,) = team_api.calls("GET", "/api/v1/tasks/")
    assert dict(tasks.url.params) == {
        "project": TEAM_ID,
        "limit": "20",
        "offset": "0",
        "completed": "false",
        "search": "plan",
        # The sidebar counts the whole project, not the page's narrowing.
        "facets": "stats,tags",
        "facets_over": "project",
    }


def test_a_project_page_keeps_its_links_and_forms_in_the_project(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([{**TEAM_TASK, "tags": ["ops"]}], count=45))
    page = logged_in_client.get(f"/projects/{TEAM_ID}/?tag=ops").content.decode()
    here = f"/projects/{TEAM_ID}/"
    assert f'<form class="filters" method="get" action="{here}"' in page
    assert f'href="{here}?tag=ops&amp;page=2"' in page  # the pager
    assert f'href="{here}?tag=ops"' in page  # the tag chip
    assert f'<input type="hidden" name="project" value="{TEAM_ID}">' in page  # new tasks go here
    assert f"/tasks/new/?next=/projects/{TEAM_ID}/%3Ftag%3Dops&amp;project={TEAM_ID}" in page
    assert 'href="/tasks/clear-completed/?next=' in page and f"&amp;project={TEAM_ID}" in page


def test_the_project_header_shows_name_colour_description_and_role(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/projects/", json_body=projects(team_role="editor", description="Q3 work"))
    page = logged_in_client.get(f"/projects/{TEAM_ID}/").content.decode()
    assert re.search(r'<h1 id="page-title"[^>]*><span class="swatch swatch--large swatch--green"', page)
    assert "Q3 work" in page
    assert "Your role: Editor" in page
    assert f'href="/projects/{TEAM_ID}/members/"' in page
    assert "Project settings" not in page  # owners only


def test_owners_get_the_settings_link_the_inbox_no_members_link(logged_in_client, team_api):
    team_page = logged_in_client.get(f"/projects/{TEAM_ID}/").content.decode()
    assert f'href="/projects/{TEAM_ID}/settings/"' in team_page
    inbox_page = logged_in_client.get(f"/projects/{INBOX_ID}/").content.decode()
    assert f"/projects/{INBOX_ID}/members/" not in inbox_page
    assert "only you see them" in inbox_page


def test_a_project_the_user_is_not_in_is_the_404_page(logged_in_client, team_api):
    response = logged_in_client.get("/projects/99999999-0000-4000-8000-000000000009/")
    assert response.status_code == 404
    assert team_api.calls("GET", "/api/v1/tasks/") == []


def test_assigned_to_me_asks_with_assignee_me_and_names_each_tasks_project(logged_in_client, team_api):
    inbox_task = task_json(title="Pay rent", assignee="alice")
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([inbox_task, {**TEAM_TASK, "assignee": "alice"}]))
    page = logged_in_client.get("/assigned/").content.decode()
    assert team_api.calls("GET", "/api/v1/tasks/")[0].url.params["assignee"] == "me"
    assert team_api.calls("GET", "/api/v1/tasks/")[0].url.params["facets_over"] == "assignee"
    assert re.search(rf'<a class="project-chip" href="/projects/{TEAM_ID}/">.*?Team</a>', page, re.S)
    assert re.search(rf'<a class="project-chip" href="/projects/{INBOX_ID}/">.*?Inbox</a>', page, re.S)
    assert page.count('data-assignee><span class="visually-hidden">Assigned to </span>') == 2
    # A task added here is assigned to the user, so it shows up here.
    assert '<input type="hidden" name="assignee" value="alice">' in page
    assert "Clear completed" not in page  # the API clears by project, not by assignee


def test_all_tasks_names_projects_but_a_project_page_does_not(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([TEAM_TASK]))
    assert "project-chip" in logged_in_client.get("/").content.decode()
    assert "project-chip" not in logged_in_client.get(f"/projects/{TEAM_ID}/").content.decode()


def test_the_quick_add_on_all_tasks_offers_the_projects_where_tasks_can_be_added(logged_in_client, list_api):
    viewed = team_json(id="99999999-0000-4000-8000-000000000009", name="Board", role="viewer")
    list_api.on("GET", "/api/v1/projects/", json_body=[*projects(team_role="editor"), viewed])
    page = logged_in_client.get("/").content.decode()
    picker = re.search(r'<select id="new-project" name="project">(.*?)</select>', page, re.S).group(1)
    # Not the viewer's, not the archived; the Inbox first and chosen.
    assert re.findall(r'value="([^"]+)"', picker) == [INBOX_ID, TEAM_ID]
    assert f'<option value="{INBOX_ID}" selected>' in picker


def test_with_only_the_inbox_to_add_to_there_is_no_project_to_choose(logged_in_client, list_api):
    list_api.on("GET", "/api/v1/projects/", json_body=projects(team_role="viewer"))
    page = logged_in_client.get("/").content.decode()
    assert 'id="new-project"' not in page
    assert f'<input type="hidden" name="project" value="{INBOX_ID}">' in page


def test_a_viewer_sees_the_project_read_only(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/projects/", json_body=projects(team_role="viewer"))
    stats = {**STATS, "total": 1, "completed": 1}
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([{**TEAM_TASK, "completed": True}], stats=stats))
    page = logged_in_client.get(f"/projects/{TEAM_ID}/").content.decode()
    assert "Your role: Viewer" in page
    assert "You are a viewer here" in page
    for control in (
        'id="bulk-form"',
        'id="toggle-form"',
        'form="toggle-form"',
        'name="ids"',
        "Complete<span",
        "Edit “Plan the offsite”",
        "Delete “Plan the offsite”",
        "Add a task",
        "Clear completed",
        "Project settings",
    ):
        assert control not in page, control
    assert "task--read-only" in page
    assert "View only" not in page  # the page says so once, above the list


def test_an_archived_project_is_read_only_even_for_its_owner(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([{**TEAM_TASK, "project": ARCHIVED_ID}]))
    page = logged_in_client.get(f"/projects/{ARCHIVED_ID}/").content.decode()
    assert "This project is archived" in page
    assert 'form="toggle-form"' not in page
    assert "Add a task" not in page
    assert "Project settings" in page  # where it is restored


def test_on_all_tasks_only_the_rows_of_writable_projects_have_controls(logged_in_client, team_api):
    team_api.on("GET", "/api/v1/projects/", json_body=projects(team_role="viewer"))
    mine = task_json(id="22222222-0000-4000-8000-000000000002", title="Mine")
    team_api.on("GET", "/api/v1/tasks/", json_body=listing([mine, TEAM_TASK]))
    page = logged_in_client.get("/").content.decode()
    rows = dict(re.findall(r'id="task-([0-9a-f-]+)" data-task>(.*?)</li>', page, re.S))
    assert 'form="toggle-form"' in rows[mine["id"]]
    assert 'form="toggle-form"' not in rows[TEAM_TASK["id"]]
    assert "View only" in rows[TEAM_TASK["id"]]
    assert 'id="bulk-form"' in page
