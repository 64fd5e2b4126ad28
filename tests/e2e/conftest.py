"""End-to-end fixtures: PostgreSQL, both roles as real server processes, and headless Chromium.

A dedicated database is created (and dropped afterwards), migrations and
collectstatic run per role exactly as in the image, and the browser talks
only to the UI role, which talks only to the API role over HTTP.

Outside CI a missing PostgreSQL or Chromium skips these tests with a message;
in CI (CI=true) it fails them.
"""

import os
import secrets
import shutil
from pathlib import Path

import psycopg
import pytest

from deploy.harness import database_names, drop_database, scratch_database
from tests.e2e.servers import RoleServer
from tests.e2e.support import Stack, log_in
from tests.prerequisites import unavailable
from tests.processes import ROOT, clean_env, manage
from tests.settings import POSTGRES_URL

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT_DIR_COMMITTED = ROOT / "docs" / "screenshots"
SCREENSHOT_DIR_SCRATCH = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
E2E_DATABASE_PREFIX = "taskmanager_e2e_"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def require(available: bool, what: str) -> None:
    if not available:
        unavailable(f"{what} is not available", "install it to run the end-to-end tests")


@pytest.fixture(scope="session")
def e2e_database_url():
    try:
        for stale in _databases_of_dead_runs():
            drop_database(stale)
    except psycopg.OperationalError:
        require(False, f"PostgreSQL at {POSTGRES_URL}")
    # One database per test run, so runs on the same server never meet.
    with scratch_database(f"{E2E_DATABASE_PREFIX}{os.getpid()}") as url:
        yield url


def _databases_of_dead_runs() -> list[str]:
    """Databases left by runs that were killed before their teardown."""
    stale = []
    for name in database_names(E2E_DATABASE_PREFIX):
        pid = name.removeprefix(E2E_DATABASE_PREFIX)
        if pid.isdigit() and not _process_exists(int(pid)):
            stale.append(name)
    return stale


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def stack(e2e_database_url, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    common = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SERVER_WORKERS": "1",
        "SERVER_THREADS": "4",
        "LOG_LEVEL": "INFO",
        # The UI signs each login's browser address for the API, as deployed.
        "TASKMANAGER_FORWARDING_SECRET": secrets.token_urlsafe(32),
    }
    api_env = clean_env(
        **common,
        TASKMANAGER_ROLE="api",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=e2e_database_url,
        STATIC_ROOT=str(workdir / "static-api"),
        # Every test signs up and logs in from 127.0.0.1, far more often than one person would.
        TASKMANAGER_SIGNUP_RATE="10000/hour",
        TASKMANAGER_PASSWORD_HASH_RATE="10000/min",
    )
    api = RoleServer("api", api_env, workdir)
    ui_env = clean_env(
        **common,
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=secrets.token_urlsafe(50),
        TASKMANAGER_API_URL=api.url,
        # Open long enough that a test sees a page refused by the open breaker on a slow machine.
        TASKMANAGER_API_BREAKER_OPEN_SECONDS="3",
        TASKMANAGER_API_BREAKER_MAX_OPEN_SECONDS="6",
        STATIC_ROOT=str(workdir / "static-ui"),
    )
    ui = RoleServer("ui", ui_env, workdir)

    for args, env in (
        (("migrate", "--noinput"), api_env),
        (("collectstatic", "--noinput"), api_env),
        (("collectstatic", "--noinput"), ui_env),
    ):
        result = manage(*args, env=env, timeout=300)
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"

    api.start()
    try:
        ui.start()
        yield Stack(api=api, ui=ui, database_url=e2e_database_url)
    finally:
        ui.stop()
        api.stop()
        # Keep the logs where a failed CI run can show them.
        logs = ROOT / "test-artifacts" / "e2e-logs"
        logs.mkdir(parents=True, exist_ok=True)
        for server in (api, ui):
            if server.log_path.exists():
                shutil.copy(server.log_path, logs / server.log_path.name)


# Package scope: Playwright's sync API keeps an event loop running in this
# thread while it is open, and Django refuses ORM calls under a running loop,
# so it must close before the suite's later non-database tests (pytest-django
# runs those last, after this package).
@pytest.fixture(scope="package")
def browser():
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, stack):
    context = browser.new_context(base_url=stack.ui.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    return page


@pytest.fixture
def user(stack):
    user = stack.register_user()
    yield user
    user.api.close()


@pytest.fixture
def logged_in(page, user):
    log_in(page, user)
    return user


@pytest.fixture(scope="session")
def screenshot():
    """Saves a PNG. `make screenshots` (UPDATE_SCREENSHOTS=1) writes the committed ones in docs/."""
    directory = (
        SCREENSHOT_DIR_COMMITTED if os.environ.get("UPDATE_SCREENSHOTS") == "1" else SCREENSHOT_DIR_SCRATCH
    )
    directory.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, *, full_page: bool = True) -> Path:
        path = directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path

    return save
