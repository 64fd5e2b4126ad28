"""GET/POST /api/v1/tasks/<id>/reminders/ and DELETE /api/v1/reminders/<id>/."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.api.project_helpers import API
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def reminders_url(task) -> str:
    return f"{API}/tasks/{task.id}/reminders/"


def _soon() -> str:
    return (timezone.now() + timedelta(hours=1)).isoformat()


@pytest.fixture
def team():
    owner, viewer = UserFactory(username="olga"), UserFactory(username="victor")
    project = ProjectFactory(members={owner: "owner", viewer: "viewer"})
    task = TaskFactory(project=project, created_by=owner, due_date=date.today() + timedelta(days=2))
    return owner, viewer, task


def test_create_list_and_delete(client_for, team):
    owner, _viewer, task = team
    client = client_for(owner)
    created = client.post(reminders_url(task), {"before_minutes": 30}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "task", "remind_at", "before_minutes", "fire_at", "sent_at", "created_at"}
    assert (body["task"], body["before_minutes"], body["remind_at"], body["sent_at"]) == (
        str(task.id),
        30,
        None,
        None,
    )
    assert body["fire_at"].endswith("Z")
    second = client.post(reminders_url(task), {"remind_at": _soon()}, format="json")
    assert second.status_code == 201
    listed = client.get(reminders_url(task))
    assert [row["id"] for row in listed.json()] == [body["id"], second.json()["id"]]
    deleted = client.delete(f"{API}/reminders/{body['id']}/")
    assert deleted.status_code == 204
    assert [row["id"] for row in client.get(reminders_url(task)).json()] == [second.json()["id"]]
    assert client.delete(f"{API}/reminders/{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"remind_at", "before_minutes"}),
        ({"before_minutes": 10, "remind_at": "2030-01-01T09:00:00Z"}, {"remind_at", "before_minutes"}),
        ({"before_minutes": "10"}, {"before_minutes"}),
        ({"before_minutes": True}, {"before_minutes"}),
        ({"before_minutes": 40321}, {"before_minutes"}),
        ({"remind_at": 5}, {"remind_at"}),
        ({"remind_at": "2001-01-01T09:00:00Z"}, {"remind_at"}),
        ({"remind_at": _soon(), "colour": "red"}, {"colour"}),
    ],
)
def test_invalid_input_names_the_fields(client_for, team, payload, fields):
    owner, _viewer, task = team
    response = client_for(owner).post(reminders_url(task), payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields


def test_a_viewer_reads_but_cannot_add_or_delete(client_for, team):
    owner, viewer, task = team
    made = client_for(owner).post(reminders_url(task), {"before_minutes": 5}, format="json").json()
    client = client_for(viewer)
    refused = client.post(reminders_url(task), {"before_minutes": 5}, format="json")
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["message"] == "You need the editor role in this project to change its tasks."
    )
    assert client.delete(f"{API}/reminders/{made['id']}/").status_code == 403
    assert [row["id"] for row in client.get(reminders_url(task)).json()] == [made["id"]]


def test_a_stranger_gets_404(client_for, team):
    _owner, _viewer, task = team
    stranger = client_for(UserFactory(username="sam"))
    assert stranger.get(reminders_url(task)).status_code == 404
    assert stranger.post(reminders_url(task), {"before_minutes": 5}, format="json").status_code == 404
