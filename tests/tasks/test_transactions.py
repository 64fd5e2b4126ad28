"""write_transaction against real PostgreSQL failures: a deadlock and a serialization failure.

Each writer runs in its own thread, so on its own database connection.
"""

import logging
import threading
from collections import Counter

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from taskmanager.domain.transactions import WRITE_ATTEMPTS, RetryableConflict, write_transaction
from taskmanager.tasks.models import Tag, Task
from tests.factories import TaskFactory, UserFactory
from tests.prerequisites import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 20


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("provoking deadlocks and serialization failures")


def in_thread(call):
    """Start ``call`` in a thread with its own connection; join() it, then read outcome[0]."""
    outcome = []

    def run():
        try:
            outcome.append(call())
        except Exception as error:  # returned to the test to assert on
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def crossing_writers(first: Task, second: Task, attempts: Counter):
    """Two writes that lock the same two rows in opposite orders, both holding their first
    row before either asks for its second: on their first attempts, a deadlock."""
    both_hold_one_row = threading.Barrier(2, timeout=WAIT_SECONDS)

    def writer(name, rows):
        def write():
            attempts[name] += 1
            with connection.cursor() as cursor:
                # Find the cycle quickly rather than after the default second.
                cursor.execute("SET LOCAL deadlock_timeout = '100ms'")
            for index, row in enumerate(rows):
                Task.objects.filter(id=row.id).update(description=Concat(F("description"), Value(f"+{name}")))
                if index == 0 and attempts[name] == 1:
                    both_hold_one_row.wait()
            return name

        return write

    return writer("a", [first, second]), writer("b", [second, first])


def test_a_deadlock_is_retried_and_both_writes_apply(caplog):
    first, second = TaskFactory(), TaskFactory()
    attempts = Counter()
    write_a, write_b = crossing_writers(first, second, attempts)

    with caplog.at_level(logging.WARNING, logger="taskmanager.domain.transactions"):
        runs = [in_thread(write_transaction(write_a)), in_thread(write_transaction(write_b))]
        for thread, _outcome in runs:
            thread.join(WAIT_SECONDS)

    assert [outcome for _thread, outcome in runs] == [["a"], ["b"]]
    # One was chosen as the deadlock victim and ran again (on a busy machine the
    # retry can meet the other write again, so possibly more than once).
    assert sum(attempts.values()) >= 3
    assert max(attempts.values()) <= WRITE_ATTEMPTS
    assert any("deadlock detected" in record.getMessage() for record in caplog.records)
    for task in (first, second):
        task.refresh_from_db()
        assert sorted(task.description.split("+")[1:]) == ["a", "b"]


def test_inside_a_callers_transaction_a_deadlock_goes_to_the_caller():
    first, second = TaskFactory(), TaskFactory()
    attempts = Counter()
    writes = crossing_writers(first, second, attempts)

    def in_callers_transaction(write):
        def call():
            with transaction.atomic():
                return write_transaction(write)()

        return call

    runs = [in_thread(in_callers_transaction(write)) for write in writes]
    for thread, _outcome in runs:
        thread.join(WAIT_SECONDS)

    outcomes = [outcome[0] for _thread, outcome in runs]
    failures = [outcome for outcome in outcomes if isinstance(outcome, OperationalError)]
    assert len(failures) == 1, outcomes
    assert "deadlock detected" in str(failures[0])
    assert sorted(attempts.values()) == [1, 1]


def test_a_serialization_failure_is_retried_on_a_fresh_snapshot():
    task = TaskFactory(version=1)
    snapshot_taken, other_committed = threading.Event(), threading.Event()
    attempts = Counter()

    @write_transaction
    def bump_from_snapshot():
        attempts["bump"] += 1
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        Task.objects.get(id=task.id)  # the snapshot is taken here
        if attempts["bump"] == 1:
            snapshot_taken.set()
            other_committed.wait(WAIT_SECONDS)
        Task.objects.filter(id=task.id).update(version=F("version") + 1)
        return Task.objects.get(id=task.id).version

    thread, outcome = in_thread(bump_from_snapshot)
    assert snapshot_taken.wait(WAIT_SECONDS)
    Task.objects.filter(id=task.id).update(version=F("version") + 10)  # commits on its own
    other_committed.set()
    thread.join(WAIT_SECONDS)

    assert outcome == [12]
    assert attempts["bump"] == 2


def test_other_database_errors_are_not_retried():
    user = UserFactory()
    Tag.objects.create(project=user.inbox, name="taken")
    attempts = Counter()

    @write_transaction
    def create_duplicate():
        attempts["create"] += 1
        Tag.objects.create(project=user.inbox, name="taken")

    with pytest.raises(IntegrityError):
        create_duplicate()

    assert attempts["create"] == 1
    assert Tag.objects.filter(project=user.inbox).count() == 1


def test_attempts_are_bounded_and_each_rolls_back():
    task = TaskFactory(title="Before")
    attempts = Counter()

    @write_transaction
    def always_conflicting():
        attempts["write"] += 1
        Task.objects.filter(id=task.id).update(title=f"Attempt {attempts['write']}")
        raise RetryableConflict("the rows keep changing")

    with pytest.raises(RetryableConflict):
        always_conflicting()

    assert attempts["write"] == WRITE_ATTEMPTS
    task.refresh_from_db()
    assert task.title == "Before"
