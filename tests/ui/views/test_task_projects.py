"""Tasks in shared projects: the project and assignee pickers, and what a viewer's forms get."""

import re

import pytest
from django.contrib.messages import get_messages

from tests.ui.conftest import INBOX_ID, TEAM_ID, member_json, project_json, task_json, team_json

OTHER_ID = "0a0a0a0a-0000-4000-8000-00000000000a"
TASK = task_json(project=TEAM_ID, assignee="bob")
TASK_URL = f"/api/v1/tasks/{TASK['id']}/"
VIEWER_REFUSAL = "You need the editor role in this project to change its tasks."


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def team_api(fake_api):
    fake_api.on(
        "GET",
        "/api/v1/projects/",
        json_body=[
            project_json(),
            team_json(role="editor"),
            team_json(id=OTHER_ID, name="Board", role="viewer"),
            team_json(id="0b0b0b0b-0000-4000-8000-00000000000b", name="Gone", archived=True),
        ],
    )
    team = [member_json("carol", "owner"), member_json("alice", "editor"), member_json("bob", "editor")]
    fake_api.on("GET", f"/api/v1/projects/{TEAM_ID}/members/", json_body=team)
    return fake_api


def test_the_project_picker_offers_where_the_user_may_add_tasks(logged_in_client, team_api):
    page = logged_in_client.get("/tasks/new/").content.decode()
    assert options(page, "project") == [INBOX_ID, TEAM_ID]  # not the viewer's, not the archived
    assert selected(page, "project") == INBOX_ID
    assert options(page, "assignee") == ["", "alice"]  # the Inbox's members


def test_a_new_task_from_a_project_page_defaults_to_that_project_and_its_members(logged_in_client, team_api):
    page = logged_in_client.get(f"/tasks/new/?project={TEAM_ID}&next=/projects/{TEAM_ID}/").content.decode()
    assert selected(page, "project") == TEAM_ID
    assert options(page, "assignee") == ["", "carol", "alice", "bob"]
    assert f'name="next" value="/projects/{TEAM_ID}/"' in page


def test_a_project_the_user_may_not_add_to_is_no_default(logged_in_client, team_api):
    page = logged_in_client.get(f"/tasks/new/?project={OTHER_ID}").content.decode()
    assert selected(page, "project") == INBOX_ID
    assert team_api.calls("GET", f"/api/v1/projects/{OTHER_ID}/members/") == []


def test_creating_sends_the_project_and_the_assignee(logged_in_client, team_api):
    team_api.on("POST", "/api/v1/tasks/", status=201, json_body=TASK)
    form = {"title": "Plan", "priority": "high", "project": TEAM_ID, "assignee": "bob", "next": "/assigned/"}
    response = logged_in_client.post("/tasks/new/", form)
    assert response["Location"] == "/assigned/"
    body = team_api.body(team_api.calls("POST")[0])
    assert (body["project"], body["assignee"]) == (TEAM_ID, "bob")


def test_without_javascript_show_its_members_re_renders_for_the_chosen_project(logged_in_client, team_api):
    form = {"title": "Keep me", "priority": "low", "project": TEAM_ID, "assignee": "", "refresh": "1"}
    response = logged_in_client.post("/tasks/new/", form)
    assert response.status_code == 200
    assert team_api.calls("POST") == [], "nothing saved"
    page = response.content.decode()
    assert 'value="Keep me"' in page
    assert selected(page, "priority") == "low"
    assert options(page, "assignee") == ["", "carol", "alice", "bob"]
    assert "Nothing is saved yet" in page
    assert "field__error" not in page
    assert re.search(r'<select name="project"[^>]*autofocus', page)


def test_a_refresh_drops_an_assignee_who_is_no_member_of_the_new_project(logged_in_client, team_api):
    form = {"title": "T", "priority": "low", "project": INBOX_ID, "assignee": "bob", "refresh": "1"}
    page = logged_in_client.post("/tasks/new/", form).content.decode()
    assert selected(page, "assignee") == ""


def test_enter_in_a_field_saves_rather_than_refreshes(logged_in_client, team_api):
    page = logged_in_client.get("/tasks/new/").content.decode()
    form = re.search(r'<form class="task-form".*?</form>', page, re.S).group(0)
    buttons = re.findall(r"<button[^>]*>", form)
    # The first submit button is the one the browser presses on Enter: it carries no "refresh".
    assert 'name="refresh"' not in buttons[0]
    assert 'name="refresh"' in form


def test_an_assignee_the_api_refuses_shows_on_the_field(logged_in_client, team_api):
    message = "No member of this project has that username."
    team_api.error("POST", "/api/v1/tasks/", 400, fields={"assignee": [message]})
    form = {"title": "T", "priority": "low", "project": TEAM_ID, "assignee": "zed"}
    response = logged_in_client.post("/tasks/new/", form)
    assert response.status_code == 400
    assert response.context["form"].errors["assignee"] == [message]


def test_the_edit_page_lists_the_tasks_project_members_and_keeps_the_assignee(logged_in_client, team_api):
    team_api.on("GET", TASK_URL, json_body=TASK, headers={"ETag": '"v-1"'})
    page = logged_in_client.get(f"/tasks/{TASK['id']}/edit/").content.decode()
    assert selected(page, "project") == TEAM_ID
    assert selected(page, "assignee") == "bob"


def test_moving_a_task_sends_the_new_project(logged_in_client, team_api):
    team_api.on("PATCH", TASK_URL, json_body={**TASK, "project": INBOX_ID, "assignee": None})
    form = {"title": "T", "priority": "low", "project": INBOX_ID, "assignee": "", "etag": '"v-1"'}
    assert logged_in_client.post(f"/tasks/{TASK['id']}/edit/", form).status_code == 302
    body = team_api.body(team_api.calls("PATCH")[0])
    assert (body["project"], body["assignee"]) == (INBOX_ID, None)


def test_a_viewer_opening_a_task_sees_it_read_only(logged_in_client, team_api):
    viewed = {**TASK, "project": OTHER_ID, "tags": ["ops"], "description": "Line one"}
    team_api.on("GET", TASK_URL, json_body=viewed)
    response = logged_in_client.get(f"/tasks/{TASK['id']}/edit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "your role in the project (viewer) does not let you change it" in page
    assert '<form class="task-form"' not in page
    assert "Line one" in page and "#ops" in page
    assert team_api.calls("GET", f"/api/v1/projects/{OTHER_ID}/members/") == []


def test_a_viewers_forged_edit_gets_the_apis_403_and_no_form(logged_in_client, team_api):
    team_api.on("GET", TASK_URL, json_body={**TASK, "project": OTHER_ID})
    team_api.error("PATCH", TASK_URL, 403, VIEWER_REFUSAL)
    form = {"title": "Mine now", "priority": "low", "project": OTHER_ID, "assignee": ""}
    response = logged_in_client.post(f"/tasks/{TASK['id']}/edit/", form)
    assert response.status_code == 403
    page = response.content.decode()
    assert VIEWER_REFUSAL in page
    assert '<form class="task-form"' not in page


@pytest.mark.parametrize(
    ("url", "form", "method", "api_path"),
    [
        (f"/tasks/{TASK['id']}/toggle/", {"completed": "true"}, "PATCH", TASK_URL),
        (f"/tasks/{TASK['id']}/delete/", {}, "DELETE", TASK_URL),
        ("/tasks/clear-completed/", {"project": OTHER_ID}, "POST", "/api/v1/tasks/clear-completed/"),
    ],
)
def test_a_viewers_forged_change_gets_the_apis_403_message_not_a_crash(
    logged_in_client, team_api, url, form, method, api_path
):
    team_api.on("GET", TASK_URL, json_body={**TASK, "project": OTHER_ID})
    team_api.error(method, api_path, 403, VIEWER_REFUSAL)
    response = logged_in_client.post(url, {**form, "next": f"/projects/{OTHER_ID}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{OTHER_ID}/"
    assert messages_of(response) == [VIEWER_REFUSAL]


def test_a_change_in_an_archived_project_gets_the_apis_409_message(logged_in_client, team_api):
    message = "The project is archived; its tasks are read-only until it is restored."
    team_api.error("PATCH", TASK_URL, 409, message)
    response = logged_in_client.post(f"/tasks/{TASK['id']}/toggle/", {"completed": "true", "next": "/?q=a"})
    assert response["Location"] == "/?q=a"
    assert messages_of(response) == [message]


def test_clearing_one_projects_completed_tasks_names_it(logged_in_client, team_api):
    team_api.on(
        "GET", "/api/v1/projects/", json_body=[project_json(), team_json(task_count=4, open_task_count=1)]
    )
    page = logged_in_client.get(f"/tasks/clear-completed/?project={TEAM_ID}").content.decode()
    assert "Clear 3 completed tasks?" in page
    assert "in “Team”" in page
    team_api.on("POST", "/api/v1/tasks/clear-completed/", json_body={"deleted": 3})
    logged_in_client.post("/tasks/clear-completed/", {"project": TEAM_ID})
    assert team_api.body(team_api.calls("POST")[0]) == {"project": TEAM_ID}
