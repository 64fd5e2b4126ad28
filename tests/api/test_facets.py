"""GET /tasks/?facets=...: the list with its stats and tag counts, over the filters facets_over names."""

import pytest

from tests.api.helpers import TASKS_URL, assert_error
from tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

STATS_URL = f"{TASKS_URL}stats/"
TAGS_URL = "/api/v1/tags/"


@pytest.fixture
def team(user):
    return ProjectFactory(members={user: "editor"})


@pytest.fixture
def tasks(user, team):
    TaskFactory(owner=user, title="inbox open", tags=["home"])
    TaskFactory(project=team, title="team open", tags=["work"])
    TaskFactory(project=team, title="team done", completed=True, tags=["work", "ops"])
    TaskFactory(project=ProjectFactory(), title="not a member's", tags=["work"])


def test_facets_are_what_stats_and_tags_answer_for_the_same_scope(api_client, team, tasks):
    page = api_client.get(
        TASKS_URL,
        {"project": team.id, "completed": "false", "facets": "stats,tags", "facets_over": "project"},
    )

    assert page.status_code == 200
    body = page.json()
    assert [task["title"] for task in body["results"]] == ["team open"]  # the page is narrowed...
    scope = {"project": team.id}  # ...its counts are the project's
    assert body["facets"]["stats"] == api_client.get(STATS_URL, scope).json()
    assert body["facets"]["tags"] == api_client.get(TAGS_URL, scope).json()
    assert body["facets"]["stats"]["total"] == 2
    assert body["facets"]["tags"] == [{"name": "ops", "task_count": 1}, {"name": "work", "task_count": 2}]


def test_without_facets_over_they_count_every_visible_task(api_client, tasks):
    body = api_client.get(TASKS_URL, {"completed": "true", "facets": "stats"}).json()

    assert body["facets"] == {"stats": api_client.get(STATS_URL).json()}
    assert body["facets"]["stats"]["total"] == 3
    assert [task["title"] for task in body["results"]] == ["team done"]


def test_without_facets_the_list_has_none(api_client, tasks):
    assert "facets" not in api_client.get(TASKS_URL).json()
    # facets_over alone asks for nothing to count.
    alone = api_client.get(TASKS_URL, {"facets_over": "project"})
    assert alone.status_code == 200
    assert "facets" not in alone.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"facets": "stats,owners"}, "facets"),
        ({"facets": ""}, "facets"),
        ({"facets": "stats", "facets_over": "ordering"}, "facets_over"),
        ({"facets": "stats", "facets_over": "limit"}, "facets_over"),
        ({"facets_over": "owner"}, "facets_over"),
    ],
)
def test_unknown_facets_or_filters_are_a_400_naming_the_parameter(api_client, params, field):
    assert_error(api_client.get(TASKS_URL, params), 400, fields=[field])


def test_a_bad_filter_the_facets_count_over_is_a_400(api_client):
    response = api_client.get(
        TASKS_URL, {"facets": "stats", "facets_over": "completed", "completed": "maybe"}
    )

    assert_error(response, 400, fields=["completed"])
