"""A project's members: everyone sees them and may leave; owners add, change roles, remove."""

import re

import pytest
from django.contrib.messages import get_messages

from tests.ui.conftest import INBOX_ID, TEAM_ID, member_json, project_json, team_json

MEMBERS_URL = f"/api/v1/projects/{TEAM_ID}/members/"
PAGE = f"/projects/{TEAM_ID}/members/"
MEMBERS = [member_json("alice", "owner"), member_json("bob", "editor"), member_json("carol", "viewer")]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def as_role(fake_api, role):
    fake_api.on("GET", "/api/v1/projects/", json_body=[project_json(), team_json(role=role)])
    fake_api.on("GET", MEMBERS_URL, json_body=MEMBERS)
    return fake_api


@pytest.fixture
def owner_api(fake_api):
    return as_role(fake_api, "owner")


def test_everyone_sees_the_members_with_their_roles(logged_in_client, fake_api):
    as_role(fake_api, "viewer")
    page = logged_in_client.get(PAGE).content.decode()
    rows = dict(re.findall(r'data-member="([^"]+)">(.*?)</li>', page, re.S))
    assert list(rows) == ["alice", "bob", "carol"]
    assert ">Owner<" in rows["alice"] and "(you)" in rows["alice"]
    assert ">Editor<" in rows["bob"]
    assert ">Viewer<" in rows["carol"]
    # A viewer manages nobody, but may leave.
    assert "Add a member" not in page
    assert "Change role" not in page
    assert "Remove" not in page
    assert f'href="/projects/{TEAM_ID}/leave/"' in rows["alice"]


def test_owners_get_the_add_form_a_role_picker_and_remove_buttons(logged_in_client, owner_api):
    page = logged_in_client.get(PAGE).content.decode()
    assert "Add a member" in page
    assert re.findall(r'<select name="role" id="id_role">(.*?)</select>', page, re.S)
    add_roles = re.search(r'<select name="role" id="id_role">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="(\w+)"', add_roles) == ["owner", "editor", "viewer"]
    assert '<option value="editor" selected>' in add_roles
    assert f'action="/projects/{TEAM_ID}/members/bob/role/"' in page
    assert f'action="/projects/{TEAM_ID}/members/carol/remove/"' in page
    assert f'action="/projects/{TEAM_ID}/members/alice/remove/"' not in page  # the owner leaves instead


def test_add_a_member_by_username_with_a_role(logged_in_client, owner_api):
    owner_api.on("POST", MEMBERS_URL, status=201, json_body=member_json("dave", "viewer"))
    response = logged_in_client.post(PAGE, {"username": "dave", "role": "viewer"})
    assert response["Location"] == PAGE
    assert owner_api.body(owner_api.calls("POST")[0]) == {"username": "dave", "role": "viewer"}
    assert messages_of(response) == ["Added dave as viewer."]


def test_an_unknown_username_gets_the_apis_message_on_the_field(logged_in_client, owner_api):
    message = "There is no user with that username to add."
    owner_api.error("POST", MEMBERS_URL, 400, fields={"username": [message]})
    response = logged_in_client.post(PAGE, {"username": "nobody", "role": "editor"})
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [message]
    page = response.content.decode()
    assert f'<div class="field__errors" id="id_username_error"><p class="field__error">{message}</p>' in page
    assert 'value="nobody"' in page


def test_sharing_the_inbox_is_not_offered_and_the_apis_409_is_shown(logged_in_client, fake_api):
    fake_api.on("GET", f"/api/v1/projects/{INBOX_ID}/members/", json_body=[member_json("alice", "owner")])
    page = logged_in_client.get(f"/projects/{INBOX_ID}/members/").content.decode()
    assert "Add a member" not in page
    assert "Leave project" not in page
    assert "cannot be shared" in page
    message = "The Inbox is personal and cannot be shared; make a project to share tasks."
    fake_api.error("POST", f"/api/v1/projects/{INBOX_ID}/members/", 409, message)
    response = logged_in_client.post(f"/projects/{INBOX_ID}/members/", {"username": "bob", "role": "editor"})
    assert response.status_code == 409
    assert message in response.content.decode()


def test_change_a_members_role(logged_in_client, owner_api):
    owner_api.on("PATCH", f"{MEMBERS_URL}bob/", json_body=member_json("bob", "viewer"))
    response = logged_in_client.post(f"{PAGE}bob/role/", {"role": "viewer"})
    assert response["Location"] == PAGE
    assert owner_api.body(owner_api.calls("PATCH")[0]) == {"role": "viewer"}
    assert messages_of(response) == ["bob is now viewer."]


def test_usernames_with_symbols_reach_the_api_quoted(logged_in_client, owner_api):
    owner_api.on(
        "PATCH", f"{MEMBERS_URL}dan+qa@example.org/", json_body=member_json("dan+qa@example.org", "owner")
    )
    logged_in_client.post(f"{PAGE}dan+qa@example.org/role/", {"role": "owner"})
    (patch,) = owner_api.calls("PATCH")
    assert patch.url.raw_path.decode().endswith("/members/dan%2Bqa%40example.org/")


def test_demoting_the_last_owner_gets_the_apis_409_message(logged_in_client, owner_api):
    message = "A project needs an owner: cannot demote the last owner; make someone else an owner first."
    owner_api.error("PATCH", f"{MEMBERS_URL}alice/", 409, message)
    response = logged_in_client.post(f"{PAGE}alice/role/", {"role": "editor", "next": PAGE})
    assert response["Location"] == PAGE
    assert messages_of(response) == [message]


def test_remove_a_member(logged_in_client, owner_api):
    owner_api.on("DELETE", f"{MEMBERS_URL}carol/", status=204)
    response = logged_in_client.post(f"{PAGE}carol/remove/", {"next": PAGE})
    assert response["Location"] == PAGE
    assert len(owner_api.calls("DELETE")) == 1
    assert "Removed carol" in messages_of(response)[0]


def test_an_editor_removing_someone_gets_the_apis_403_message(logged_in_client, fake_api):
    as_role(fake_api, "editor")
    message = "You need the owner role in this project to manage its members."
    fake_api.error("DELETE", f"{MEMBERS_URL}carol/", 403, message)
    response = logged_in_client.post(f"{PAGE}carol/remove/", {"next": PAGE})
    assert response["Location"] == PAGE
    assert messages_of(response) == [message]


def test_leaving_asks_first_then_removes_the_user_themself(logged_in_client, fake_api):
    as_role(fake_api, "editor")
    assert "Leave this project?" in logged_in_client.get(f"/projects/{TEAM_ID}/leave/").content.decode()
    fake_api.on("DELETE", f"{MEMBERS_URL}alice/", status=204)
    response = logged_in_client.post(f"/projects/{TEAM_ID}/leave/", {"next": PAGE})
    assert response["Location"] == "/"
    assert len(fake_api.calls("DELETE", f"{MEMBERS_URL}alice/")) == 1
    assert messages_of(response) == ["You left “Team”."]


def test_the_last_owner_leaving_gets_the_apis_409_message_on_the_members_page(logged_in_client, owner_api):
    message = "A project needs an owner: cannot remove the last owner; make someone else an owner first."
    owner_api.error("DELETE", f"{MEMBERS_URL}alice/", 409, message)
    response = logged_in_client.post(f"/projects/{TEAM_ID}/leave/", {"next": PAGE})
    assert response["Location"] == PAGE
    page = logged_in_client.get(PAGE).content.decode()
    assert f'<p class="message message--error">{message}</p>' in page


def test_member_changes_are_posts(logged_in_client, owner_api):
    for url in (f"{PAGE}bob/role/", f"{PAGE}bob/remove/"):
        assert logged_in_client.get(url).status_code == 405
    assert owner_api.calls("PATCH") == owner_api.calls("DELETE") == []
