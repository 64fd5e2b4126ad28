"""procrastinate's admin, on the project's admin site: jobs listed read-only."""

import pytest
from django.contrib.auth import get_user_model

from tests.reminders.helpers import reminder_due_in

pytestmark = pytest.mark.django_db


def test_the_admin_lists_jobs_and_offers_no_change(client):
    reminder_due_in(60)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-admin-passphrase")
    client.force_login(admin)
    listed = client.get("/admin/procrastinate/procrastinatejob/?status=todo")
    assert listed.status_code == 200
    assert b"reminders.send" in listed.content
    assert client.get("/admin/procrastinate/procrastinatejob/add/").status_code == 403
