"""deploy/serve.py's preparation of the master process before granian forks its workers."""

import gc
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from deploy.harness.processes import RoleProcess, children_of
from deploy.serve import load_before_fork, server_options
from tests.processes import ROOT, TEST_SECRET_KEY, clean_env


def test_the_imported_application_is_frozen_out_of_the_collector_before_the_fork():
    frozen_before = gc.get_freeze_count()
    try:
        # A module the suite has not imported yet, so its objects are new to the collector.
        load_before_fork("wsgiref.simple_server:demo_app")
        frozen_after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    # Every object tracked until then moves to the permanent generation.
    assert frozen_after > frozen_before
    assert frozen_after > 1000


# Run in a new interpreter: this one imported every URLconf long ago.
_IMPORTED_BEFORE_THE_FORK = """
import sys
from deploy.serve import load_before_fork, server_options
load_before_fork(sys.argv[1])
print(",".join(name for name in sys.argv[2:] if name in sys.modules))
"""


def _imported_by_load_before_fork(env: dict, target: str, *modules: str) -> list[str]:
    finished = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BEFORE_THE_FORK, target, *modules],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return [name for name in finished.stdout.strip().split(",") if name]


@pytest.mark.parametrize(
    ("role", "view_module"),
    [("api", "taskmanager.api.views.tasks"), ("ui", "taskmanager.ui.views.tasks")],
)
def test_the_role_s_views_are_imported_before_the_fork_so_the_freeze_reaches_them(role, view_module):
    env = clean_env(
        TASKMANAGER_ROLE=role,
        SECRET_KEY=TEST_SECRET_KEY,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none" if role == "api" else None,
        TASKMANAGER_API_URL="http://127.0.0.1:1" if role == "ui" else None,
        PYTHONPATH=str(ROOT),
    )
    imported = _imported_by_load_before_fork(env, "taskmanager.config.wsgi:application", view_module)
    assert imported == [view_module]


def test_an_application_that_is_not_django_s_is_served_without_its_urls():
    env = clean_env(PYTHONPATH=str(ROOT))
    imported = _imported_by_load_before_fork(env, "wsgiref.simple_server:demo_app", "django.urls")
    assert imported == []


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def test_request_threads_are_kept_for_the_longest_idle_time_the_server_allows(monkeypatch):
    monkeypatch.delenv("SERVER_THREADS_IDLE_TIMEOUT", raising=False)
    assert server_options()["blocking_threads_idle_timeout"] == 600


@pytest.mark.parametrize(("idle_timeout", "kept"), [("60", True), ("5", False)], ids=["60s", "5s"])
def test_request_threads_outlive_a_quiet_spell_shorter_than_their_idle_timeout(tmp_path, idle_timeout, kept):
    env = clean_env(
        TASKMANAGER_ROLE="api",
        PYTHONPATH=str(ROOT),
        SERVER_WORKERS="1",
        SERVER_THREADS="4",
        SERVER_THREADS_IDLE_TIMEOUT=idle_timeout,
        METRICS_PORT="0",
    )
    slow = ("tests.deploy.slow_app:application",)
    with RoleProcess(env, log_path=tmp_path / "server.log", app_args=slow, ready_path="/") as server:
        [worker] = children_of(server.process.pid)
        before = _threads(worker)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: requests.get(server.url, timeout=10).content, range(16)))
        busy = _threads(worker)
        time.sleep(9)  # quiet for longer than the 5 s a thread may idle in the second case
        quiet = _threads(worker)

    assert answers == [b"ok"] * 16
    assert busy > before  # the burst started threads for the requests
    assert (quiet == busy) is kept
