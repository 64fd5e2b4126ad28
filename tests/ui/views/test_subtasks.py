from django.contrib.messages import get_messages

from tests.ui.conftest import listing, task_json

PARENT_ID = "6f1c1f47-5d0e-4c1e-9a52-1b1d0c6f7a10"
FIRST_ID = "5a5a5a5a-0000-4000-8000-000000000001"
SECOND_ID = "5a5a5a5a-0000-4000-8000-000000000002"
PARENT = task_json(id=PARENT_ID, parent=None, position=0, subtask_count=2, subtask_done_count=1)
FIRST = task_json(id=FIRST_ID, title="Draft", parent=PARENT_ID, position=0, completed=True)
SECOND = task_json(id=SECOND_ID, title="Review", parent=PARENT_ID, position=1)
EDIT = f"/tasks/{PARENT_ID}/edit/"
BACK = f"{EDIT}?next=/%3Fpage%3D2"


def subtask_api(fake_api, subtasks=(FIRST, SECOND)):
    fake_api.on("GET", f"/api/v1/tasks/{PARENT_ID}/", json_body=PARENT, headers={"ETag": '"v-1"'})
    fake_api.on("GET", "/api/v1/tasks/", json_body=listing(list(subtasks)))
    return fake_api


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_edit_page_lists_the_subtasks_with_progress(logged_in_client, fake_api):
    subtask_api(fake_api)
    page = logged_in_client.get(EDIT + "?next=/%3Fpage%3D2").content.decode()
    (listed,) = fake_api.calls("GET", "/api/v1/tasks/")
    assert dict(listed.url.params) == {"parent": PARENT_ID, "limit": "200"}
    assert '<span class="subtasks__progress" data-subtask-progress>1/2</span>' in page
    assert page.count("data-subtask>") == 2
    assert page.index("Draft") < page.index("Review")
    assert f'action="/tasks/{PARENT_ID}/subtasks/"' in page
    assert f'formaction="/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/move/up/"' in page
    # The subtask forms come after the task form has closed: no form inside another.
    task_form_end = page.index("</form>", page.index('class="task-form"'))
    assert task_form_end < page.index('id="subtask-form"')
    assert f'name="next" value="{BACK}"' in page


def test_a_subtask_s_edit_page_has_no_subtasks_section(logged_in_client, fake_api):
    fake_api.on("GET", f"/api/v1/tasks/{FIRST_ID}/", json_body=FIRST)
    page = logged_in_client.get(f"/tasks/{FIRST_ID}/edit/").content.decode()
    assert not fake_api.calls("GET", "/api/v1/tasks/")
    assert "subtasks-heading" not in page


def test_a_task_without_subtasks_offers_to_add_one(logged_in_client, fake_api):
    subtask_api(fake_api, subtasks=())
    page = logged_in_client.get(EDIT).content.decode()
    assert "No subtasks yet" in page
    assert "data-subtask-progress" not in page
    assert "Add a subtask" in page


def test_add_a_subtask(logged_in_client, fake_api):
    fake_api.on(
        "POST", "/api/v1/tasks/", status=201, json_body=task_json(title="Proofread", parent=PARENT_ID)
    )
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/", {"title": " Proofread ", "next": BACK})
    assert response.status_code == 302
    assert response["Location"] == BACK
    (created,) = fake_api.calls("POST", "/api/v1/tasks/")
    assert fake_api.body(created) == {"title": "Proofread", "parent": PARENT_ID}
    assert texts(response) == ["Added subtask “Proofread”."]


def test_a_blank_subtask_title_is_not_sent(logged_in_client, fake_api):
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/", {"title": "  "})
    assert response["Location"] == EDIT
    assert not fake_api.calls("POST", "/api/v1/tasks/")
    assert texts(response) == ["Give the subtask a title."]


def test_the_api_refusing_a_subtask_shows_its_message(logged_in_client, fake_api):
    subtask_api(fake_api)
    fake_api.error(
        "POST", "/api/v1/tasks/", 400, fields={"parent": ["A task can have at most 200 subtasks."]}
    )
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/", {"title": "One more", "next": BACK})
    assert response["Location"] == BACK
    assert texts(response) == ["A task can have at most 200 subtasks."]
    page = logged_in_client.get(response["Location"]).content.decode()
    assert "A task can have at most 200 subtasks." in page


def test_toggle_a_subtask_patches_completed(logged_in_client, fake_api):
    fake_api.on("PATCH", f"/api/v1/tasks/{SECOND_ID}/", json_body={**SECOND, "completed": True})
    url = f"/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/toggle/"
    response = logged_in_client.post(url, {"completed": "true", "next": BACK})
    assert response["Location"] == BACK
    (patch,) = fake_api.calls("PATCH")
    assert fake_api.body(patch) == {"completed": True}
    assert texts(response) == ["Completed “Review”."]


def test_toggles_are_posts_only(logged_in_client, fake_api):
    response = logged_in_client.get(f"/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/toggle/")
    assert response.status_code == 405
    assert not fake_api.calls("PATCH")


def test_move_up_swaps_positions_with_the_one_above(logged_in_client, fake_api):
    subtask_api(fake_api)
    fake_api.on("PATCH", f"/api/v1/tasks/{FIRST_ID}/", json_body={**FIRST, "position": 1})
    fake_api.on("PATCH", f"/api/v1/tasks/{SECOND_ID}/", json_body={**SECOND, "position": 0})
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/move/up/", {"next": BACK})
    assert response["Location"] == BACK
    patches = [(r.url.path, fake_api.body(r)) for r in fake_api.calls("PATCH")]
    assert patches == [
        (f"/api/v1/tasks/{SECOND_ID}/", {"position": 0}),
        (f"/api/v1/tasks/{FIRST_ID}/", {"position": 1}),
    ]
    assert texts(response) == ["Moved “Review” up."]


def test_moving_the_first_up_changes_nothing(logged_in_client, fake_api):
    subtask_api(fake_api)
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{FIRST_ID}/move/up/")
    assert response["Location"] == EDIT
    assert not fake_api.calls("PATCH")
    assert texts(response) == ["“Draft” is already first."]


def test_moving_among_tied_positions_numbers_them_first(logged_in_client, fake_api):
    subtask_api(fake_api, subtasks=({**FIRST, "position": 0}, {**SECOND, "position": 0}))
    fake_api.on("PATCH", f"/api/v1/tasks/{FIRST_ID}/", json_body=FIRST)
    fake_api.on("PATCH", f"/api/v1/tasks/{SECOND_ID}/", json_body=SECOND)
    logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{FIRST_ID}/move/down/")
    patches = [(r.url.path, fake_api.body(r)) for r in fake_api.calls("PATCH")]
    assert patches == [
        (f"/api/v1/tasks/{SECOND_ID}/", {"position": 1}),
        (f"/api/v1/tasks/{FIRST_ID}/", {"position": 1}),
        (f"/api/v1/tasks/{SECOND_ID}/", {"position": 0}),
    ]


def test_an_unknown_move_or_subtask_is_not_found(logged_in_client, fake_api):
    subtask_api(fake_api)
    assert logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{FIRST_ID}/move/sideways/").status_code == 404
    assert logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{PARENT_ID}/move/up/").status_code == 404
    assert not fake_api.calls("PATCH")


def test_delete_a_subtask(logged_in_client, fake_api):
    fake_api.on("GET", f"/api/v1/tasks/{SECOND_ID}/", json_body=SECOND)
    fake_api.on("DELETE", f"/api/v1/tasks/{SECOND_ID}/", status=204)
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/delete/", {"next": BACK})
    assert response["Location"] == BACK
    assert len(fake_api.calls("DELETE", f"/api/v1/tasks/{SECOND_ID}/")) == 1
    assert texts(response) == ["Deleted subtask “Review”."]


def test_delete_refuses_a_task_that_is_not_this_task_s_subtask(logged_in_client, fake_api):
    fake_api.on("GET", f"/api/v1/tasks/{SECOND_ID}/", json_body={**SECOND, "parent": None})
    response = logged_in_client.post(f"/tasks/{PARENT_ID}/subtasks/{SECOND_ID}/delete/")
    assert response.status_code == 404
    assert not fake_api.calls("DELETE")
