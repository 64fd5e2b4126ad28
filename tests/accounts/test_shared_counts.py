"""Why the login limits count in Redis across pods, not in Django's database cache.

The limits (accounts/limits.py) promise that two pods racing for the last
allowed attempt cannot both pass, which needs an increment that cannot lose a
racing one. Django's database cache has no increment of its own: BaseCache.incr
reads the value, adds one in Python and writes the sum back, so two racing
calls can both read n and both write n + 1. Redis's INCR is one command.
Both run here against the real servers; and the manifests' CACHE_URL keeps
a hung Redis from holding a login.
"""

import socket
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest
import redis
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection, connections
from environ import Env
from psycopg2 import sql

from taskmanager.accounts.limits import Rate, WindowCount
from tests.prerequisites import require_postgresql, unavailable

REDIS_URL = "redis://127.0.0.1:6379/15"
MANIFEST_API_CONFIG = Path(__file__).resolve().parents[2] / "kustomize" / "base" / "config" / "api.env"
CACHE_TABLE = "shared_counts_probe"
THREADS, INCREMENTS = 8, 50


def incremented_concurrently(make_cache, key: str) -> int:
    """THREADS threads each increment ``key`` INCREMENTS times at once; the count at the end."""
    make_cache().set(key, 0, timeout=300)
    start = threading.Barrier(THREADS)

    def work():
        cache = make_cache()
        start.wait()
        try:
            for _ in range(INCREMENTS):
                cache.incr(key)
        finally:
            connections.close_all()  # this thread's database connection

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return make_cache().get(key)


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        unavailable(f"no Redis at {REDIS_URL}: {error}", "start redis-server on 127.0.0.1:6379")
    return lambda: RedisCache(REDIS_URL, {})


@pytest.fixture
def database_cache(settings):
    require_postgresql("the database cache race")
    settings.CACHES = {**settings.CACHES, "probe": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                                   "LOCATION": CACHE_TABLE}}  # fmt: skip
    call_command("createcachetable", "--database", "default")
    return lambda: DatabaseCache(CACHE_TABLE, {})


@pytest.mark.django_db(transaction=True)
def test_redis_loses_no_increment_that_races(redis_cache):
    key = f"shared-counts-{uuid.uuid4().hex}"
    assert incremented_concurrently(redis_cache, key) == THREADS * INCREMENTS


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_loses_increments_that_race(database_cache):
    """Made certain rather than likely: a third connection holds the row's lock
    while two increments run; both read 0 (reads do not wait for the lock) and
    then queue on their writes. Once the lock goes, both write 1."""
    key = "counted-twice"
    cache = database_cache()
    cache.set(key, 0, timeout=300)
    settings_dict = connection.settings_dict
    holder = psycopg2.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        dbname=settings_dict["NAME"],
    )
    try:
        with holder.cursor() as cursor:
            lock_row = sql.SQL("SELECT 1 FROM {} WHERE cache_key = %s FOR UPDATE")
            cursor.execute(lock_row.format(sql.Identifier(CACHE_TABLE)), [cache.make_key(key)])
            assert cursor.fetchone()
            racers = [threading.Thread(target=_increment_once, args=(database_cache, key)) for _ in range(2)]
            for racer in racers:
                racer.start()
            _wait_for_connections_waiting_on_a_lock(cursor, 2)
        holder.commit()  # lets both writes through
        for racer in racers:
            racer.join()
    finally:
        holder.close()

    assert cache.get(key) == 1  # two increments, one survived


def _increment_once(make_cache, key: str) -> None:
    try:
        make_cache().incr(key)
    finally:
        connections.close_all()


def _wait_for_connections_waiting_on_a_lock(cursor, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Within one transaction the activity view is a snapshot; take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if cursor.fetchone()[0] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} connections never waited on the row lock")


def manifest_cache_url() -> str:
    """The CACHE_URL every API pod gets from the manifests."""
    for line in MANIFEST_API_CONFIG.read_text().splitlines():
        name, _, value = line.partition("=")
        if name == "CACHE_URL":
            return value
    raise AssertionError(f"{MANIFEST_API_CONFIG} sets no CACHE_URL")


def test_the_manifests_cache_url_gives_up_on_a_hung_redis_within_a_second(settings):
    """A Redis that accepts connections and never answers (a stuck process, a
    node going away) must cost a login a moment, not a server thread forever:
    the count is skipped once the client's timeouts in CACHE_URL run out."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes connections; nothing ever answers
    url = urlparse(manifest_cache_url())
    url = url._replace(netloc=f"127.0.0.1:{silent.getsockname()[1]}").geturl()
    settings.CACHES = {"default": Env.cache_url_config(url)}
    counted: list[float] = []
    attempt = threading.Thread(
        target=lambda: counted.append(WindowCount("probe", "x", Rate(3, 60)).add()), daemon=True
    )
    started = time.monotonic()
    try:
        attempt.start()
        attempt.join(timeout=5)
        elapsed = time.monotonic() - started
    finally:
        silent.close()

    assert counted == [0], "the attempt still waited on Redis after 5 s"
    assert elapsed < 1.5
