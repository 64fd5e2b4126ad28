"""Membership changes racing each other and the members' own writes, from separate connections.

Where the order matters, the test holds a row lock so that both requests are
in flight at once, checks they queue, and lets them go; the rounds without
a held lock let the requests race as they come.
"""

import pytest
from django.db import transaction

from taskmanager.projects.models import Membership, Project
from taskmanager.tasks.models import Tag, Task
from tests.api.project_helpers import TASKS_URL, member_url, members_url, project_url, task_url, token_client
from tests.concurrency import InThread, all_at_once, wait_for_lock_waiters
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACE_ROUNDS = 8


@pytest.fixture
def owners():
    ann, ben = UserFactory(username="ann"), UserFactory(username="ben")
    return ann, ben


def owners_of(project) -> list[str]:
    return sorted(
        Membership.objects.filter(project=project, role="owner").values_list("user__username", flat=True)
    )


def demote(client, project, username):
    return lambda: client.patch(member_url(project, username), {"role": "editor"}, format="json")


def remove(client, project, username):
    return lambda: client.delete(member_url(project, username))


def with_project_held(project, *calls):
    """Run the calls while this connection holds the project's row, so they all queue on it."""
    with transaction.atomic():
        Project.objects.select_for_update().get(id=project.id)
        running = [InThread(call) for call in calls]
        wait_for_lock_waiters(len(calls))
    return [call.join() for call in running]


# What each of two owners does to the other (or to themself), and the statuses that may come back.
RACES = {
    "demote each other": (lambda a, b, p: (demote(a, p, "ben"), demote(b, p, "ann")), [200, 403]),
    "remove each other": (lambda a, b, p: (remove(a, p, "ben"), remove(b, p, "ann")), [204, 404]),
    "demote and remove": (lambda a, b, p: (demote(a, p, "ben"), remove(b, p, "ann")), None),
    "both leave": (lambda a, b, p: (remove(a, p, "ann"), remove(b, p, "ben")), [204, 409]),
    "both step down": (lambda a, b, p: (demote(a, p, "ann"), demote(b, p, "ben")), [200, 409]),
}


@pytest.mark.parametrize("race", list(RACES))
def test_two_owners_never_leave_the_project_without_an_owner(owners, race):
    ann, ben = owners
    project = ProjectFactory(members={ann: "owner", ben: "owner"})
    calls, statuses = RACES[race]

    results = with_project_held(project, *calls(token_client(ann), token_client(ben), project))

    assert len(owners_of(project)) == 1, [r.content for r in results]
    if statuses is not None:
        assert sorted(r.status_code for r in results) == statuses
    else:
        # Whoever went first wins; the other is refused (403 demoted, or 404 removed).
        assert sorted(r.status_code for r in results) in ([200, 403], [204, 404])


@pytest.mark.parametrize("race", list(RACES))
def test_two_owners_racing_freely_keep_an_owner(owners, race):
    ann, ben = owners
    first, second = token_client(ann), token_client(ben)
    calls, _statuses = RACES[race]

    for round_number in range(RACE_ROUNDS):
        project = ProjectFactory(members={ann: "owner", ben: "owner"})
        results = all_at_once(*calls(first, second, project))
        assert len(owners_of(project)) == 1, (round_number, [r.content for r in results])
        assert all(r.status_code < 500 for r in results)


@pytest.fixture
def team():
    """ann owns it; bob edits it and is assigned its first task, not its second."""
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    project = ProjectFactory(members={ann: "owner", bob: "editor"})
    task = TaskFactory(project=project, title="Before", assignee=bob)
    TaskFactory(project=project, title="Before")
    return project, task, token_client(ann), token_client(bob)


@pytest.mark.parametrize("assigned", [True, False], ids=["his task", "another task"])
def test_a_removal_that_goes_first_refuses_the_members_update(team, assigned):
    project, held, owner, bob = team
    task = held if assigned else Task.objects.exclude(id=held.id).get()
    # Holding his task makes the removal wait (to unassign it) with his membership locked.
    with transaction.atomic():
        Task.objects.select_for_update().get(id=held.id)
        removal = InThread(remove(owner, project, "bob"))
        wait_for_lock_waiters(1)
        update = InThread(lambda: bob.patch(task_url(task), {"title": "Late"}, format="json"))
        wait_for_lock_waiters(2)

    assert removal.join().status_code == 204
    assert update.join().status_code == 404
    task.refresh_from_db()
    assert (task.title, task.assignee_id, task.version) == ("Before", None, 2 if assigned else 1)


def test_an_update_that_goes_first_commits_and_the_removal_then_unassigns(team):
    project, task, owner, bob = team
    # Holding the task makes the update wait with bob's membership held for his write.
    with transaction.atomic():
        Task.objects.select_for_update().get(id=task.id)
        update = InThread(lambda: bob.patch(task_url(task), {"title": "Early"}, format="json"))
        wait_for_lock_waiters(1)
        removal = InThread(remove(owner, project, "bob"))
        wait_for_lock_waiters(2)

    updated = update.join()
    assert updated.status_code == 200, updated.content
    assert (updated.json()["assignee"], updated.json()["version"]) == ("bob", 2)
    assert removal.join().status_code == 204
    task.refresh_from_db()
    assert (task.title, task.assignee_id, task.version) == ("Early", None, 3)
    assert not Membership.objects.filter(project=project, user__username="bob").exists()


def test_a_members_updates_racing_their_removal_never_commit_after_it(team):
    project, task, owner, bob = team
    bob_user = Membership.objects.get(project=project, user__username="bob").user

    for round_number in range(RACE_ROUNDS * 2):
        Membership.objects.get_or_create(project=project, user=bob_user, defaults={"role": "editor"})
        Task.objects.filter(id=task.id).update(assignee=bob_user, title="Before")
        version = Task.objects.get(id=task.id).version
        title = f"Round {round_number}"

        updated, removed = all_at_once(
            lambda title=title: bob.patch(task_url(task), {"title": title}, format="json"),
            remove(owner, project, "bob"),
        )

        assert removed.status_code == 204, removed.content
        task.refresh_from_db()
        assert task.assignee_id is None
        if updated.status_code == 200:
            # Committed before the removal: it saw bob still assigned, and the removal came after.
            assert (updated.json()["assignee"], updated.json()["version"]) == ("bob", version + 1)
            assert (task.title, task.version) == (title, version + 2)
        else:
            assert updated.status_code == 404, updated.content
            assert (task.title, task.version) == ("Before", version + 1)


@pytest.mark.parametrize("held", [True, False], ids=["queued", "racing"])
def test_adding_the_same_user_twice_at_once_makes_one_membership(owners, held):
    ann, ben = owners
    UserFactory(username="nick")
    project = ProjectFactory(members={ann: "owner", ben: "owner"})
    first, second = token_client(ann), token_client(ben)
    calls = [
        lambda: first.post(members_url(project), {"username": "nick", "role": "viewer"}, format="json"),
        lambda: second.post(members_url(project), {"username": "Nick", "role": "editor"}, format="json"),
    ]

    results = with_project_held(project, *calls) if held else all_at_once(*calls)

    assert sorted(r.status_code for r in results) == [201, 400], [r.content for r in results]
    refused = next(r for r in results if r.status_code == 400)
    assert refused.json()["error"]["fields"] == {
        "username": ["That user is already a member; change their role instead."]
    }
    assert Membership.objects.filter(project=project, user__username="nick").count() == 1


def retried_writes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "taskmanager.domain.transactions"]


@pytest.fixture
def crew():
    """ann owns it; bob edits it; cy views it (and is who bob assigns)."""
    ann, bob, cy = UserFactory(username="ann"), UserFactory(username="bob"), UserFactory(username="cy")
    project = ProjectFactory(members={ann: "owner", bob: "editor", cy: "viewer"})
    return project, token_client(ann), token_client(bob), cy


def test_a_members_create_racing_their_removal_takes_turns_without_a_deadlock(crew, caplog):
    project, owner, bob, cy = crew
    # Holding cy's membership stops bob's create after it holds his own, until the removal waits for it.
    with transaction.atomic():
        Membership.objects.select_for_update().get(project=project, user=cy)
        create = InThread(
            lambda: bob.post(
                TASKS_URL, {"title": "New", "project": str(project.id), "assignee": "cy"}, format="json"
            )
        )
        wait_for_lock_waiters(1)
        removal = InThread(remove(owner, project, "bob"))
        wait_for_lock_waiters(2)

    created = create.join()
    assert removal.join().status_code == 204
    # bob's create went first: it holds his membership until it commits, and the removal waits for it.
    assert created.status_code == 201, created.content
    assert Task.objects.get(id=created.json()["id"]).project_id == project.id
    assert not Membership.objects.filter(project=project, user__username="bob").exists()
    assert not retried_writes(caplog), retried_writes(caplog)


def test_a_new_tag_racing_the_removal_of_the_tasks_assignee_takes_turns_without_a_deadlock(crew, caplog):
    project, owner, bob, cy = crew
    task = TaskFactory(project=project, title="Theirs", assignee=cy)
    # An uncommitted tag of that name stops bob's update with the task locked, until the removal waits for it.
    with transaction.atomic():
        Tag.objects.create(project=project, name="fresh")
        update = InThread(lambda: bob.patch(task_url(task), {"tags": ["fresh"]}, format="json"))
        wait_for_lock_waiters(1)
        removal = InThread(remove(owner, project, "cy"))
        wait_for_lock_waiters(2)
        transaction.set_rollback(True)

    updated = update.join()
    assert updated.status_code == 200, updated.content
    assert (updated.json()["tags"], updated.json()["assignee"]) == (["fresh"], "cy")
    assert removal.join().status_code == 204
    task.refresh_from_db()
    assert (task.assignee_id, task.version) == (None, 3)
    assert not retried_writes(caplog), retried_writes(caplog)


def test_a_create_racing_the_projects_deletion_takes_turns_without_a_deadlock(crew, caplog):
    project, owner, bob, cy = crew
    with transaction.atomic():
        Membership.objects.select_for_update().get(project=project, user=cy)
        create = InThread(
            lambda: bob.post(
                TASKS_URL, {"title": "New", "project": str(project.id), "assignee": "cy"}, format="json"
            )
        )
        wait_for_lock_waiters(1)
        deletion = InThread(lambda: owner.delete(project_url(project)))
        wait_for_lock_waiters(2)

    assert create.join().status_code == 201
    assert deletion.join().status_code == 204
    # The deletion waited for the create, then took its task along.
    assert not Project.objects.filter(id=project.id).exists()
    assert not Task.objects.filter(project_id=project.id).exists()
    assert not retried_writes(caplog), retried_writes(caplog)


def test_an_update_in_flight_makes_the_archiving_wait_and_commits_before_it(team):
    project, task, owner, bob = team
    # Holding the task makes bob's update wait with the project row share-locked for his write.
    with transaction.atomic():
        Task.objects.select_for_update().get(id=task.id)
        update = InThread(lambda: bob.patch(task_url(task), {"title": "Just in time"}, format="json"))
        wait_for_lock_waiters(1)
        archiving = InThread(lambda: owner.patch(project_url(project), {"archived": True}, format="json"))
        wait_for_lock_waiters(2)

    assert update.join().status_code == 200
    assert archiving.join().status_code == 200
    task.refresh_from_db()
    project.refresh_from_db()
    assert (task.title, project.archived) == ("Just in time", True)
    late = bob.patch(task_url(task), {"title": "Too late"}, format="json")
    assert late.status_code == 409


def test_an_archiving_that_goes_first_refuses_the_update_waiting_on_it(team):
    project, task, owner, bob = team
    with transaction.atomic():
        Project.objects.select_for_update(no_key=True).get(id=project.id)
        archiving = InThread(lambda: owner.patch(project_url(project), {"archived": True}, format="json"))
        wait_for_lock_waiters(1)
        update = InThread(lambda: bob.patch(task_url(task), {"title": "Sneaked in"}, format="json"))
        wait_for_lock_waiters(2)

    assert archiving.join().status_code == 200
    assert update.join().status_code == 409
    task.refresh_from_db()
    assert task.title == "Before"
