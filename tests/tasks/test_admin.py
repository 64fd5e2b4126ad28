"""The Django admin for tasks and tags, as a superuser uses it."""

import pytest
from django.contrib.messages import get_messages

from taskmanager.tasks.models import Tag, Task
from tests.factories import ProjectFactory, TagFactory, TaskFactory, UserFactory

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
    def test_loads_with_project_and_assignee_columns_and_filters(self, admin_client, owner):
        project = ProjectFactory(name="Launch", members={owner: "owner"})
        TaskFactory(project=project, assignee=owner, title="Visible task")
        TaskFactory(owner=owner)  # the project filter shows with tasks in two projects

        response = admin_client.get(CHANGELIST)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Visible task" in html
        assert '<td class="field-project nowrap">Launch</td>' in html
        assert '<td class="field-assignee nowrap">owner-of-tasks</td>' in html
        assert 'id="changelist-filter"' in html
        for label in ("By completed", "By priority", "By due date", "By project"):
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

    def test_search_by_tag_project_and_assignee_lists_each_task_once(self, admin_client, owner):
        project = ProjectFactory(name="Groceries", members={owner: "owner"})
        TaskFactory(project=project, assignee=owner, title="Tagged twice", tags=["shop", "shopping"])
        TaskFactory(owner=UserFactory(), title="Elsewhere")

        by_tag = admin_client.get(CHANGELIST, {"q": "shop"})
        by_project = admin_client.get(CHANGELIST, {"q": "groceries"})
        by_assignee = admin_client.get(CHANGELIST, {"q": "owner-of-tasks"})

        assert [t.title for t in by_tag.context["cl"].result_list] == ["Tagged twice"]
        assert [t.title for t in by_project.context["cl"].result_list] == ["Tagged twice"]
        assert by_assignee.context["cl"].result_count == 1

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

    @pytest.mark.parametrize("action", ["mark_completed", "delete_selected"])
    def test_actions_leave_tasks_of_archived_projects_alone(self, admin_client, owner, action):
        archived = TaskFactory(project=ProjectFactory(archived=True, members={owner: "owner"}))
        active = TaskFactory(owner=owner)
        extra = {"post": "yes"} if action == "delete_selected" else {}

        response = self.run_action(admin_client, action, [archived, active], **extra)

        assert response.status_code == 200
        archived.refresh_from_db()
        assert (archived.completed, archived.version) == (False, 1)
        assert Task.objects.filter(id=active.id, completed=True).exists() != (action == "delete_selected")

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
            "project": str(task.project_id),
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "due_date": "",
            "due_at_0": "",
            "due_at_1": "",
            "recurrence": "",
            "recur_from": "due",
            "tag_names": ", ".join(t.name for t in task.tags.all()),
            "assignee_name": task.assignee.username if task.assignee else "",
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
                "project": str(owner.inbox.id),
                "title": "Added",
                "description": "",
                "priority": "low",
                "tag_names": "Old, new",
                "assignee_name": "",
            },
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        task = Task.objects.get(title="Added")
        assert (task.project, task.priority, task.version, task.assignee) == (owner.inbox, "low", 1, None)
        assert task.created_by.username == "root"
        assert response["Location"] == f"{CHANGELIST}"
        assert [t.name for t in task.tags.all()] == ["new", "old"]
        assert task.tags.get(name="old") == tag
        assert set(Tag.objects.values_list("project", flat=True)) == {owner.inbox.id}

    def test_adding_a_task_assigned_to_a_member(self, admin_client, owner):
        project = ProjectFactory(members={owner: "viewer"})

        response = admin_client.post(
            f"{CHANGELIST}add/",
            {
                "project": str(project.id),
                "title": "Yours",
                "priority": "low",
                "assignee_name": "OWNER-of-tasks",
            },
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        assert Task.objects.get(title="Yours").assignee == owner

    @pytest.mark.parametrize(
        ("bad_project", "message"),
        [
            ("\x00", "Null characters are not allowed."),
            ("not-a-uuid", "“not-a-uuid” is not a valid UUID."),
            ("99999999999999999999", "“99999999999999999999” is not a valid UUID."),
            (
                "6f1c2b0e-3d4a-4e5f-8a9b-0c1d2e3f4a5b",
                "Select a valid choice. That choice is not one of the available choices.",
            ),
        ],
    )
    def test_a_project_that_is_no_project_is_a_form_error(self, admin_client, owner, bad_project, message):
        response = admin_client.post(
            f"{CHANGELIST}add/",
            {
                "project": bad_project,
                "title": "Orphan",
                "description": "",
                "priority": "low",
                "tag_names": "",
            },
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["project"] == [message]
        assert 'name="project"' in response.content.decode()
        assert not Task.objects.exists()

    def test_an_assignee_who_is_no_member_is_a_form_error_and_changes_nothing(self, admin_client, owner):
        outsider = UserFactory(username="outsider")
        task = TaskFactory(owner=owner, title="Keep")

        response = admin_client.post(
            f"{CHANGELIST}{task.id}/change/",
            self.form_data(task, title="Changed", assignee_name=outsider.username),
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["assignee_name"] == [
            "No member of this project has that username."
        ]
        task.refresh_from_db()
        assert (task.title, task.assignee, task.version) == ("Keep", None, 1)

    def test_a_task_of_an_archived_project_is_read_only(self, admin_client, owner):
        project = ProjectFactory(archived=True, members={owner: "owner"})
        task = TaskFactory(project=project, title="Frozen")

        response = admin_client.post(f"{CHANGELIST}{task.id}/change/", self.form_data(task, title="Thawed"))

        assert response.status_code == 200
        errors = response.context["adminform"].form.non_field_errors()
        assert any("archived" in error for error in errors), errors
        task.refresh_from_db()
        assert (task.title, task.version) == ("Frozen", 1)

    def test_change_page_loads(self, admin_client, owner):
        task = TaskFactory(owner=owner, tags=["a"])

        assert admin_client.get(f"{CHANGELIST}{task.id}/change/").status_code == 200

    def test_add_page_loads(self, admin_client, django_assert_max_num_queries):
        # A new task already has its id (a UUID default), but no tags to look up yet.
        with django_assert_max_num_queries(3) as captured:
            response = admin_client.get(f"{CHANGELIST}add/")

        assert response.status_code == 200
        assert not [q["sql"] for q in captured.captured_queries if "tasks_task_tags" in q["sql"]]


class TestTagsStayWithTheProject:
    """A task only ever carries its project's tags, whatever the admin posts."""

    def change(self, client, task, **data):
        form = {
            "project": str(task.project_id),
            "title": task.title,
            "description": "",
            "priority": task.priority,
            "due_date": "",
            "due_at_0": "",
            "due_at_1": "",
            "recurrence": "",
            "recur_from": "due",
            "assignee_name": task.assignee.username if task.assignee else "",
            **data,
        }
        return client.post(f"{CHANGELIST}{task.id}/change/", form)

    def test_the_change_form_offers_only_the_projects_tags_as_names(self, admin_client, owner):
        TagFactory(owner=UserFactory(username="stranger"), name="strangers-secret")
        task = TaskFactory(owner=owner, tags=["mine", "also-mine"])

        response = admin_client.get(f"{CHANGELIST}{task.id}/change/")

        html = response.content.decode()
        assert "strangers-secret" not in html
        form = response.context["adminform"].form
        assert "tags" not in form.fields
        assert form["tag_names"].value() == "also-mine, mine"

    def test_another_projects_tag_cannot_be_saved_onto_a_task(self, admin_client, owner):
        theirs = TagFactory(owner=UserFactory(username="stranger"), name="secret")
        task = TaskFactory(owner=owner)

        response = self.change(admin_client, task, tags=[theirs.id], tag_names="secret")

        assert response.status_code == 302, response.content.decode()[:2000]
        (tag,) = task.tags.all()
        assert (tag.name, tag.project) == ("secret", owner.inbox)
        assert tag != theirs
        assert not theirs.tasks.exists()

    def test_moving_a_task_to_another_project_takes_its_tag_names_along(self, admin_client, owner):
        helper = UserFactory(username="helper")
        task = TaskFactory(owner=owner, tags=["mine"])
        target = ProjectFactory(members={owner: "owner", helper: "editor"})

        response = self.change(admin_client, task, project=str(target.id), tag_names="mine")

        assert response.status_code == 302, response.content.decode()[:2000]
        task.refresh_from_db()
        assert (task.project, task.version) == (target, 2)
        assert [(tag.name, tag.project) for tag in task.tags.all()] == [("mine", target)]
        assert Tag.objects.get(project=owner.inbox, name="mine").tasks.count() == 0

    def test_moving_a_task_away_from_its_assignee_unassigns_them(self, admin_client, owner):
        shared = ProjectFactory(members={owner: "owner"})
        task = TaskFactory(project=shared, assignee=owner)
        target = ProjectFactory(members={UserFactory(): "owner"})

        response = self.change(admin_client, task, project=str(target.id))

        assert response.status_code == 302, response.content.decode()[:2000]
        task.refresh_from_db()
        assert (task.project, task.assignee) == (target, None)

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
        gone = Tag.objects.get(project=owner.inbox, name="gone")

        response = admin_client.post(f"/admin/tasks/tag/{gone.id}/delete/", {"post": "yes"})

        assert response.status_code == 302
        task.refresh_from_db()
        assert [t.name for t in task.tags.all()] == ["kept"]
        assert task.version == 2

    def test_a_tag_cannot_be_renamed_or_given_to_another_project(self, admin_client, owner):
        tag = TagFactory(owner=owner, name="mine")

        admin_client.post(
            f"/admin/tasks/tag/{tag.id}/change/", {"project": str(ProjectFactory().id), "name": "other"}
        )

        tag.refresh_from_db()
        assert (tag.project, tag.name) == (owner.inbox, "mine")

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
        response = admin_client.post(
            "/admin/tasks/tag/add/", {"project": str(owner.inbox.id), "name": "Not A Slug"}
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert not Tag.objects.exists()


@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
class TestProjectAutocomplete:
    """The task form's project field searches projects as the admin types, in a stable order."""

    URL = "/admin/autocomplete/"
    FOR_TASK_PROJECT = {"app_label": "tasks", "model_name": "task", "field_name": "project"}

    def test_finds_a_project_by_name_or_by_member(self, admin_client, owner):
        launch = ProjectFactory(name="Launch plan", members={owner: "editor"})
        ProjectFactory(name="Unrelated")

        by_name = admin_client.get(self.URL, {**self.FOR_TASK_PROJECT, "term": "launch"})
        by_member = admin_client.get(self.URL, {**self.FOR_TASK_PROJECT, "term": "owner-of"})

        assert by_name.status_code == 200
        assert [result["text"] for result in by_name.json()["results"]] == ["Launch plan"]
        assert {result["id"] for result in by_member.json()["results"]} == {
            str(launch.id),
            str(owner.inbox.id),
        }

    def test_a_term_with_a_nul_character_finds_nothing_instead_of_failing(self, admin_client, owner):
        # PostgreSQL refuses a NUL in a query; no stored name can contain one.
        response = admin_client.get(self.URL, {**self.FOR_TASK_PROJECT, "term": "owner\x00"})

        assert response.status_code == 200
        assert response.json()["results"] == []

    def test_it_is_for_staff_only(self, client, owner):
        response = client.get(self.URL, {**self.FOR_TASK_PROJECT, "term": "owner\x00"})

        assert response.status_code == 302
