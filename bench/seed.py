"""Bring the number of tasks in the benchmark user's Inbox to exactly N (run as the API role).

    TASKMANAGER_ROLE=api DATABASE_URL=... python -m bench.seed --tasks 10000

Tasks are generated deterministically (fixed random seed): titles and short
descriptions, a priority mix, about a third completed, most with a due date,
0-3 tags each from a set of 15, creation times spread over a year. Tasks left
by an earlier run's create test (titled CREATED_TITLE) are removed first, so
each dataset starts at its nominal size. Prints one JSON object: the user's id,
a fresh API token, and a sample of task ids for detail and PATCH requests.
"""

import argparse
import json
import os
import random
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskmanager.config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from bench.targets import CREATED_TITLE  # noqa: E402
from taskmanager.projects.models import Project  # noqa: E402
from taskmanager.tasks.models import Priority, Tag, Task  # noqa: E402

USERNAME = "bench"
TAG_NAMES = [
    "work", "home", "errand", "urgent", "later", "reading", "finance", "health",
    "travel", "garden", "music", "code", "family", "ideas", "admin",
]  # fmt: skip
WORDS = [
    "plan", "review", "write", "call", "book", "fix", "clean", "order", "send", "update", "check",
    "prepare", "draft", "renew", "pay", "report", "invoice", "meeting", "garden", "bicycle",
    "kitchen", "budget", "slides", "backup", "release", "tickets", "letter",
]  # fmt: skip
SAMPLE_IDS = 200
BATCH = 2000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    user = _bench_user(args.password)
    # Made with the user (projects.signals), as for every account.
    inbox = Project.objects.get(inbox_of=user)
    tasks = Task.objects.filter(project=inbox)
    tasks.filter(title=CREATED_TITLE).delete()
    existing = tasks.count()
    if existing > args.tasks:
        extra = tasks.order_by("created_at").values_list("id", flat=True)[: existing - args.tasks]
        Task.objects.filter(id__in=list(extra)).delete()
    rng = random.Random(20_000 + existing)
    tags = _tags(inbox)
    for start in range(existing, args.tasks, BATCH):
        _create_tasks(user, inbox, tags, rng, min(BATCH, args.tasks - start))
    # What autovacuum does for a table that has settled: fresh statistics, and a
    # visibility map that lets COUNT(*) and the tag lookup use index-only scans.
    # Without it the planner scans the whole tag link table for every page.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    ids = list(tasks.order_by("id").values_list("id", flat=True))
    sample = random.Random(7).sample(ids, min(SAMPLE_IDS, len(ids)))
    _instance, token = AuthToken.objects.create(user=user)
    result = {
        "user_id": user.id,
        "username": USERNAME,
        "token": token,
        "tasks": len(ids),
        "sample_ids": [str(task_id) for task_id in sample],
    }
    # Last line of output: the settings' log handler may write to stdout too.
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


def _bench_user(password: str):
    user, _created = get_user_model().objects.get_or_create(username=USERNAME)
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _tags(project) -> list[Tag]:
    Tag.objects.bulk_create([Tag(project=project, name=name) for name in TAG_NAMES], ignore_conflicts=True)
    return list(Tag.objects.filter(project=project, name__in=TAG_NAMES))


@transaction.atomic
def _create_tasks(user, project, tags: list[Tag], rng: random.Random, count: int) -> None:
    now = timezone.now()
    tasks, created = [], []
    for _ in range(count):
        completed = rng.random() < 0.3
        created_at = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
        due = None if rng.random() < 0.25 else (created_at + timedelta(days=rng.randrange(-30, 90))).date()
        tasks.append(
            Task(
                project=project,
                created_by=user,
                title=" ".join(rng.choices(WORDS, k=rng.randint(2, 6))).capitalize(),
                description=" ".join(rng.choices(WORDS, k=rng.randint(0, 30))),
                priority=rng.choice(Priority.values),
                completed=completed,
                completed_at=now if completed else None,
                due_date=due,
            )
        )
        created.append(created_at)
    Task.objects.bulk_create(tasks)
    # auto_now_add stamped every row with "now"; spread creation over the year instead.
    for task, created_at in zip(tasks, created, strict=True):
        task.created_at = task.updated_at = created_at
    Task.objects.bulk_update(tasks, ["created_at", "updated_at"], batch_size=500)
    links = [
        Task.tags.through(task_id=task.id, tag_id=tag.id)
        for task in tasks
        for tag in rng.sample(tags, rng.randint(0, 3))
    ]
    Task.tags.through.objects.bulk_create(links)


if __name__ == "__main__":
    sys.exit(main())
