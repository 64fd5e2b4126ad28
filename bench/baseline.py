"""The UI list page as it was before the performance work, served in the same run as today's.

The issue asks for twice the pages per second of the page at UI_BASELINE_COMMIT
(goals.py). A figure from another day's run would carry that day's machine
into the ratio: the raw floor's detail ran at 1,365 req/s one day and 2,140
on another, on other CPUs. So the run exports that commit's tree from git
(`git archive`, into the work directory), migrates a database of its own
with that tree's migrations, seeds it with that tree's bench/seed.py, and
starts that commit's API and UI roles through that tree's entry point, with
the same server settings and the same environment as today's. Both pages
are then measured minutes apart, under the same wrk settings.

Needs the repository's history (a clone without --depth): the run says so
and stops when the commit cannot be read.
"""

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from bench.config import DB_NAME, ROOT, WORK
from bench.goals import UI_BASELINE_COMMIT
from bench.prepare import manage, python_module
from bench.servers import Server
from deploy.harness import databases

DATABASE = f"{DB_NAME}_baseline"


def export_tree(commit: str = UI_BASELINE_COMMIT) -> Path:
    """The files of ``commit`` in a fresh directory under the work directory."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(
            f"the UI baseline needs commit {commit} from the repository's history "
            f"(git archive: {archive.stderr.decode(errors='replace').strip()}); clone without --depth"
        )
    tree = WORK / f"baseline-{commit}"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def baseline_environments(env: dict, tree: Path, ports: dict) -> dict[str, dict]:
    """Today's environments for the two roles, pointed at the baseline's tree, database and ports."""
    api = env["api"] | {
        "DATABASE_URL": databases.database_url(DATABASE),
        "STATIC_ROOT": str(tree / "staticfiles" / "api"),
        "METRICS_PORT": "0",
    }
    ui = env["ui"] | {
        "TASKMANAGER_API_URL": f"http://127.0.0.1:{ports['baseline_api']}",
        "STATIC_ROOT": str(tree / "staticfiles" / "ui"),
        "METRICS_PORT": "0",
    }
    return {"baseline_api": api, "baseline_ui": ui}


def prepare(tree: Path, env: dict) -> None:
    """A fresh database for the baseline, migrated by its tree; both roles' static files collected."""
    databases.create_database(DATABASE)
    manage(env["baseline_api"], "migrate", "-v0", root=tree)
    manage(env["baseline_api"], "collectstatic", "--noinput", "--clear", "-v0", root=tree)
    manage(env["baseline_ui"], "collectstatic", "--noinput", "--clear", "-v0", root=tree)


def seed(tree: Path, env: dict, size: int, password: str) -> dict:
    """The baseline's database brought to ``size`` tasks by that commit's own seeding."""
    return python_module(
        env["baseline_api"], "bench.seed", "--tasks", str(size), "--password", password, root=tree
    )


def servers(tree: Path, env: dict, ports: dict) -> dict[str, Server]:
    return {name: Server(name, ports[name], env[name], root=tree) for name in ("baseline_api", "baseline_ui")}


def remove(tree: Path) -> None:
    """The baseline's database and tree, once its servers are stopped."""
    databases.drop_database(DATABASE)
    shutil.rmtree(tree, ignore_errors=True)
