"""Overdue, due today and the due filters, judged in each caller's own time zone.

Three members of one project look at the same tasks at the same fixed
instants; each sees "today" as their zone's date, across a DST change too.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from taskmanager.accounts.preferences import preferences_update
from tests.api.helpers import TASKS_URL, assert_error, task_url
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(client_for):
    """Clients for users in UTC, Los Angeles, Tokyo and Berlin, all members of one project."""
    zones = {"utc": None, "la": "America/Los_Angeles", "tokyo": "Asia/Tokyo", "berlin": "Europe/Berlin"}
    users = {name: UserFactory(username=name) for name in zones}
    project = ProjectFactory(members=dict.fromkeys(users.values(), "editor"))
    for name, zone in zones.items():
        if zone:
            preferences_update(user=users[name], time_zone=zone)
    clients = {name: client_for(user) for name, user in users.items()}
    return project, clients


def at(moment: str):
    return time_machine.travel(datetime.fromisoformat(moment), tick=False)


def seen(client, task) -> tuple[bool, bool]:
    body = client.get(task_url(task)).json()
    return body["overdue"], body["due_today"]


# (instant, {person: (overdue, due_today)}) for a task due all day on 2026-03-10.
ALL_DAY = [
    # 03:00 UTC: the 9th in Los Angeles (19:00), the 10th in Tokyo (12:00).
    ("2026-03-10T03:00:00Z", {"utc": (False, True), "la": (False, False), "tokyo": (False, True)}),
    # A day later: past for UTC and Tokyo, still the 10th in Los Angeles (20:00).
    ("2026-03-11T03:00:00Z", {"utc": (True, False), "la": (False, True), "tokyo": (True, False)}),
    # 23:30 UTC on the 10th: already the 11th in Tokyo (08:30), the 10th in LA (16:30).
    ("2026-03-10T23:30:00Z", {"utc": (False, True), "la": (False, True), "tokyo": (True, False)}),
]


@pytest.mark.parametrize(("moment", "expected"), ALL_DAY)
def test_an_all_day_task_is_due_today_on_each_callers_own_date(people, moment, expected):
    project, clients = people
    task = TaskFactory(project=project, due_date=datetime(2026, 3, 10).date())
    with at(moment):
        assert {name: seen(clients[name], task) for name in expected} == expected


def test_the_day_boundary_follows_daylight_saving_time(people):
    """Berlin moves to CEST (+02:00) on 29 March 2026: that day ends at 22:00 UTC, not 23:00."""
    project, clients = people
    task = TaskFactory(project=project, due_date=datetime(2026, 3, 29).date())
    with at("2026-03-28T23:30:00Z"):  # 00:30 CET on the 29th in Berlin
        assert seen(clients["berlin"], task) == (False, True)
        assert seen(clients["utc"], task) == (False, False)
    with at("2026-03-29T22:30:00Z"):  # 00:30 CEST on the 30th in Berlin; a fixed +01:00 would say 23:30
        assert seen(clients["berlin"], task) == (True, False)
        assert seen(clients["utc"], task) == (False, True)


def test_a_task_due_at_an_instant_is_overdue_at_the_same_moment_for_everyone(people):
    project, clients = people
    task = TaskFactory(project=project, due_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    with at("2026-03-10T11:59:00Z"):
        assert {name: seen(client, task)[0] for name, client in clients.items()} == dict.fromkeys(
            clients, False
        )
    with at("2026-03-10T12:01:00Z"):
        assert {name: seen(client, task)[0] for name, client in clients.items()} == dict.fromkeys(
            clients, True
        )


def test_a_timed_task_is_due_today_on_its_local_date(people):
    project, clients = people
    task = TaskFactory(project=project, due_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    with at("2026-03-10T05:00:00Z"):  # Tokyo: 14:00 on the 10th (due 21:00); LA: 21:00 on the 9th
        assert seen(clients["tokyo"], task) == (False, True)
        assert seen(clients["la"], task) == (False, False)


def listed_titles(client, query: str) -> set[str]:
    return {task["title"] for task in client.get(f"{TASKS_URL}?{query}").json()["results"]}


def test_the_filters_and_the_stats_use_the_callers_today(people):
    project, clients = people
    TaskFactory(project=project, title="the tenth", due_date=datetime(2026, 3, 10).date())
    TaskFactory(project=project, title="noon UTC", due_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    TaskFactory(project=project, title="undated")
    with at("2026-03-10T23:30:00Z"):  # Tokyo: the 11th, 08:30; LA: the 10th, 16:30
        assert listed_titles(clients["tokyo"], "overdue=true") == {"the tenth", "noon UTC"}
        assert listed_titles(clients["la"], "overdue=true") == {"noon UTC"}
        assert listed_titles(clients["la"], "due_today=true") == {"the tenth", "noon UTC"}
        assert listed_titles(clients["tokyo"], "due_today=true") == set()
        # Noon UTC is the 10th in LA and 21:00 on the 10th in Tokyo: before the 11th for both.
        assert listed_titles(clients["tokyo"], "due_before=2026-03-11") == {"the tenth", "noon UTC"}
        assert listed_titles(clients["la"], "due_after=2026-03-09") == {"the tenth", "noon UTC"}
        assert listed_titles(clients["la"], "due_after=2026-03-10") == set()
        assert clients["tokyo"].get(f"{TASKS_URL}stats/").json()["overdue"] == 2
        assert clients["la"].get(f"{TASKS_URL}stats/").json()["overdue"] == 1


def test_ordering_by_due_puts_each_task_on_its_local_day(people):
    project, clients = people
    TaskFactory(project=project, title="11th all day", due_date=datetime(2026, 3, 11).date())
    # 20:00 UTC on the 10th: the 10th in LA, the 11th (05:00) in Tokyo.
    TaskFactory(project=project, title="20:00 UTC", due_at=datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    TaskFactory(project=project, title="no due")

    def order(client):
        return [task["title"] for task in client.get(f"{TASKS_URL}?ordering=due_date").json()["results"]]

    assert order(clients["la"]) == ["20:00 UTC", "11th all day", "no due"]
    assert order(clients["tokyo"]) == ["11th all day", "20:00 UTC", "no due"]


class TestMe:
    def test_the_time_zone_is_utc_until_chosen(self, client_for):
        body = client_for(UserFactory()).get("/api/v1/me/").json()
        assert (body["time_zone"], body["time_zone_chosen"], body["email_reminders"]) == ("UTC", False, True)

    def test_patch_sets_the_time_zone_and_the_reminder_choice(self, client_for):
        client = client_for(UserFactory())
        response = client.patch("/api/v1/me/", {"time_zone": "Europe/Berlin"}, format="json")
        assert response.status_code == 200, response.content
        assert (response.json()["time_zone"], response.json()["time_zone_chosen"]) == ("Europe/Berlin", True)
        client.patch("/api/v1/me/", {"email_reminders": False}, format="json")
        body = client.get("/api/v1/me/").json()
        assert (body["time_zone"], body["email_reminders"]) == ("Europe/Berlin", False)

    @pytest.mark.parametrize("value", ["Mars/Olympus", "CET+1", "", "europe/berlin", 5, None])
    def test_a_name_that_is_not_an_iana_zone_is_refused_naming_the_field(self, client_for, value):
        client = client_for(UserFactory())
        response = client.patch("/api/v1/me/", {"time_zone": value}, format="json")
        assert_error(response, 400, fields=["time_zone"])
        assert client.get("/api/v1/me/").json()["time_zone"] == "UTC"

    def test_unknown_and_read_only_fields(self, client_for):
        client = client_for(UserFactory(username="carol"))
        assert_error(client.patch("/api/v1/me/", {"colour": "red"}, format="json"), 400, fields=["colour"])
        # Echoing what GET returned is accepted; the username does not change.
        response = client.patch("/api/v1/me/", {"username": "mallory", "time_zone": "UTC"}, format="json")
        assert response.status_code == 200
        assert response.json()["username"] == "carol"

    def test_the_preferences_cost_no_query_of_their_own(self, client_for, django_assert_num_queries):
        user = UserFactory()
        preferences_update(user=user, time_zone="Asia/Tokyo")
        client = client_for(user)
        with django_assert_num_queries(1):  # the token, its user and their preferences: one join
            assert client.get("/api/v1/me/").json()["time_zone"] == "Asia/Tokyo"
