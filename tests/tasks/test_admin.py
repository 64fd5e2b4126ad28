"""The Django admin for tasks and tags, as a superuser uses it."""

import pytest
from django.contrib.messages import get_messages

from taskmanager.tasks.models import Tag, Task
from tests.factories import TagFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tasks/task/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def owner():
    return UserFactory(username="owner-of-tasks")


class TestChangelist:
    def test_loads_with_owner_column_and_filters(self, admin_client, owner):
        TaskFactory(owner=owner, title="Visible task")
        TaskFactory(owner=UserFactory(username="second-owner"))  # the owner filter shows with two owners

        response = admin_client.get(CHANGELIST)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Visible task" in html
        assert '<td class="field-owner_name">owner-of-tasks</td>' in html
        assert 'id="changelist-filter"' in html
        for label in ("By completed", "By priority", "By due date", "By owner"):
            assert label in html

    def test_filters_and_search_narrow_the_list(self, admin_client, owner):
        TaskFactory(owner=owner, title="Buy milk", priority="high", tags=["shop"])
        TaskFactory(owner=owner, title="Buy bread", priority="low", tags=["shop"])
        TaskFactory(owner=owner, title="Old milk", priority="high", completed=True)

        response = admin_client.get(
            CHANGELIST, {"q": "milk", "priority__exact": "high", "completed__exact": "0"}
        )

        assert response.status_code == 200
        assert [t.title for t in response.context["cl"].result_list] == ["Buy milk"]

    def test_search_by_tag_and_owner_lists_each_task_once(self, admin_client, owner):
        TaskFactory(owner=owner, title="Tagged twice", tags=["shop", "shopping"])

        by_tag = admin_client.get(CHANGELIST, {"q": "shop"})
        by_owner = admin_client.get(CHANGELIST, {"q": "owner-of-tasks"})

        assert [t.title for t in by_tag.context["cl"].result_list] == ["Tagged twice"]
        assert by_owner.context["cl"].result_count == 1

    def test_non_staff_users_are_sent_to_log_in(self, client):
        client.force_login(UserFactory(username="plain"))

        response = client.get(CHANGELIST)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


class TestActions:
    def run_action(self, client, action, tasks, **query):
        return client.post(
            CHANGELIST,
            {"action": action, "_selected_action": [str(t.id) for t in tasks], **query},
            follow=True,
        )

    def test_mark_completed(self, admin_client, owner):
        tasks = TaskFactory.create_batch(2, owner=owner)
        already = TaskFactory(owner=owner, completed=True)

        response = self.run_action(admin_client, "mark_completed", [*tasks, already])

        assert response.status_code == 200
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert "2 task(s) marked as completed." in messages
        for task in tasks:
            task.refresh_from_db()
            assert (task.completed, task.version) == (True, 2)
            assert task.completed_at is not None
        already.refresh_from_db()
        assert already.version == 1

    def test_mark_open(self, admin_client, owner):
        tasks = TaskFactory.create_batch(3, owner=owner, completed=True)

        self.run_action(admin_client, "mark_open", tasks)

        assert not Task.objects.filter(completed=True).exists()
        assert not Task.objects.filter(completed_at__isnull=False).exists()

    def test_action_on_a_tag_search_result(self, admin_client, owner):
        tasks = [TaskFactory(owner=owner, tags=["x", "xy"]) for _ in range(2)]

        self.run_action(admin_client, "mark_completed", tasks, q="x")

        assert Task.objects.filter(completed=True).count() == 2


class TestChangeForm:
    def form_data(self, task, **changes):
        data = {
            "owner": task.owner_id,
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "due_date": "",
            "tags": [t.id for t in task.tags.all()],
        }
        if task.completed:
            data["completed"] = "on"
        data.update(changes)
        return data

    def test_editing_bumps_the_version_and_sets_completed_at(self, admin_client, owner):
        task = TaskFactory(owner=owner, title="Edit me")

        data = self.form_data(task, title="Edited", completed="on")
        response = admin_client.post(f"{CHANGELIST}{task.id}/change/", data)

        assert response.status_code == 302, response.content.decode()[:2000]
        task.refresh_from_db()
        assert (task.title, task.completed, task.version) == ("Edited", True, 2)
        assert task.completed_at is not None

    def test_reopening_clears_completed_at(self, admin_client, owner):
        task = TaskFactory(owner=owner, completed=True)

        data = self.form_data(task)
        del data["completed"]
        admin_client.post(f"{CHANGELIST}{task.id}/change/", data)

        task.refresh_from_db()
        assert (task.completed, task.completed_at) == (False, None)

    def test_blank_title_is_a_form_error_not_a_crash(self, admin_client, owner):
        task = TaskFactory(owner=owner, title="Keep")

        response = admin_client.post(f"{CHANGELIST}{task.id}/change/", self.form_data(task, title="   "))

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["title"]
        task.refresh_from_db()
        assert task.title == "Keep"

    def test_adding_a_task(self, admin_client, owner):
        tag = TagFactory(owner=owner, name="new")

        response = admin_client.post(
            f"{CHANGELIST}add/",
            {"owner": owner.id, "title": "Added", "description": "", "priority": "low", "tags": [tag.id]},
        )

        assert response.status_code == 302
        task = Task.objects.get(title="Added")
        assert (task.owner, task.priority, task.version) == (owner, "low", 1)
        assert list(task.tags.all()) == [tag]

    def test_change_page_loads(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["a"])

        assert admin_client.get(f"{CHANGELIST}{task.id}/change/").status_code == 200


class TestTagAdmin:
    def test_tag_changelist_loads(self, admin_client, owner):
        TagFactory(owner=owner, name="listed")

        response = admin_client.get("/admin/tasks/tag/")

        assert response.status_code == 200
        assert "listed" in response.content.decode()

    def test_a_name_that_breaks_the_slug_rule_is_a_form_error(self, admin_client, owner):
        response = admin_client.post("/admin/tasks/tag/add/", {"owner": owner.id, "name": "Not A Slug"})

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert not Tag.objects.exists()
