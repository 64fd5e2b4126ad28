"""The number of queries per request does not grow with the number of tasks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, task_url
from tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url, method="get", body=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code in (200, 201), response.content
    return len(captured)


def add_tasks(user, count):
    for index in range(count):
        TaskFactory(owner=user, tags=[f"tag{index % 7}", f"tag{index % 3 + 10}"])


def test_list_uses_the_same_queries_for_3_and_60_tasks(api_client, user):
    add_tasks(user, 3)
    small = queries_for(api_client, f"{TASKS_URL}?limit=200")

    add_tasks(user, 57)
    large = queries_for(api_client, f"{TASKS_URL}?limit=200")

    assert api_client.get(f"{TASKS_URL}?limit=200").json()["count"] == 60
    assert small == large
    # Token + user, count, page, tags of the page.
    assert large <= 5


def test_filtered_list_queries_do_not_grow(api_client, user):
    add_tasks(user, 3)
    url = f"{TASKS_URL}?tag=tag1&search=Task&priority=medium,high&ordering=-due_date"
    small = queries_for(api_client, url)

    add_tasks(user, 57)

    assert queries_for(api_client, url) == small


def test_detail_queries_do_not_depend_on_the_number_of_tags(api_client, user):
    few = TaskFactory(owner=user, tags=["a"])
    many = TaskFactory(owner=user, tags=[f"t{i}" for i in range(20)])

    assert queries_for(api_client, task_url(few)) == queries_for(api_client, task_url(many))


def test_stats_and_tags_queries_do_not_grow(api_client, user):
    add_tasks(user, 3)
    stats_small = queries_for(api_client, f"{TASKS_URL}stats/")
    tags_small = queries_for(api_client, "/api/v1/tags/")

    add_tasks(user, 57)

    assert queries_for(api_client, f"{TASKS_URL}stats/") == stats_small
    assert queries_for(api_client, "/api/v1/tags/") == tags_small


def test_list_queries_do_not_grow_with_the_number_of_projects(api_client, user):
    add_tasks(user, 3)
    one_project = queries_for(api_client, f"{TASKS_URL}?limit=200")

    for _ in range(5):
        project = ProjectFactory(members={user: "editor"})
        TaskFactory.create_batch(3, project=project, tags=["shared"])

    assert api_client.get(f"{TASKS_URL}?limit=200").json()["count"] == 18
    assert queries_for(api_client, f"{TASKS_URL}?limit=200") == one_project


def test_writes_do_not_depend_on_the_number_of_tags(api_client, user):
    one = {"title": "t", "tags": ["a"]}
    twenty = {"title": "t", "tags": [f"t{i}" for i in range(20)]}
    created = queries_for(api_client, TASKS_URL, "post", one)
    task = TaskFactory(owner=user, tags=["x"])
    patched = queries_for(api_client, task_url(task), "patch", one)

    assert queries_for(api_client, TASKS_URL, "post", twenty) == created
    assert queries_for(api_client, task_url(task), "patch", twenty) == patched


def test_bulk_queries_do_not_grow_with_the_number_of_tasks(api_client, user):
    def bulk(action):
        ids = [str(task_id) for task_id in Task.objects.values_list("id", flat=True)]
        return queries_for(api_client, f"{TASKS_URL}bulk/", "post", {"ids": ids, "action": action})

    add_tasks(user, 3)
    small = bulk("complete"), bulk("reopen")

    add_tasks(user, 57)

    assert (bulk("complete"), bulk("reopen")) == small
