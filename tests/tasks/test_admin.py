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

    @pytest.mark.parametrize("bad_id", ["\x00", "not-a-uuid", "1"])
    def test_an_id_that_is_no_task_id_is_ignored(self, admin_client, owner, bad_id):
        chosen = TaskFactory(owner=owner)
        other = TaskFactory(owner=owner)

        response = admin_client.post(
            CHANGELIST,
            {"action": "mark_completed", "index": "0", "_selected_action": [bad_id, str(chosen.id)]},
            follow=True,
        )

        assert response.status_code == 200
        assert "1 task(s) marked as completed." in [str(m) for m in get_messages(response.wsgi_request)]
        assert list(Task.objects.filter(completed=True)) == [chosen]
        other.refresh_from_db()
        assert other.completed is False

    @pytest.mark.parametrize("confirmed", [{}, {"post": "yes"}], ids=["confirm-page", "confirmed"])
    def test_only_bad_ids_select_nothing(self, admin_client, owner, confirmed):
        TaskFactory(owner=owner)

        response = admin_client.post(
            CHANGELIST,
            {"action": "delete_selected", "_selected_action": ["\x00", "not-a-uuid"], **confirmed},
            follow=True,
        )

        assert response.status_code == 200
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(m.startswith("Items must be selected") for m in messages), messages
        assert Task.objects.count() == 1

    def test_action_on_a_tag_search_result(self, admin_client, owner):
        tasks = [TaskFactory(owner=owner, tags=["x", "xy"]) for _ in range(2)]

        self.run_action(admin_client, "mark_completed", tasks, q="x")

        assert Task.objects.filter(completed=True).count() == 2


class TestChangeForm:
    def form_data(self, task, **changes):
        data = {
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "due_date": "",
            "tag_names": ", ".join(t.name for t in task.tags.all()),
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
        tag = TagFactory(owner=owner, name="old")

        response = admin_client.post(
            f"{CHANGELIST}add/",
            {
                "owner": owner.id,
                "title": "Added",
                "description": "",
                "priority": "low",
                "tag_names": "Old, new",
            },
        )

        assert response.status_code == 302
        task = Task.objects.get(title="Added")
        assert (task.owner, task.priority, task.version) == (owner, "low", 1)
        assert response["Location"] == f"{CHANGELIST}"
        assert [t.name for t in task.tags.all()] == ["new", "old"]
        assert task.tags.get(name="old") == tag
        assert set(Tag.objects.values_list("owner", flat=True)) == {owner.id}

    @pytest.mark.parametrize(
        ("bad_owner", "message"),
        [
            ("\x00", "Null characters are not allowed."),
            ("not-a-number", "Select a valid choice. That choice is not one of the available choices."),
            (
                "99999999999999999999",
                "Select a valid choice. That choice is not one of the available choices.",
            ),
        ],
    )
    def test_an_owner_that_is_no_user_is_a_form_error(self, admin_client, owner, bad_owner, message):
        response = admin_client.post(
            f"{CHANGELIST}add/",
            {"owner": bad_owner, "title": "Orphan", "description": "", "priority": "low", "tag_names": ""},
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["owner"] == [message]
        assert 'name="owner"' in response.content.decode()
        assert not Task.objects.exists()

    def test_change_page_loads(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["a"])

        assert admin_client.get(f"{CHANGELIST}{task.id}/change/").status_code == 200


class TestTagsStayWithTheOwner:
    """A task only ever carries its owner's tags, whatever the admin posts."""

    def change(self, client, task, **data):
        # The owner is read-only on this form: posting it anyway must change nothing.
        form = {
            "owner": task.owner_id,
            "title": task.title,
            "description": "",
            "priority": task.priority,
            "due_date": "",
            **data,
        }
        return client.post(f"{CHANGELIST}{task.id}/change/", form)

    def test_the_change_form_offers_only_the_owners_tags_as_names(self, admin_client, owner):
        TagFactory(owner=UserFactory(username="stranger"), name="strangers-secret")
        task = TaskFactory(owner=owner, tags=["mine", "also-mine"])

        response = admin_client.get(f"{CHANGELIST}{task.id}/change/")

        html = response.content.decode()
        assert "strangers-secret" not in html
        form = response.context["adminform"].form
        assert "tags" not in form.fields
        assert form["tag_names"].value() == "also-mine, mine"

    def test_another_owners_tag_cannot_be_saved_onto_a_task(self, admin_client, owner):
        theirs = TagFactory(owner=UserFactory(username="stranger"), name="secret")
        task = TaskFactory(owner=owner)

        response = self.change(admin_client, task, tags=[theirs.id], tag_names="secret")

        assert response.status_code == 302, response.content.decode()[:2000]
        (tag,) = task.tags.all()
        assert (tag.name, tag.owner) == ("secret", owner)
        assert tag != theirs
        assert not theirs.tasks.exists()

    def test_the_owner_of_a_task_cannot_be_changed(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["mine"])

        self.change(admin_client, task, owner=UserFactory(username="taker").id, tag_names="mine")

        task.refresh_from_db()
        assert task.owner == owner

    def test_an_invalid_tag_name_is_a_form_error_and_changes_nothing(self, admin_client, owner):
        task = TaskFactory(owner=owner, title="Keep")

        response = self.change(admin_client, task, title="Changed", tag_names="ok, Not/Slug")

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["tag_names"]
        task.refresh_from_db()
        assert (task.title, task.version, task.tags.count()) == ("Keep", 1, 0)

    def test_saving_without_changes_keeps_the_version(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["b", "a"])

        response = self.change(admin_client, task, tag_names="a, b")

        assert response.status_code == 302
        task.refresh_from_db()
        assert task.version == 1

    def test_changing_tags_replaces_them_and_bumps_the_version(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["old"])

        self.change(admin_client, task, tag_names="new another")

        task.refresh_from_db()
        assert sorted(t.name for t in task.tags.all()) == ["another", "new"]
        assert task.version == 2

    def test_deleting_a_tag_takes_it_off_its_tasks_with_a_new_version(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["gone", "kept"])
        gone = Tag.objects.get(owner=owner, name="gone")

        response = admin_client.post(f"/admin/tasks/tag/{gone.id}/delete/", {"post": "yes"})

        assert response.status_code == 302
        task.refresh_from_db()
        assert [t.name for t in task.tags.all()] == ["kept"]
        assert task.version == 2

    def test_a_tag_cannot_be_renamed_or_given_to_another_user(self, admin_client, owner):
        tag = TagFactory(owner=owner, name="mine")

        admin_client.post(f"/admin/tasks/tag/{tag.id}/change/", {"owner": UserFactory().id, "name": "other"})

        tag.refresh_from_db()
        assert (tag.owner, tag.name) == (owner, "mine")

    def test_deleting_tasks_with_the_admin_action(self, admin_client, owner):
        tasks = TaskFactory.create_batch(2, owner=owner, tags=["a"])

        response = admin_client.post(
            CHANGELIST,
            {"action": "delete_selected", "_selected_action": [str(t.id) for t in tasks], "post": "yes"},
        )

        assert response.status_code == 302
        assert not Task.objects.exists()
        assert not Task.tags.through.objects.exists()


class TestTagAdmin:
    def test_tag_changelist_loads(self, admin_client, owner):
        TagFactory(owner=owner, name="listed")

        response = admin_client.get("/admin/tasks/tag/")

        assert response.status_code == 200
        assert "listed" in response.content.decode()

    @pytest.mark.parametrize(
        "bad_id",
        ["\x00", "not-a-number", "1.5", "99999999999999999999", "6f1c2b0e-3d4a-4e5f-8a9b-0c1d2e3f4a5b"],
    )
    def test_deleting_with_an_id_that_is_no_tag_id_ignores_it(self, admin_client, owner, bad_id):
        doomed = TagFactory(owner=owner, name="doomed")
        TagFactory(owner=owner, name="kept")

        response = admin_client.post(
            "/admin/tasks/tag/",
            {"action": "delete_selected", "_selected_action": [bad_id, str(doomed.id)], "post": "yes"},
            follow=True,
        )

        assert response.status_code == 200
        assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]

    def test_a_name_that_breaks_the_slug_rule_is_a_form_error(self, admin_client, owner):
        response = admin_client.post("/admin/tasks/tag/add/", {"owner": owner.id, "name": "Not A Slug"})

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert not Tag.objects.exists()


class TestOwnerAutocomplete:
    """The task form's owner field searches users as the admin types."""

    URL = "/admin/autocomplete/"
    FOR_TASK_OWNER = {"app_label": "tasks", "model_name": "task", "field_name": "owner"}

    def test_finds_the_owner_by_name(self, admin_client, owner):
        response = admin_client.get(self.URL, {**self.FOR_TASK_OWNER, "term": "owner-of"})

        assert response.status_code == 200
        assert [result["text"] for result in response.json()["results"]] == ["owner-of-tasks"]

    def test_a_term_with_a_nul_character_finds_nothing_instead_of_failing(self, admin_client, owner):
        # PostgreSQL refuses a NUL in a query; no stored name can contain one.
        response = admin_client.get(self.URL, {**self.FOR_TASK_OWNER, "term": "owner\x00"})

        assert response.status_code == 200
        assert response.json()["results"] == []

    def test_it_is_for_staff_only(self, client, owner):
        response = client.get(self.URL, {**self.FOR_TASK_OWNER, "term": "owner\x00"})

        assert response.status_code == 302
