"""Creating projects, and their owners' settings: rename, colour, describe, archive, restore, delete."""

import re

import pytest
from django.contrib.messages import get_messages

from tests.ui.conftest import INBOX_ID, TEAM_ID, project_json, team_json

TEAM_URL = f"/api/v1/projects/{TEAM_ID}/"
INBOX_URL = f"/api/v1/projects/{INBOX_ID}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def owner_api(fake_api):
    fake_api.on(
        "GET", "/api/v1/projects/", json_body=[project_json(), team_json(task_count=7, open_task_count=2)]
    )
    fake_api.on("GET", TEAM_URL, json_body=team_json(description="Old words"), headers={"ETag": '"p-3"'})
    return fake_api


def test_create_a_project_and_land_on_its_page(logged_in_client, fake_api):
    fake_api.on("POST", "/api/v1/projects/", status=201, json_body=team_json(name="Launch"))
    response = logged_in_client.post(
        "/projects/new/", {"name": "Launch", "color": "purple", "description": "Spring"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{TEAM_ID}/"
    (created,) = fake_api.calls("POST")
    assert fake_api.body(created) == {"name": "Launch", "color": "purple", "description": "Spring"}
    assert messages_of(response) == ["Created the project “Launch”."]


def test_the_apis_field_errors_show_on_the_project_form(logged_in_client, fake_api):
    fake_api.error("POST", "/api/v1/projects/", 400, fields={"name": ["Name must not be empty."]})
    response = logged_in_client.post("/projects/new/", {"name": "  ", "color": "slate"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["Name must not be empty."]
    assert 'id="id_name_error"' in response.content.decode()


def test_settings_prefill_the_project_and_remember_its_version(logged_in_client, owner_api):
    page = logged_in_client.get(f"/projects/{TEAM_ID}/settings/").content.decode()
    assert 'value="Team"' in page
    assert "Old words" in page
    assert re.search(r'name="color" value="green"[^>]*checked', page)
    assert 'name="etag" value="&quot;p-3&quot;"' in page
    assert "Archive project" in page
    assert f'href="/projects/{TEAM_ID}/delete/"' in page


def test_saving_settings_patches_with_if_match(logged_in_client, owner_api):
    owner_api.on("PATCH", TEAM_URL, json_body=team_json(name="Team B"))
    form = {"name": "Team B", "color": "teal", "description": "", "etag": '"p-3"'}
    response = logged_in_client.post(f"/projects/{TEAM_ID}/settings/", form)
    assert response["Location"] == f"/projects/{TEAM_ID}/"
    (patch,) = owner_api.calls("PATCH")
    assert patch.headers["If-Match"] == '"p-3"'
    assert owner_api.body(patch) == {"name": "Team B", "color": "teal", "description": ""}


def test_settings_that_lost_a_race_keep_the_edits_and_take_the_new_version(logged_in_client, owner_api):
    owner_api.error("PATCH", TEAM_URL, 412, "changed", headers={"ETag": '"p-4"'})
    form = {"name": "Mine", "color": "teal", "description": "", "etag": '"p-3"'}
    response = logged_in_client.post(f"/projects/{TEAM_ID}/settings/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "changed elsewhere" in page
    assert 'value="Mine"' in page
    assert 'name="etag" value="&quot;p-4&quot;"' in page


def test_the_inbox_settings_offer_colour_and_description_only(logged_in_client, fake_api):
    fake_api.on("GET", INBOX_URL, json_body=project_json(), headers={"ETag": '"i-1"'})
    page = logged_in_client.get(f"/projects/{INBOX_ID}/settings/").content.decode()
    assert 'name="name"' not in page
    assert 'name="color"' in page
    assert 'name="description"' in page
    for control in ("Archive project", "Restore project", "Delete project", "/delete/"):
        assert control not in page


def test_the_inbox_settings_never_send_a_name(logged_in_client, fake_api):
    fake_api.on("PATCH", INBOX_URL, json_body=project_json(color="red"))
    logged_in_client.post(
        f"/projects/{INBOX_ID}/settings/", {"name": "Hacked", "color": "red", "description": ""}
    )
    assert fake_api.body(fake_api.calls("PATCH")[0]) == {"color": "red", "description": ""}


def test_a_refusal_409_of_the_inbox_shows_the_apis_message(logged_in_client, fake_api):
    message = "The Inbox cannot be renamed or archived (asked to change: archived)."
    fake_api.error("PATCH", INBOX_URL, 409, message)
    response = logged_in_client.post(
        f"/projects/{INBOX_ID}/archive/", {"archived": "true", "next": f"/projects/{INBOX_ID}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{INBOX_ID}/"
    assert messages_of(response) == [message]


def test_archive_and_restore(logged_in_client, owner_api):
    owner_api.on("PATCH", TEAM_URL, json_body=team_json(archived=True))
    response = logged_in_client.post(f"/projects/{TEAM_ID}/archive/", {"archived": "true"})
    assert response["Location"] == f"/projects/{TEAM_ID}/"
    assert owner_api.body(owner_api.calls("PATCH")[0]) == {"archived": True}
    assert "read-only until it is restored" in messages_of(response)[0]
    logged_in_client.post(f"/projects/{TEAM_ID}/archive/", {"archived": "false"})
    assert owner_api.body(owner_api.calls("PATCH")[1]) == {"archived": False}


def test_delete_asks_first_saying_how_many_tasks_go_with_it(logged_in_client, owner_api):
    page = logged_in_client.get(f"/projects/{TEAM_ID}/delete/").content.decode()
    assert "Delete this project?" in page
    assert "Its 7 tasks will be deleted with it" in page
    assert "2 of them still open" in page
    assert "Delete project and 7 tasks" in page
    assert owner_api.calls("DELETE") == []

    owner_api.on("DELETE", TEAM_URL, status=204)
    response = logged_in_client.post(f"/projects/{TEAM_ID}/delete/")
    assert response["Location"] == "/"
    assert len(owner_api.calls("DELETE", TEAM_URL)) == 1
    assert messages_of(response) == ["Deleted the project “Team” and 7 tasks."]


@pytest.mark.parametrize("page", ["settings", "delete"])
def test_non_owners_are_sent_back_to_the_project_with_the_rule(logged_in_client, fake_api, page):
    fake_api.on("GET", "/api/v1/projects/", json_body=[project_json(), team_json(role="editor")])
    response = logged_in_client.get(f"/projects/{TEAM_ID}/{page}/")
    assert response["Location"] == f"/projects/{TEAM_ID}/"
    assert messages_of(response) == ["Your role in this project does not allow that."]


def test_a_forged_delete_by_an_editor_gets_the_apis_403_message(logged_in_client, fake_api):
    fake_api.on("GET", "/api/v1/projects/", json_body=[project_json(), team_json(role="editor")])
    message = "You need the owner role in this project to change or delete the project."
    fake_api.error("DELETE", TEAM_URL, 403, message)
    response = logged_in_client.post(f"/projects/{TEAM_ID}/delete/", {"next": f"/projects/{TEAM_ID}/"})
    assert response["Location"] == f"/projects/{TEAM_ID}/"
    assert messages_of(response) == [message]


def test_a_project_that_is_not_the_users_is_the_404_page(logged_in_client, fake_api):
    for page in ("settings/", "delete/", "members/"):
        assert logged_in_client.get(f"/projects/{TEAM_ID}/{page}").status_code == 404
