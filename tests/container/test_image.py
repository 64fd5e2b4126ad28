"""The real image, built from the repository's Dockerfile and run as the cluster runs it.

Build once per session on a local Debian bookworm base (see base_image.py),
then: migrate a dedicated PostgreSQL database, serve both roles (the UI talking
to the API over HTTP) with a read-only root filesystem, no capabilities and the
fixed non-root user, drive them over HTTP, and stop them with SIGTERM.
Everything the tests start is removed afterwards; the base image and the built
image stay as build caches.
"""

import html.parser
import http.server
import json
import re
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from taskmanager.api.views.meta import server_facts
from tests.container import podman as pm
from tests.container.base_image import ensure_base_image
from tests.databases import scratch_database
from tests.mail import smtp_server
from tests.metrics.scraping import scrape
from tests.processes import free_port
from tests.settings import POSTGRES_URL

pytestmark = pytest.mark.container

DATABASE = "taskmanager_container"
# Longer than any response needs; only a hung container would reach it.
HTTP_TIMEOUT = 30


# --- session set-up -------------------------------------------------------------------


@pytest.fixture(scope="module")
def image() -> pm.BuildInfo:
    pm.check_prerequisites()
    base = ensure_base_image(pm.ARTIFACTS / "base-image.log")
    info = pm.build_image(base, pm.ARTIFACTS / "build.log")
    print(f"\nbuilt {info.tag} on {base} in {info.seconds:.0f} s")
    return info


@pytest.fixture(scope="module")
def database_url(image) -> str:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(DATABASE))
        except psycopg.OperationalError as error:
            pm.unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}")
        yield url


def role_env(role: str, port: int, **extra: str) -> dict:
    return {
        "TASKMANAGER_ROLE": role,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(port),
        # Host networking: not the default 9100, which two containers would share.
        "METRICS_PORT": str(free_port()),
        "SERVER_WORKERS": "1",
        "SERVER_THREADS": "4",
        **extra,
    }


@pytest.fixture(scope="module")
def migrated(image, database_url) -> str:
    result = pm.run_once(
        image.tag, {"TASKMANAGER_ROLE": "api", "DATABASE_URL": database_url, "SECRET_KEY": "x"}, "migrate"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Applying tasks.0001_initial... OK" in result.stdout
    return database_url


def serve_role(image: pm.BuildInfo, role: str, **extra: str):
    """Run one role's container until the fixture using it ends; yields its base URL."""
    port = free_port()
    container = pm.Container(image.tag, role_env(role, port, **extra))
    try:
        container.start()
        url = f"http://127.0.0.1:{port}"
        container.wait_until_serving(url)
        yield url
    finally:
        container.remove()


@pytest.fixture(scope="module")
def api_url(image, migrated):
    yield from serve_role(image, "api", DATABASE_URL=migrated)


@pytest.fixture(scope="module")
def ui_url(image, api_url):
    yield from serve_role(image, "ui", TASKMANAGER_API_URL=api_url)


@pytest.fixture
def api(api_url):
    with httpx.Client(base_url=api_url, timeout=HTTP_TIMEOUT) as client:
        yield client


def new_account(api: httpx.Client) -> tuple[str, str]:
    username = f"container-{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(16)
    response = api.post("/api/v1/auth/register/", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return username, password


def bearer(api: httpx.Client, username: str, password: str) -> dict:
    response = api.post("/api/v1/auth/token/", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


# --- the image itself -----------------------------------------------------------------


def test_image_runs_as_fixed_non_root_user_and_is_labelled(image):
    inspected = pm.podman("image", "inspect", "--format", "json", image.tag)
    assert inspected.returncode == 0, inspected.stderr
    config = json.loads(inspected.stdout)[0]
    assert config["Config"]["User"] == "10001:10001"
    assert config["Config"]["Entrypoint"] == ["/app/deploy/entrypoint.sh"]
    assert config["Config"]["StopSignal"] == "SIGTERM"
    labels = config["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == image.version
    assert labels["org.opencontainers.image.revision"] == image.revision
    assert labels["org.opencontainers.image.source"] == image.source
    build_info = pm.podman("run", "--rm", "--entrypoint=/bin/cat", image.tag, "/app/build-info")
    assert f"revision={image.revision}" in build_info.stdout
    size_mb = config["Size"] / 1_000_000
    pm.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (pm.ARTIFACTS / "image-size.txt").write_text(f"{image.tag} {config['Size']} bytes ({size_mb:.0f} MB)\n")
    print(f"\nimage size: {size_mb:.0f} MB")


def test_image_carries_no_build_or_test_tools(image):
    probe = (
        "for tool in gcc cc make pip pip3; do command -v $tool && exit 1; done; "
        "python -c 'import pytest' 2>/dev/null && exit 1; "
        "test ! -e /app/tests && test ! -e /app/.git && test ! -e /app/requirements && "
        "test -d /app/staticfiles/api/admin && test -f /app/staticfiles/ui/staticfiles.json"
    )
    result = pm.podman("run", "--rm", *pm.RESTRICTED, "--entrypoint=/bin/sh", image.tag, "-c", probe)
    assert result.returncode == 0, result.stdout + result.stderr


def test_entry_point_rejects_unknown_commands_with_usage(image):
    result = pm.run_once(image.tag, {"TASKMANAGER_ROLE": "api"}, "frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    assert "usage: entrypoint.sh" in result.stderr


def test_migrate_is_refused_in_the_ui_role(image):
    result = pm.run_once(image.tag, {"TASKMANAGER_ROLE": "ui"}, "migrate")
    assert result.returncode == 2
    assert "needs TASKMANAGER_ROLE=api" in result.stderr


# --- the API role ---------------------------------------------------------------------


def test_migrate_again_finds_nothing_to_do(image, migrated):
    result = pm.run_once(
        image.tag, {"TASKMANAGER_ROLE": "api", "DATABASE_URL": migrated, "SECRET_KEY": "x"}, "migrate"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply." in result.stdout


def test_api_role_is_live_and_ready(api):
    assert api.get("/healthz").status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text


def test_api_role_serves_hashed_compressed_static_files_with_long_cache(api):
    page = api.get("/admin/login/")
    assert page.status_code == 200
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet, "the admin page links no content-hashed stylesheet"
    response = api.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    cache_control = response.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= 365 * 24 * 3600, cache_control
    assert "immutable" in cache_control


def test_api_round_trip_register_token_create_complete_read(api):
    headers = bearer(api, *new_account(api))
    created = api.post(
        "/api/v1/tasks/", json={"title": "Ship the image", "priority": "high"}, headers=headers
    )
    assert created.status_code == 201, created.text
    task_url = f"/api/v1/tasks/{created.json()['id']}/"

    completed = api.patch(task_url, json={"completed": True}, headers=headers)
    assert completed.status_code == 200, completed.text

    read_back = api.get(task_url, headers=headers).json()
    assert read_back["title"] == "Ship the image"
    assert read_back["priority"] == "high"
    assert read_back["completed"] is True
    assert read_back["completed_at"] is not None
    listed = api.get("/api/v1/tasks/", params={"completed": "true"}, headers=headers).json()
    assert [task["id"] for task in listed["results"]] == [read_back["id"]]


def test_ensure_admin_creates_a_staff_account_once_and_then_leaves_it(image, migrated, api):
    username, password = f"admin-{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(16)
    env = {
        "TASKMANAGER_ROLE": "api",
        "DATABASE_URL": migrated,
        "SECRET_KEY": "x",
        "TASKMANAGER_ADMIN_USERNAME": username,
        "TASKMANAGER_ADMIN_PASSWORD": password,
    }
    first = pm.run_once(image.tag, env, "ensure-admin")
    # The next pod start, with another password configured, changes nothing.
    other_password = {**env, "TASKMANAGER_ADMIN_PASSWORD": password + "-other"}
    second = pm.run_once(image.tag, other_password, "ensure-admin")
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Admin user {username!r} created" in first.stdout
    assert f"Admin user {username!r} exists; left unchanged" in second.stdout
    me = api.get("/api/v1/me/", headers=bearer(api, username, password)).json()
    assert me["username"] == username
    assert me["is_staff"] is True


def test_manage_runs_any_management_command(image, migrated):
    env = {"TASKMANAGER_ROLE": "api", "DATABASE_URL": migrated, "SECRET_KEY": "x"}
    result = pm.run_once(image.tag, env, "manage", "showmigrations", "tasks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[X] 0001_initial" in result.stdout


# --- the UI role, talking to the API container ------------------------------------------


class _Forms(html.parser.HTMLParser):
    """Each <form>'s action, method and the names and values of its inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action") or "",
                    "method": (attributes.get("method") or "get").lower(),
                    "fields": {},
                }
            )
        elif tag in ("input", "textarea", "select") and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""


def forms_of(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_with(page: str, field: str) -> dict:
    matching = [form for form in forms_of(page) if field in form["fields"] and form["method"] == "post"]
    assert matching, f"no POST form with a {field!r} field on the page"
    return matching[0]


def test_ui_role_is_live_and_ready(ui_url):
    assert httpx.get(f"{ui_url}/healthz", timeout=HTTP_TIMEOUT).status_code == 200
    ready = httpx.get(f"{ui_url}/readyz", timeout=HTTP_TIMEOUT)
    assert ready.status_code == 200, ready.text


def test_ui_logs_in_and_creates_a_task_through_the_api_container(ui_url, api):
    username, password = new_account(api)
    title = f"Added through the UI container {uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=ui_url, timeout=HTTP_TIMEOUT) as browser:
        login_page = browser.get("/login/")
        assert login_page.status_code == 200, login_page.text
        login = form_with(login_page.text, "password")
        logged_in = browser.post(
            login["action"] or "/login/",
            data={**login["fields"], "username": username, "password": password},
            follow_redirects=True,
        )
        assert logged_in.status_code == 200, logged_in.text
        assert username in logged_in.text

        add = form_with(logged_in.text, "title")
        added = browser.post(
            add["action"] or str(logged_in.url.path),
            data={**add["fields"], "title": title, "priority": "low"},
            follow_redirects=True,
        )
        assert added.status_code == 200, added.text
        assert title in added.text

        # The UI role serves its own collected, hashed static files.
        stylesheets = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', logged_in.text)
        assert stylesheets, "the UI page links no content-hashed stylesheet"
        for stylesheet in stylesheets:
            response = browser.get(stylesheet)
            assert response.status_code == 200
            assert "immutable" in response.headers["Cache-Control"]

    tasks = api.get("/api/v1/tasks/", params={"search": title}, headers=bearer(api, username, password))
    assert [(task["title"], task["priority"]) for task in tasks.json()["results"]] == [(title, "low")]


# --- shutdown -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["api", "ui"])
def test_sigterm_stops_the_server_promptly_and_cleanly(image, migrated, role):
    port = free_port()
    extra = {"DATABASE_URL": migrated} if role == "api" else {"TASKMANAGER_API_URL": "http://127.0.0.1:9"}
    container = pm.Container(image.tag, role_env(role, port, SERVER_WORKERS="2", **extra))
    try:
        container.start()
        container.wait_until_serving(f"http://127.0.0.1:{port}")
        pid1 = pm.podman("exec", container.name, "cat", "/proc/1/cmdline").stdout.replace("\0", " ")
        assert "deploy/serve.py" in pid1, f"PID 1 is {pid1!r}, so SIGTERM would not reach the server"

        seconds, exit_code = container.stop(grace_seconds=30)
        logs = container.logs()
        print(f"\n{role}: stopped {seconds:.1f} s after SIGTERM, exit code {exit_code}")
        # Exit code 0 means the server shut down by itself; podman's SIGKILL after the grace period gives 137.
        assert exit_code == 0, logs
        assert "Shutting down granian" in logs
        assert seconds < 15, f"took {seconds:.1f} s to stop"
    finally:
        container.remove()


class _SlowTokenEndpoint(http.server.BaseHTTPRequestHandler):
    """Answers the UI's login call late, so a request is still in flight when SIGTERM arrives."""

    received = threading.Event()
    delay_seconds = 3.0

    def do_GET(self):
        # The login page first asks for the server facts: what the real API would say, at once.
        if self.path.rstrip("/") != "/api/v1/meta":
            self.send_error(404)
            return
        self._json(200, server_facts())

    def _json(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.set()
        threading.Event().wait(self.delay_seconds)
        self._json(401, {"error": {"status": 401, "code": "not_authenticated", "message": "no"}})

    def log_message(self, *args):
        pass


def test_sigterm_lets_an_in_flight_request_finish(image):
    """The UI container is stopped while it waits on its API; the waiting request still gets its page.

    The API here is a stand-in inside the test that answers three seconds late:
    the real API has no request slow enough to still be running when the signal lands.
    """
    slow_api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowTokenEndpoint)
    threading.Thread(target=slow_api.serve_forever, daemon=True).start()
    port = free_port()
    api_url = f"http://127.0.0.1:{slow_api.server_port}"
    container = pm.Container(image.tag, role_env("ui", port, TASKMANAGER_API_URL=api_url))
    try:
        container.start()
        ui_url = f"http://127.0.0.1:{port}"
        container.wait_until_serving(ui_url)
        with httpx.Client(base_url=ui_url, timeout=HTTP_TIMEOUT) as browser, ThreadPoolExecutor(1) as pool:
            login = form_with(browser.get("/login/").text, "password")
            in_flight = pool.submit(
                browser.post, "/login/", data={**login["fields"], "username": "late", "password": "late"}
            )
            assert _SlowTokenEndpoint.received.wait(HTTP_TIMEOUT), "the UI never called its API"
            seconds, exit_code = container.stop(grace_seconds=30)
            answered = in_flight.result(timeout=HTTP_TIMEOUT)
        assert answered.status_code == 400, answered.text
        assert "do not match" in answered.text
        assert exit_code == 0, container.logs()
        print(f"\nui: stopped {seconds:.1f} s after SIGTERM with a request in flight")
    finally:
        container.remove()
        slow_api.shutdown()
        slow_api.server_close()


# --- the worker role ------------------------------------------------------------------


def test_the_worker_role_runs_from_the_image_and_emails_a_reminder(image, migrated, api):
    """`worker` in the image: health on its port, a reminder made through the API
    container mailed through a real SMTP server, and a clean stop on SIGTERM."""
    username = f"container-{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(16)
    body = {"username": username, "password": password, "email": f"{username}@example.com"}
    assert api.post("/api/v1/auth/register/", json=body).status_code == 201
    auth = bearer(api, username, password)
    task = api.post("/api/v1/tasks/", json={"title": "Container reminder"}, headers=auth).json()
    remind_at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    made = api.post(f"/api/v1/tasks/{task['id']}/reminders/", json={"remind_at": remind_at}, headers=auth)
    assert made.status_code == 201, made.text

    port = free_port()
    with smtp_server() as smtp:
        env = role_env(
            "worker", port, DATABASE_URL=migrated, EMAIL_URL=smtp.url, TASKMANAGER_WORKER_POLL_INTERVAL="1"
        )
        container = pm.Container(image.tag, env)
        try:
            container.start("worker")
            container.wait_until_serving(f"http://127.0.0.1:{port}")
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=HTTP_TIMEOUT)
            assert ready.status_code == 200, ready.text
            (message,) = smtp.wait_for_messages(1, timeout=60)
            assert message["To"] == f"{username}@example.com"
            assert "Container reminder" in message["Subject"]
            runs = scrape(f"http://127.0.0.1:{env['METRICS_PORT']}/metrics")
            assert runs.total("taskmanager_jobs_total", task="reminders.send", outcome="succeeded") >= 1
            seconds, exit_code = container.stop(grace_seconds=40)
            assert exit_code == 0, container.logs()
            assert seconds < 30
        finally:
            container.remove()
