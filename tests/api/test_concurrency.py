"""Simultaneous writes from separate connections, as from many API pods: no update is lost.

These run real threads, each with its own database connection, against
PostgreSQL. SQLite serialises writers per file and has no row locks to
exercise, so there the tests are skipped.
"""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from taskmanager.tasks.models import Tag, Task
from tests.api.helpers import TASKS_URL, task_url
from tests.concurrency import wait_for_lock_waiters
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.prerequisites import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("row-lock concurrency")


def client_for(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def run_in_threads(calls):
    """Run each call in its own thread (own DB connection); return their results in order."""
    results, errors = [None] * len(calls), []
    barrier = threading.Barrier(len(calls))

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # surfaced in the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results, errors


@pytest.mark.parametrize("writers", ["one user twice", "two members"])
def test_two_simultaneous_updates_of_one_task_both_apply(writers):
    user = UserFactory(username="racer")
    if writers == "one user twice":
        task = TaskFactory(owner=user, title="Before", priority="low")
        other = user
    else:
        other = UserFactory(username="co-racer")
        project = ProjectFactory(members={user: "owner", other: "editor"})
        task = TaskFactory(project=project, title="Before", priority="low")
    first, second = client_for(user), client_for(other)
    url = task_url(task)

    # Hold the row so both requests are in flight at once, then let them go.
    with transaction.atomic():
        Task.objects.select_for_update().get(id=task.id)
        threads, results, errors = run_in_threads(
            [
                lambda: first.patch(url, {"title": "From first"}, format="json"),
                lambda: second.patch(url, {"priority": "high"}, format="json"),
            ]
        )
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert [r.status_code for r in results] == [200, 200]
    task.refresh_from_db()
    assert task.version == 3
    assert (task.title, task.priority) == ("From first", "high")
    assert sorted(r.json()["version"] for r in results) == [2, 3]


def test_many_simultaneous_updates_each_bump_the_version_once():
    user = UserFactory(username="crowd")
    task = TaskFactory(owner=user)
    clients = [client_for(user) for _ in range(4)]
    url = task_url(task)

    threads, results, errors = run_in_threads(
        [
            lambda c=client, n=n: c.patch(url, {"description": f"writer {n}"}, format="json")
            for n, client in enumerate(clients)
        ]
    )
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert [r.status_code for r in results] == [200] * 4
    task.refresh_from_db()
    assert task.version == 5
    assert sorted(r.json()["version"] for r in results) == [2, 3, 4, 5]


def test_conditional_updates_from_the_same_read_let_exactly_one_win():
    user = UserFactory(username="editor")
    task = TaskFactory(owner=user)
    first, second = client_for(user), client_for(user)
    url = task_url(task)
    etag = first.get(url)["ETag"]

    with transaction.atomic():
        Task.objects.select_for_update().get(id=task.id)
        threads, results, errors = run_in_threads(
            [
                lambda: first.patch(url, {"title": "A"}, format="json", HTTP_IF_MATCH=etag),
                lambda: second.patch(url, {"title": "B"}, format="json", HTTP_IF_MATCH=etag),
            ]
        )
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200)
    task.refresh_from_db()
    assert task.title == winner.json()["title"]
    assert task.version == 2


def test_simultaneous_creates_with_the_same_new_tag_share_one_tag():
    user = UserFactory(username="tagger")
    clients = [client_for(user) for _ in range(3)]

    threads, results, errors = run_in_threads(
        [
            lambda c=client, n=n: c.post(TASKS_URL, {"title": f"t{n}", "tags": ["fresh"]}, format="json")
            for n, client in enumerate(clients)
        ]
    )
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert [r.status_code for r in results] == [201] * 3
    assert Tag.objects.filter(project=user.inbox, name="fresh").count() == 1
    assert Task.objects.filter(project=user.inbox, tags__name="fresh").count() == 3


RACE_ROUNDS = 10
RACE_TASKS = 20
RACE_TAG_WRITERS = 7


def race_tasks(user, *, completed) -> list[Task]:
    return [TaskFactory(owner=user, completed=completed, tags=["k1", "k2"]) for _ in range(RACE_TASKS)]


@pytest.mark.parametrize(
    ("completed", "send_delete"),
    [
        (
            False,
            lambda client, ids: client.post(
                f"{TASKS_URL}bulk/", {"action": "delete", "ids": ids}, format="json"
            ),
        ),
        (True, lambda client, _ids: client.post(f"{TASKS_URL}clear-completed/")),
    ],
    ids=["bulk-delete", "clear-completed"],
)
def test_deleting_many_tasks_while_their_tags_change_always_succeeds(completed, send_delete, caplog):
    user = UserFactory(username="bulk-racer")
    deleter = client_for(user)
    taggers = [client_for(user) for _ in range(RACE_TAG_WRITERS)]
    failed_rounds = []

    for round_number in range(RACE_ROUNDS):
        tasks = race_tasks(user, completed=completed)
        ids = [str(task.id) for task in tasks]
        # Spread the tag writers over the id range, so the delete meets them in the middle of its work.
        targets = sorted(tasks, key=lambda task: task.id.hex)[1::3][:RACE_TAG_WRITERS]
        threads, results, errors = run_in_threads(
            [
                lambda ids=ids: send_delete(deleter, ids),
                *(
                    lambda c=client, t=target: c.patch(task_url(t), {"tags": ["k3"]}, format="json")
                    for client, target in zip(taggers, targets, strict=True)
                ),
            ]
        )
        for thread in threads:
            thread.join()

        assert not errors, errors
        delete_status, *tag_statuses = [response.status_code for response in results]
        left = Task.objects.filter(id__in=ids).count()
        orphan_links = Task.tags.through.objects.filter(task_id__in=ids).count()
        if delete_status != 200 or left or orphan_links or not set(tag_statuses) <= {200, 404}:
            failed_rounds.append((round_number, delete_status, tag_statuses, left, orphan_links))
        else:
            assert results[0].json() in (
                {"action": "delete", "affected": RACE_TASKS},
                {"deleted": RACE_TASKS},
            )
        # Whatever happened, start the next round from a clean slate.
        Task.objects.filter(project=user.inbox).delete()

    assert not failed_rounds, (
        f"{len(failed_rounds)} of {RACE_ROUNDS} rounds failed "
        "(round, delete status, tag writer statuses, tasks left, links left): "
        f"{failed_rounds}"
    )
    # Every tag a writer asked for exists once, in the tasks' project.
    assert Tag.objects.filter(name="k3").count() <= 1
    assert set(Tag.objects.values_list("project", flat=True)) <= {user.inbox.id}
    # The lock order alone kept them apart: no write had to be started over.
    assert not retried_writes(caplog)


def retried_writes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "taskmanager.domain.transactions"]


def test_creates_sharing_new_tags_in_different_orders_never_deadlock(caplog):
    user = UserFactory(username="tag-orders")
    clients = [client_for(user) for _ in range(4)]

    # As many new tags per task as allowed: the longer each INSERT, the likelier the writers overlap.
    for round_number in range(20):
        names = [f"r{round_number}-{letter}" for letter in "abcdefghijklmnopqrst"]
        orders = [names, names[::-1], names[1::2] + names[::2], names[::2] + names[1::2]]
        threads, results, errors = run_in_threads(
            [
                lambda c=client, order=order: c.post(TASKS_URL, {"title": "t", "tags": order}, format="json")
                for client, order in zip(clients, orders, strict=True)
            ]
        )
        for thread in threads:
            thread.join()

        assert not errors, errors
        assert [r.status_code for r in results] == [201] * 4
        assert Tag.objects.filter(project=user.inbox, name__in=names).count() == len(names)
    assert not retried_writes(caplog)


def test_deleting_a_tag_in_the_admin_while_tasks_are_tagged_with_it():
    user = UserFactory(username="tag-keeper")
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    taggers = [client_for(user) for _ in range(6)]

    for _round in range(5):
        tasks = [TaskFactory(owner=user, tags=["k1"]) for _ in range(len(taggers))]
        doomed = Tag.objects.get(project=user.inbox, name="k1")
        threads, results, errors = run_in_threads(
            [
                lambda url=f"/admin/tasks/tag/{doomed.id}/delete/": admin.post(url, {"post": "yes"}),
                *(
                    lambda c=client, t=task: c.patch(task_url(t), {"tags": ["k1", "k2"]}, format="json")
                    for client, task in zip(taggers, tasks, strict=True)
                ),
            ]
        )
        for thread in threads:
            thread.join()

        assert not errors, errors
        assert [r.status_code for r in results] == [302] + [200] * len(taggers)
        assert not Tag.objects.filter(id=doomed.id).exists()
        for task, response in zip(tasks, results[1:], strict=True):
            task.refresh_from_db()
            names = sorted(task.tags.values_list("name", flat=True))
            if names == ["k2"]:
                # Tagged before the delete, which then took k1 off with a new version.
                assert task.version == response.json()["version"] + 1
            else:
                # Tagged after the delete, with a k1 created afresh.
                assert (names, task.version) == (["k1", "k2"], response.json()["version"])
        Task.objects.filter(project=user.inbox).delete()
        Tag.objects.filter(project=user.inbox).delete()
