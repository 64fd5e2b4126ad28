"""The migration of tasks and tags from their owners into each owner's Inbox, and back.

Each test migrates the test database back to before the projects app,
writes rows through the historical models of that state, migrates forward
(or back) and checks the rows. The database is migrated to the latest state
again afterwards, whatever happened.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.prerequisites import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_PROJECTS = [("tasks", "0002_task_owner_stats_index"), ("projects", None)]
T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def migrate(targets):
    """Migrate to ``targets`` and return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor = MigrationExecutor(connection)
    # A state names migrations; (app, None) means "none of the app's", which the others leave out.
    return executor.loader.project_state([target for target in targets if target[1] is not None]).apps


def latest_targets():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_projects():
    """The apps of the state before projects existed; the latest state is restored afterwards."""
    require_postgresql("migrating the test database back and forth")
    try:
        yield migrate(BEFORE_PROJECTS)
    finally:
        migrate(latest_targets())


def user_model(apps):
    return apps.get_model(*settings.AUTH_USER_MODEL.split("."))


def old_task(apps, owner, title, *, tags=(), completed=False, version=1, age=0):
    """A task of the old schema with explicit times (update(), so auto_now leaves them)."""
    Task, Tag = apps.get_model("tasks", "Task"), apps.get_model("tasks", "Tag")
    task = Task.objects.create(owner=owner, title=title, priority="high" if completed else "low")
    created = T0 + timedelta(days=age)
    Task.objects.filter(id=task.id).update(
        completed=completed,
        completed_at=created + timedelta(hours=5) if completed else None,
        version=version,
        created_at=created,
        updated_at=created + timedelta(hours=7, microseconds=age),
    )
    if tags:
        task.tags.set([Tag.objects.get_or_create(owner=owner, name=name)[0] for name in tags])
    return Task.objects.get(id=task.id)


def old_world(apps):
    User = user_model(apps)
    ann, ben, cy = (User.objects.create(username=name) for name in ("ann", "ben", "cy"))
    tasks = [
        old_task(apps, ann, "Write", tags=["work", "urgent"], version=4, age=1),
        old_task(apps, ann, "Read", tags=["work"], completed=True, version=2, age=2),
        old_task(apps, ann, "Rest", age=3),
        old_task(apps, ben, "Cook", tags=["home", "work"], completed=True, version=9, age=4),
    ]
    return {"users": (ann, ben, cy), "tasks": tasks}


def snapshot(task):
    return {
        "id": task.id,
        "title": task.title,
        "version": task.version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "completed": task.completed,
        "completed_at": task.completed_at,
    }


def test_every_task_moves_into_its_owners_inbox_unchanged(before_projects):
    apps = before_projects
    world = old_world(apps)
    before = {
        task.id: (snapshot(task), task.owner_id, sorted(t.name for t in task.tags.all()))
        for task in world["tasks"]
    }
    old_tag_count = apps.get_model("tasks", "Tag").objects.count()

    apps = migrate(latest_targets())

    Task, Tag = apps.get_model("tasks", "Task"), apps.get_model("tasks", "Tag")
    Project, Membership = apps.get_model("projects", "Project"), apps.get_model("projects", "Membership")
    assert Task.objects.count() == len(before)
    for task in Task.objects.select_related("project"):
        unchanged, owner_id, tag_names = before[task.id]
        assert snapshot(task) == unchanged
        assert task.project.inbox_of_id == owner_id
        assert task.created_by_id == owner_id
        assert task.assignee_id is None
        assert sorted(tag.name for tag in task.tags.all()) == tag_names
        assert all(tag.project_id == task.project_id for tag in task.tags.all())
    assert Tag.objects.count() == old_tag_count
    for user in world["users"]:
        inboxes = Project.objects.filter(inbox_of_id=user.id)
        assert inboxes.count() == 1, user.username
        inbox = inboxes.get()
        assert (inbox.name, inbox.archived, inbox.version) == ("Inbox", False, 1)
        assert list(Membership.objects.filter(project=inbox).values_list("user_id", "role")) == [
            (user.id, "owner")
        ]
    # Nothing else: no project without its user, no membership elsewhere.
    assert Project.objects.count() == len(world["users"])
    assert Membership.objects.count() == len(world["users"])
    # Tags of the same name stay apart per owner: "work" is in ann's and ben's Inbox.
    assert Tag.objects.filter(name="work").count() == 2


def test_going_back_with_inbox_tasks_only_gives_them_back_to_their_owners(before_projects):
    apps = before_projects
    world = old_world(apps)
    before = {
        task.id: (snapshot(task), task.owner_id, sorted(t.name for t in task.tags.all()))
        for task in world["tasks"]
    }
    migrate(latest_targets())

    apps = migrate(BEFORE_PROJECTS)

    Task = apps.get_model("tasks", "Task")
    assert Task.objects.count() == len(before)
    for task in Task.objects.all():
        unchanged, owner_id, tag_names = before[task.id]
        assert snapshot(task) == unchanged
        assert task.owner_id == owner_id
        assert sorted(tag.name for tag in task.tags.all()) == tag_names
        assert all(tag.owner_id == owner_id for tag in task.tags.all())


def test_going_back_refuses_while_shared_projects_have_tasks(before_projects):
    old_world(before_projects)
    apps = migrate(latest_targets())
    Project, Membership = apps.get_model("projects", "Project"), apps.get_model("projects", "Membership")
    Task, User = apps.get_model("tasks", "Task"), user_model(apps)
    ann = User.objects.get(username="ann")
    shared = Project.objects.create(name="Shared")
    Membership.objects.create(project=shared, user=ann, role="owner")
    Task.objects.create(project=shared, created_by=ann, title="Ours")

    with pytest.raises(RuntimeError, match="tasks in shared projects"):
        migrate(BEFORE_PROJECTS)

    # Nothing moved: forward again, every task is in the project it was in.
    apps = migrate(latest_targets())
    Task = apps.get_model("tasks", "Task")
    assert Task.objects.count() == 5
    assert Task.objects.get(title="Ours").project_id == shared.id
    assert set(Task.objects.exclude(title="Ours").values_list("project__inbox_of__username", flat=True)) == {
        "ann",
        "ben",
    }


def test_going_back_drops_the_unused_tags_of_shared_projects(before_projects):
    old_world(before_projects)
    apps = migrate(latest_targets())
    Project, Membership = apps.get_model("projects", "Project"), apps.get_model("projects", "Membership")
    Tag, User = apps.get_model("tasks", "Tag"), user_model(apps)
    ann = User.objects.get(username="ann")
    shared = Project.objects.create(name="Emptied")
    Membership.objects.create(project=shared, user=ann, role="owner")
    # Its tasks were moved out or deleted: their tags stay behind, on no task.
    Tag.objects.create(project=shared, name="work")
    Tag.objects.create(project=shared, name="later")

    apps = migrate(BEFORE_PROJECTS)

    Tag = apps.get_model("tasks", "Tag")
    assert sorted(Tag.objects.values_list("owner__username", "name")) == [
        ("ann", "urgent"),
        ("ann", "work"),
        ("ben", "home"),
        ("ben", "work"),
    ]
