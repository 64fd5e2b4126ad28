"""The queries per request stay the same whatever the number of projects, members and tasks."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.project_helpers import PROJECTS_URL, TAGS_URL, TASKS_URL, members_url
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

_names = itertools.count()
ROLES = ("owner", "editor", "viewer")


def queries_for(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(captured)


class Grower:
    """alice's projects, members and tasks, grown between two measurements."""

    def __init__(self, user):
        self.user = user
        self.projects = []

    def grow(self, *, projects: int, members: int, tasks: int):
        while len(self.projects) < projects:
            role = ROLES[len(self.projects) % len(ROLES)]
            self.projects.append(ProjectFactory(members={self.user: role}))
        shared = self.projects[0]
        while shared.memberships.count() < members:
            shared.memberships.create(user=UserFactory(username=f"member{next(_names)}"), role="viewer")
        people = [membership.user for membership in shared.memberships.all()]
        made = sum(project.tasks.count() for project in self.projects)
        for index in range(made, tasks):
            project = self.projects[index % len(self.projects)]
            assignee = people[index % len(people)] if project == shared else None
            TaskFactory(
                project=project,
                assignee=assignee,
                completed=index % 4 == 0,
                tags=[f"tag{index % 5}", f"t{index % 3}"],
            )


@pytest.fixture
def grower(user):
    return Grower(user)


SMALL = {"projects": 2, "members": 2, "tasks": 3}
LARGE = {"projects": 12, "members": 10, "tasks": 40}


def measure_twice(grower, client, url, params_for=lambda grower: None) -> tuple[int, int]:
    grower.grow(**SMALL)
    small = queries_for(client, url(grower), params_for(grower))
    grower.grow(**LARGE)
    large = queries_for(client, url(grower), params_for(grower))
    return small, large


def test_project_list(grower, api_client):
    small, large = measure_twice(grower, api_client, lambda g: PROJECTS_URL)

    assert len(api_client.get(PROJECTS_URL).json()) == LARGE["projects"] + 1
    assert small == large
    # Token and user, the projects with the caller's role, their task counts.
    assert large <= 4


def test_member_list(grower, api_client):
    small, large = measure_twice(grower, api_client, lambda g: members_url(g.projects[0]))

    assert len(api_client.get(members_url(grower.projects[0])).json()) == LARGE["members"]
    assert small == large


@pytest.mark.parametrize(
    "params",
    [
        lambda g: {"limit": 200},
        lambda g: {"limit": 200, "project": str(g.projects[0].id)},
        lambda g: {"limit": 200, "assignee": "me", "tag": "tag1", "ordering": "-due_date"},
    ],
    ids=["all", "one project", "filtered"],
)
def test_task_list(grower, api_client, params):
    small, large = measure_twice(grower, api_client, lambda g: TASKS_URL, params)

    assert api_client.get(TASKS_URL, {"limit": 200}).json()["count"] == LARGE["tasks"]
    assert small == large


@pytest.mark.parametrize(
    "params",
    [lambda g: None, lambda g: {"project": str(g.projects[0].id), "assignee": "none"}],
    ids=["all", "filtered"],
)
def test_task_stats(grower, api_client, params):
    small, large = measure_twice(grower, api_client, lambda g: f"{TASKS_URL}stats/", params)

    assert api_client.get(f"{TASKS_URL}stats/").json()["total"] == LARGE["tasks"]
    assert small == large


@pytest.mark.parametrize(
    "params", [lambda g: None, lambda g: {"project": str(g.projects[0].id)}], ids=["all", "one project"]
)
def test_tag_list(grower, api_client, params):
    small, large = measure_twice(grower, api_client, lambda g: TAGS_URL, params)

    assert len(api_client.get(TAGS_URL).json()) == 8
    assert small == large


def test_task_detail_does_not_depend_on_the_project(grower, api_client):
    grower.grow(**LARGE)
    counts = {
        queries_for(api_client, f"{TASKS_URL}{project.tasks.first().id}/") for project in grower.projects[:3]
    }

    assert len(counts) == 1
