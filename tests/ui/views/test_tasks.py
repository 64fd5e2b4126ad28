import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tests.ui.conftest import INBOX_ID, STATS, listing, project_json, task_json, team_json

TASK = task_json()
TASK_URL = f"/api/v1/tasks/{TASK['id']}/"


def test_the_list_page_costs_two_api_calls_with_the_filters_from_the_url(logged_in_client, list_api):
    response = logged_in_client.get(
        "/?status=open&priority=high&tag=work&overdue=1&q=report&sort=title&page=2"
    )
    assert response.status_code == 200
    assert [(r.method, r.url.path) for r in list_api.requests] == [
        ("GET", "/api/v1/meta/"),  # once per process and TASKMANAGER_META_TTL, not per page
        ("GET", "/api/v1/projects/"),  # the sidebar, the roles, the project names
        ("GET", "/api/v1/tasks/"),  # the page, with the sidebar's counts as facets
    ]
    assert dict(list_api.calls(path="/api/v1/tasks/")[0].url.params) == {
        "limit": "20",
        "offset": "20",
        "completed": "false",
        "priority": "high",
        "tag": "work",
        "overdue": "true",
        "search": "report",
        "ordering": "title",
        "facets": "stats,tags",  # over every task: the "All tasks" scope has no filter
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_list_shows_tasks_stats_and_the_range(logged_in_client, list_api):
    tasks = [
        task_json(id=f"00000000-0000-4000-8000-{n:012d}", title=f"Task {n}", priority="high", tags=["work"])
        for n in range(20)
    ]
    stats = {**STATS, "total": 45, "open": 40, "overdue": 3}
    tags = [{"name": "work", "task_count": 45}]
    list_api.on("GET", "/api/v1/tasks/", json_body=listing(tasks, count=45, stats=stats, tags=tags))
    page = logged_in_client.get("/").content.decode()
    assert page.count("data-task") == 20
    assert "1\N{EN DASH}20 of 45" in page
    assert "Page 1 of 3" in page
    assert '<span class="stat__value" data-stat="overdue">3</span>' in page
    assert '<option value="work">work (45)</option>' in page


def test_an_empty_list_says_so_and_a_filtered_empty_list_says_that(logged_in_client, list_api):
    assert "No tasks yet." in logged_in_client.get("/").content.decode()
    assert "No tasks match these filters." in logged_in_client.get("/?q=zzz").content.decode()


def test_filter_forms_land_on_a_clean_url(logged_in_client, list_api):
    response = logged_in_client.get("/?q=&priority=high&tag=&sort=&per_page=20")
    assert response.status_code == 302
    assert response["Location"] == "/?priority=high"
    assert [r.url.path for r in list_api.requests] == ["/api/v1/meta/"]


def test_a_page_past_the_end_goes_to_the_last_page(logged_in_client, list_api):
    list_api.on("GET", "/api/v1/tasks/", json_body=listing([], count=41))
    response = logged_in_client.get("/?tag=x&page=9")
    assert response["Location"] == "/?tag=x&page=3"


def test_add_a_task(logged_in_client, fake_api):
    fake_api.on("POST", "/api/v1/tasks/", status=201, json_body=task_json(title="Buy milk"))
    form = {
        "title": "Buy milk",
        "description": "2 litres",
        "priority": "high",
        "due_date": "2030-05-01",
        "tags": "errands, Home ,",
        "next": "/?priority=high",
    }
    response = logged_in_client.post("/tasks/new/", form)
    assert response["Location"] == "/?priority=high"
    (created,) = fake_api.calls("POST")
    # No project: the API puts it in the user's Inbox.
    assert fake_api.body(created) == {
        "title": "Buy milk",
        "description": "2 litres",
        "priority": "high",
        "due_date": "2030-05-01",
        "due_at": None,
        "recurrence": "",
        "recur_from": "due",
        "tags": ["errands", "Home"],
        "assignee": None,
    }
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Added “Buy milk”."]


def test_api_field_errors_appear_on_the_form_with_the_input_kept(logged_in_client, fake_api):
    fake_api.error(
        "POST",
        "/api/v1/tasks/",
        400,
        fields={"title": ["Title must not be empty."], "tags": ["Tag 'a b' is invalid."], "bogus": ["Odd."]},
    )
    response = logged_in_client.post("/tasks/new/", {"title": " ", "priority": "low", "tags": "a b"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["title"] == ["Title must not be empty."]
    assert form.errors["tags"] == ["Tag 'a b' is invalid."]
    assert form.non_field_errors() == ["Odd."]
    page = response.content.decode()
    assert 'id="id_title_error"' in page
    assert 'value="a b"' in page
    assert '<option value="low" selected>' in page


def test_edit_page_prefills_the_task_and_remembers_its_version(logged_in_client, fake_api):
    task = task_json(title="Plan trip", priority="low", tags=["travel", "family"], due_date="2030-02-03")
    fake_api.on("GET", TASK_URL, json_body=task, headers={"ETag": '"v-4"'})
    page = logged_in_client.get(f"/tasks/{TASK['id']}/edit/").content.decode()
    assert 'value="Plan trip"' in page
    assert 'value="travel, family"' in page
    assert 'value="2030-02-03"' in page
    assert 'name="etag" value="&quot;v-4&quot;"' in page


def test_saving_an_edit_replaces_the_task_if_unchanged_since_read(logged_in_client, fake_api):
    fake_api.on("PATCH", TASK_URL, json_body=task_json(title="New title"))
    form = {
        "title": "New title",
        "description": "",
        "priority": "medium",
        "due_date": "",
        "tags": "",
        "completed": "on",
        "project": INBOX_ID,
        "assignee": "",
        "etag": '"v-4"',
        "next": "/?page=2",
    }
    response = logged_in_client.post(f"/tasks/{TASK['id']}/edit/", form)
    assert response["Location"] == "/?page=2"
    (put,) = fake_api.calls("PATCH")
    assert put.headers["If-Match"] == '"v-4"'
    assert fake_api.body(put) == {
        "title": "New title",
        "description": "",
        "priority": "medium",
        "due_date": None,
        "due_at": None,
        "recurrence": "",
        "recur_from": "due",
        "tags": [],
        "completed": True,
        "assignee": None,
        "project": INBOX_ID,
    }


def test_an_edit_that_lost_a_race_keeps_the_input_and_takes_the_new_version(logged_in_client, fake_api):
    fake_api.error("PATCH", TASK_URL, 412, "changed", headers={"ETag": '"v-5"'})
    fake_api.on("GET", TASK_URL, json_body=TASK, headers={"ETag": '"v-5"'})
    form = {"title": "Mine", "priority": "medium", "etag": '"v-4"'}
    response = logged_in_client.post(f"/tasks/{TASK['id']}/edit/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "changed elsewhere" in page
    assert 'value="Mine"' in page
    assert 'name="etag" value="&quot;v-5&quot;"' in page


def test_complete_and_reopen_are_one_patch(logged_in_client, fake_api):
    fake_api.on("PATCH", TASK_URL, json_body=task_json(completed=True))
    response = logged_in_client.post(f"/tasks/{TASK['id']}/toggle/", {"completed": "true", "next": "/?q=x"})
    assert response["Location"] == "/?q=x"
    assert fake_api.body(fake_api.requests[0]) == {"completed": True}

    fake_api.on("PATCH", TASK_URL, json_body=task_json(completed=False))
    logged_in_client.post(f"/tasks/{TASK['id']}/toggle/", {"completed": "false"})
    assert fake_api.body(fake_api.requests[1]) == {"completed": False}


def test_no_state_changes_over_get(logged_in_client, fake_api):
    for url in (f"/tasks/{TASK['id']}/toggle/", "/tasks/bulk/"):
        assert logged_in_client.get(url).status_code == 405
    fake_api.on("GET", TASK_URL, json_body=TASK)
    fake_api.on("GET", "/api/v1/tasks/stats/", json_body={**STATS, "completed": 2})
    assert logged_in_client.get(f"/tasks/{TASK['id']}/delete/").status_code == 200
    assert logged_in_client.get("/tasks/clear-completed/").status_code == 200
    assert {r.method for r in fake_api.requests} == {"GET"}


def test_delete_confirms_then_deletes(logged_in_client, fake_api):
    fake_api.on("GET", TASK_URL, json_body=TASK)
    page = logged_in_client.get(f"/tasks/{TASK['id']}/delete/").content.decode()
    assert "Delete this task?" in page
    fake_api.on("DELETE", TASK_URL, status=204)
    response = logged_in_client.post(f"/tasks/{TASK['id']}/delete/", {"next": "/?tag=a"})
    assert response["Location"] == "/?tag=a"
    assert len(fake_api.calls("DELETE")) == 1


def test_bulk_delete_asks_first_then_deletes_the_selection(logged_in_client, fake_api):
    ids = [task_json()["id"], "00000000-0000-4000-8000-000000000001"]
    response = logged_in_client.post("/tasks/bulk/", {"ids": ids, "action": "delete"})
    assert response.status_code == 200
    assert "Delete 2 selected tasks?" in response.content.decode()
    assert fake_api.calls("POST") == []

    fake_api.on("POST", "/api/v1/tasks/bulk/", json_body={"action": "delete", "affected": 2})
    response = logged_in_client.post("/tasks/bulk/", {"ids": ids, "action": "delete", "confirmed": "on"})
    assert response.status_code == 302
    assert fake_api.body(fake_api.calls("POST")[0]) == {"ids": ids, "action": "delete"}


@pytest.mark.parametrize("action", ["complete", "reopen"])
def test_bulk_complete_and_reopen_need_no_confirmation(logged_in_client, fake_api, action):
    fake_api.on("POST", "/api/v1/tasks/bulk/", json_body={"action": action, "affected": 1})
    response = logged_in_client.post(
        "/tasks/bulk/", {"ids": [TASK["id"]], "action": action, "next": "/?page=2"}
    )
    assert response["Location"] == "/?page=2"
    assert fake_api.body(fake_api.requests[0]) == {"ids": [TASK["id"]], "action": action}


def test_bulk_without_a_selection_asks_for_one(logged_in_client, fake_api):
    response = logged_in_client.post("/tasks/bulk/", {"action": "complete"})
    assert response["Location"] == "/"
    assert fake_api.requests == []


def test_bulk_refuses_ids_that_are_not_task_ids(logged_in_client, fake_api):
    response = logged_in_client.post("/tasks/bulk/", {"ids": ["../etc"], "action": "complete"})
    assert response.status_code == 404
    assert fake_api.requests == []


def test_clear_completed_confirms_then_clears(logged_in_client, fake_api):
    # The count is of the projects where the user may change tasks, from GET /projects/.
    projects = [
        project_json(task_count=5, open_task_count=3),
        team_json(role="editor", task_count=2, open_task_count=1),
        team_json(id="00000000-0000-4000-8000-0000000000aa", role="viewer", task_count=9, open_task_count=0),
    ]
    fake_api.on("GET", "/api/v1/projects/", json_body=projects)
    assert "Clear 3 completed tasks?" in logged_in_client.get("/tasks/clear-completed/").content.decode()
    fake_api.on("POST", "/api/v1/tasks/clear-completed/", json_body={"deleted": 3})
    response = logged_in_client.post("/tasks/clear-completed/", {"next": "/?status=completed"})
    assert response["Location"] == "/?status=completed"
    assert fake_api.calls("POST")[0].content == b""


def test_forms_are_csrf_protected(fake_api):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert fake_api.requests == []
