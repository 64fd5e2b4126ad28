"""The UI learns server facts from GET /api/v1/meta/ instead of copying them."""

import re

from taskmanager.ui.meta import ServerFacts
from tests.ui.conftest import META


def meta_calls(fake_api):
    return fake_api.calls("GET", "/api/v1/meta/")


def test_meta_is_asked_without_credentials_once_per_process_while_fresh(logged_in_client, list_api):
    for _ in range(3):
        assert logged_in_client.get("/").status_code == 200
    (meta,) = meta_calls(list_api)
    assert "Authorization" not in meta.headers
    assert len(list_api.calls("GET", "/api/v1/projects/")) == 3


def test_stale_meta_is_asked_again(logged_in_client, list_api, settings):
    settings.TASKMANAGER_META_TTL = 0
    logged_in_client.get("/")
    logged_in_client.get("/")
    assert len(meta_calls(list_api)) == 2


def test_the_vocabularies_and_limits_come_from_the_api(logged_in_client, list_api):
    list_api.on(
        "GET",
        "/api/v1/meta/",
        json_body={
            **META,
            "priorities": ["low", "high", "urgent"],
            "orderings": ["title"],
            "limits": {**META["limits"], "task_title_max_length": 80, "search_max_length": 40},
        },
    )
    page = logged_in_client.get("/").content.decode()
    add_priority = re.search(r'<select id="new-priority" name="priority">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="(\w+)"', add_priority) == ["urgent", "high", "low"]
    assert 'id="new-title" name="title" type="text" maxlength="80"' in page
    assert 'name="q" type="search" value="" placeholder="Title or description" maxlength="40"' in page
    sort = re.search(r'<select id="filter-sort" name="sort">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="([^"]*)"', sort) == ["", "title", "-title"]
    # A priority the API does not know is no filter at all.
    assert logged_in_client.get("/?priority=medium")["Location"] == "/"


def test_the_task_form_takes_its_choices_and_maxlengths_from_the_api(logged_in_client, fake_api):
    limits = {**META["limits"], "task_title_max_length": 90, "task_description_max_length": 500}
    fake_api.on("GET", "/api/v1/meta/", json_body={**META, "limits": limits})
    page = logged_in_client.get("/tasks/new/").content.decode()
    assert re.search(r'<input type="text" name="title"[^>]*maxlength="90"', page)
    assert re.search(r'<textarea name="description"[^>]*maxlength="500"', page)
    assert '<option value="medium" selected>Medium</option>' in page


def test_what_a_repetition_counts_from_is_the_apis_list_in_the_forms_words(logged_in_client, fake_api):
    fake_api.on("GET", "/api/v1/meta/", json_body={**META, "recur_from": ["completion", "start_date"]})
    page = logged_in_client.get("/tasks/new/").content.decode()
    recur_from = re.search(r'<select name="recur_from"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', recur_from) == [
        ("completion", "when I complete it"),
        ("start_date", "Start date"),
    ]


def test_the_project_form_takes_colours_and_limits_from_the_api(logged_in_client, fake_api):
    fake_api.on("GET", "/api/v1/meta/", json_body={**META, "colors": ["slate", "teal"]})
    page = logged_in_client.get("/projects/new/").content.decode()
    assert re.findall(r'name="color" value="(\w+)"', page) == ["slate", "teal"]
    assert re.search(r'<input type="text" name="name"[^>]*maxlength="100"', page)


def test_a_page_that_needs_meta_while_the_api_is_down_is_the_503_page(logged_in_client, fake_api):
    fake_api.error("GET", "/api/v1/meta/", 503)
    response = logged_in_client.get("/projects/new/")
    assert response.status_code == 503
    assert "Service unavailable, try again" in response.content.decode()


def test_unknown_or_missing_facts_do_not_break_the_reading():
    facts = ServerFacts.from_api({"signup_open": True, "limits": {"task_title_max_length": "x"}})
    assert facts.signup_open
    assert facts.limit("task_title_max_length") is None
    assert facts.priority_choices() == []
    assert facts.default_priority == ""
    assert ServerFacts.from_api({**META, "priorities": ["a", "b", "c"]}).default_priority == "b"
