"""The image's entry point as a command line: its environment, one-shot commands and long-running ones."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"

# Settings a caller's shell (or the test settings) may have exported; a
# process started from clean_env gets only the ones its caller states.
PROJECT_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "STATICFILES_STORAGE",
    "STATIC_ROOT",
    "METRICS_PORT",
    "PROMETHEUS_MULTIPROC_DIR",
    "EMAIL_URL",
)
PROJECT_PREFIXES = ("TASKMANAGER_", "DATABASE_", "DJANGO_", "SERVER_")


class CommandFailed(RuntimeError):
    """A one-shot command through the entry point exited non-zero; the message holds its output."""

    def __init__(self, args: tuple[str, ...], completed: subprocess.CompletedProcess):
        self.completed = completed
        super().__init__(
            f"entrypoint.sh {' '.join(args)} exited with {completed.returncode}:\n"
            f"{completed.stdout or ''}{completed.stderr or ''}"
        )


def clean_env(**variables: str | None) -> dict:
    """The caller's environment without the project's settings, plus ``variables`` (None ones left out)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in PROJECT_VARIABLES and not name.startswith(PROJECT_PREFIXES)
    }
    env["PYTHONUNBUFFERED"] = "1"
    # Not the default metrics port (9100), which other servers on the machine
    # would share; a caller that scrapes names a free one.
    env["METRICS_PORT"] = "0"
    env.update({name: value for name, value in variables.items() if value is not None})
    return env


def entrypoint_env(env: dict) -> dict:
    """``env`` with this interpreter's directory first on PATH: entrypoint.sh runs `python` from PATH."""
    directory = str(Path(sys.executable).parent)
    path = env.get("PATH", os.defpath)
    return {**env, "PATH": f"{directory}{os.pathsep}{path}" if path else directory}


def start_entrypoint(*args: str, env: dict, root: Path = ROOT, **popen: object) -> subprocess.Popen:
    """``entrypoint.sh ARGS`` left running; ``popen`` goes to subprocess.Popen (stdout=..., text=...).

    ``root``: the source tree whose entry point runs (the benchmark also runs an earlier commit's).
    """
    return subprocess.Popen([str(_entrypoint(root)), *args], env=entrypoint_env(env), cwd=root, **popen)


def run_entrypoint(
    *args: str, env: dict, timeout: float = 120, check: bool = False, root: Path = ROOT
) -> subprocess.CompletedProcess:
    """``entrypoint.sh ARGS`` to its end, output captured as text; with ``check``, CommandFailed unless 0."""
    completed = subprocess.run(
        [str(_entrypoint(root)), *args],
        env=entrypoint_env(env),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and completed.returncode != 0:
        raise CommandFailed(args, completed)
    return completed


def manage(
    *args: str, env: dict, timeout: float = 120, check: bool = False, root: Path = ROOT
) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` through the entry point (`entrypoint.sh manage ARGS`)."""
    return run_entrypoint("manage", *args, env=env, timeout=timeout, check=check, root=root)


def start_manage(*args: str, env: dict) -> subprocess.Popen:
    """``manage.py ARGS`` left running, its output (stdout and stderr together) piped as text."""
    return start_entrypoint(
        "manage", *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def migrate(
    *args: str, env: dict, timeout: float = 300, check: bool = True, root: Path = ROOT
) -> subprocess.CompletedProcess:
    """The image's migration step (`entrypoint.sh migrate`: under a database lock; API role)."""
    return run_entrypoint("migrate", *args, env=env, timeout=timeout, check=check, root=root)


def _entrypoint(root: Path) -> Path:
    return root / ENTRYPOINT.relative_to(ROOT)
