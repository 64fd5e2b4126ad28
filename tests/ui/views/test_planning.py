"""The planning parts of the pages: the settings page, due times in the user's zone,
repeat presets, the undo of a repeating task's completion, progress and rules on the list."""

import pytest
from django.contrib.messages import get_messages

from tests.ui.conftest import INBOX_ID, ME, listing, task_json

TASK = task_json()
TASK_URL = f"/api/v1/tasks/{TASK['id']}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestSettings:
    def test_the_page_shows_the_zones_the_api_lists_and_the_users_choice(self, logged_in_client, fake_api):
        page = logged_in_client.get("/settings/").content.decode()
        assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in page
        assert '<option value="America/New_York">America/New York</option>' in page
        # Chosen already: no offer of the browser's zone.
        assert "data-suggest-browser-zone" not in page

    def test_until_chosen_the_page_offers_the_browsers_zone(self, logged_in_client, fake_api):
        fake_api.on("GET", "/api/v1/me/", json_body={**ME, "time_zone": "UTC", "time_zone_chosen": False})
        page = logged_in_client.get("/settings/").content.decode()
        assert "data-suggest-browser-zone" in page
        assert "ui/settings" in page and ".js" in page

    def test_saving_patches_me_and_later_pages_use_the_new_zone(self, logged_in_client, fake_api):
        fake_api.on(
            "PATCH", "/api/v1/me/", json_body={**ME, "time_zone": "Asia/Tokyo", "email_reminders": False}
        )
        response = logged_in_client.post("/settings/", {"time_zone": "Asia/Tokyo"})
        assert response.status_code == 302
        assert fake_api.body(fake_api.calls("PATCH")[0]) == {
            "time_zone": "Asia/Tokyo",
            "email_reminders": False,
        }
        assert logged_in_client.session["time_zone"] == "Asia/Tokyo"

    def test_the_apis_refusal_is_shown_on_the_field(self, logged_in_client, fake_api):
        fake_api.error("PATCH", "/api/v1/me/", 400, "invalid", fields={"time_zone": ["Not a zone."]})
        response = logged_in_client.post("/settings/", {"time_zone": "Mars/Base", "email_reminders": "on"})
        assert response.status_code == 400
        assert "Not a zone." in response.content.decode()


def posted_task(fake_api, logged_in_client, **form) -> dict:
    fake_api.on("POST", "/api/v1/tasks/", status=201, json_body=TASK)
    fake_api.on("GET", "/api/v1/projects/members/", json_body=[])
    base = {"title": "Water the plants", "priority": "medium", "project": INBOX_ID}
    response = logged_in_client.post("/tasks/new/", {**base, **form})
    assert response.status_code == 302, response.content.decode()[:3000]
    return fake_api.body(fake_api.calls("POST", "/api/v1/tasks/")[0])


class TestDueAndRepeat:
    def test_a_date_and_a_time_are_an_instant_in_the_users_zone(self, logged_in_client, fake_api):
        body = posted_task(fake_api, logged_in_client, due_date="2026-07-01", due_time="09:30")
        # Berlin is at +02:00 in July.
        assert (body["due_date"], body["due_at"]) == (None, "2026-07-01T09:30:00+02:00")

    def test_a_date_alone_is_all_day(self, logged_in_client, fake_api):
        body = posted_task(fake_api, logged_in_client, due_date="2026-07-01")
        assert (body["due_date"], body["due_at"]) == ("2026-07-01", None)

    @pytest.mark.parametrize(
        ("form", "rule"),
        [
            ({"repeat": ""}, ""),
            ({"repeat": "daily"}, "FREQ=DAILY"),
            ({"repeat": "weekdays"}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ({"repeat": "weekly", "repeat_days": ["TH", "MO"]}, "FREQ=WEEKLY;BYDAY=MO,TH"),
            ({"repeat": "weekly"}, "FREQ=WEEKLY;BYDAY=WE"),  # 1 July 2026 is a Wednesday
            ({"repeat": "monthly"}, "FREQ=MONTHLY;BYMONTHDAY=1"),
            ({"repeat": "yearly"}, "FREQ=YEARLY"),
            ({"repeat": "custom", "repeat_rule": " FREQ=MONTHLY;BYDAY=-1FR "}, "FREQ=MONTHLY;BYDAY=-1FR"),
        ],
    )
    def test_each_preset_is_its_rule(self, logged_in_client, fake_api, form, rule):
        body = posted_task(fake_api, logged_in_client, due_date="2026-07-01", recur_from="completion", **form)
        assert (body["recurrence"], body["recur_from"]) == (rule, "completion")

    def test_the_edit_page_shows_a_timed_due_in_the_users_zone_and_the_rule(self, logged_in_client, fake_api):
        task = {
            **TASK,
            "due_at": "2026-01-15T08:00:00Z",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH",
            "recurrence_text": "Every week on Mon and Thu",
        }
        fake_api.on("GET", TASK_URL, json_body=task, headers={"ETag": '"v-1"'})
        fake_api.on("GET", f"/api/v1/projects/{INBOX_ID}/members/", json_body=[])
        page = logged_in_client.get(f"/tasks/{TASK['id']}/edit/").content.decode()
        assert 'value="2026-01-15"' in page and 'value="09:00"' in page  # 08:00 UTC is 09:00 in Berlin
        assert "Every week on Mon and Thu" in page
        assert '<option value="weekly" selected>' in page
        assert 'value="MO"' in page and 'value="TH"' in page and "checked" in page

    def test_an_invalid_rule_is_shown_on_the_custom_field(self, logged_in_client, fake_api):
        fake_api.error("POST", "/api/v1/tasks/", 400, "invalid", fields={"recurrence": ["Never repeats."]})
        response = logged_in_client.post(
            "/tasks/new/",
            {
                "title": "x",
                "priority": "medium",
                "project": INBOX_ID,
                "repeat": "custom",
                "repeat_rule": "FREQ=NO",
            },
        )
        assert response.status_code == 400
        assert "Never repeats." in response.content.decode()


class TestCompletingARepeatingTask:
    def test_the_message_names_the_next_due_and_offers_undo(self, logged_in_client, fake_api):
        moved_on = {**TASK, "completed": False, "due_date": "2026-07-08", "recurrence": "FREQ=WEEKLY"}
        fake_api.on("PATCH", TASK_URL, json_body=moved_on)
        response = logged_in_client.post(f"/tasks/{TASK['id']}/toggle/", {"completed": "true"})
        (message,) = get_messages(response.wsgi_request)
        assert str(message) == "Completed “Write the report”. Next due 8 Jul 2026."
        assert message.extra_tags == f"undo:{TASK['id']}"

    def test_undo_posts_to_the_api(self, logged_in_client, fake_api):
        fake_api.on("POST", f"{TASK_URL}undo-completion/", json_body=TASK)
        response = logged_in_client.post(f"/tasks/{TASK['id']}/undo-completion/", {"next": "/"})
        assert response["Location"] == "/"
        assert messages_of(response) == ["Undone: “Write the report” is back to its previous due."]

    def test_nothing_to_undo_says_why(self, logged_in_client, fake_api):
        fake_api.error("POST", f"{TASK_URL}undo-completion/", 409, "There is no completion to undo.")
        response = logged_in_client.post(f"/tasks/{TASK['id']}/undo-completion/")
        assert messages_of(response) == ["There is no completion to undo."]


def test_the_list_shows_times_in_the_users_zone_rules_and_subtask_progress(logged_in_client, list_api):
    row = {
        **TASK,
        "due_at": "2026-01-15T08:00:00Z",
        "due_today": True,
        "recurrence_text": "Every day",
        "subtask_count": 5,
        "subtask_done_count": 2,
    }
    list_api.on("GET", "/api/v1/tasks/", json_body=listing([row]))
    page = logged_in_client.get("/").content.decode()
    assert "15 Jan 2026, 09:00" in page
    assert "Today · " in page
    assert "Every day" in page
    assert ">2/5<" in page
