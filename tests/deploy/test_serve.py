"""deploy/serve.py's preparation of the master process before granian forks its workers."""

import gc
import subprocess
import sys

import pytest

from deploy.serve import load_before_fork
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
from deploy.serve import load_before_fork
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
