"""The Django admin's user pages, as a superuser uses them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from taskmanager.projects.models import Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auth/user/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def usernames() -> list[str]:
    return sorted(get_user_model().objects.values_list("username", flat=True))


@pytest.mark.parametrize("bad_id", ["\x00", "not-a-number", "6f1c2b0e-3d4a-4e5f-8a9b-0c1d2e3f4a5b"])
def test_deleting_with_an_id_that_is_no_user_id_ignores_it(admin_client, bad_id):
    doomed = UserFactory(username="doomed")
    UserFactory(username="kept")

    response = admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [bad_id, str(doomed.id)], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert usernames() == ["kept", "root"]
    # The deleted user's Inbox went with them.
    assert sorted(Project.objects.values_list("inbox_of__username", flat=True)) == ["kept", "root"]


def test_only_bad_ids_select_nothing(admin_client):
    UserFactory(username="kept")

    response = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": ["\x00", "x"]}, follow=True
    )

    assert response.status_code == 200
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Items must be selected") for m in messages), messages
    assert usernames() == ["kept", "root"]
