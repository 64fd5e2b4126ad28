"""The HTTP server the image runs (deploy/serve.py), tested as a real process.

Slow clients, chunked bodies, over-long request heads and the access log are
properties of the server plus the WSGI layer in front of Django; only a real
server process on a real socket shows them.
"""

import contextlib
import socket
import threading
import time
import uuid

import httpx
import pytest

from tests.processes import (
    TEST_SECRET_KEY,
    UNCOLLECTED_STATIC,
    api_server,
    clean_env,
    registered_token,
    role_server,
)

# A request line, then one header line every DRIP_SECONDS and never the blank
# line that ends the head: the classic slow-headers attack.
DRIP_SECONDS = 1.0


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real API role process (two workers of four threads, as the image) on a scratch database."""
    log = tmp_path_factory.mktemp("server") / "api.log"
    with api_server(log, database_prefix="taskmanager_server", workers=2) as base_url:
        yield base_url, log


@pytest.fixture(scope="module")
def ui(api, tmp_path_factory):
    """A UI role process in front of that API (its login page asks the API whether sign-up is open)."""
    log = tmp_path_factory.mktemp("server") / "ui.log"
    env = clean_env(
        TASKMANAGER_ROLE="ui",
        SECRET_KEY=TEST_SECRET_KEY,
        TASKMANAGER_API_URL=api[0],
        ALLOWED_HOSTS="127.0.0.1",
        STATICFILES_STORAGE=UNCOLLECTED_STATIC,
    )
    with role_server(env, log, workers=2) as base_url:
        yield base_url, log


@contextlib.contextmanager
def slow_header_clients(base_url: str, count: int):
    """``count`` sockets that keep sending header lines and never finish their request."""
    port = int(base_url.rsplit(":", 1)[1])
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    stop = threading.Event()
    for sock in sockets:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    def drip():
        line = 0
        while not stop.wait(DRIP_SECONDS):
            line += 1
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(f"X-Slow-{line}: 1\r\n".encode())

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        # Let every slow client be accepted and start its head before measuring.
        time.sleep(2 * DRIP_SECONDS)
        yield
    finally:
        stop.set()
        dripper.join()
        for sock in sockets:
            sock.close()


def timed_get(url: str, **kwargs) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.get(url, timeout=5, **kwargs)
    return response.status_code, time.monotonic() - started


def register_and_login(base_url: str) -> dict:
    token = registered_token(base_url, f"server-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("count", [4, 40])
def test_slow_header_clients_do_not_stop_the_api(api, count):
    base_url, _log = api
    headers = register_and_login(base_url)
    # Warm both workers first: a worker's first request imports and builds
    # what Django loads lazily, which is not what this test measures.
    for _ in range(10):
        httpx.get(f"{base_url}/api/v1/tasks/", headers=headers, timeout=10)
    with slow_header_clients(base_url, count):
        # More normal requests than the pod has Python threads (2 x 4), in a row.
        answers = [timed_get(f"{base_url}/healthz") for _ in range(3)]
        answers += [timed_get(f"{base_url}/api/v1/tasks/", headers=headers) for _ in range(10)]
    assert all(status == 200 for status, _seconds in answers), answers
    assert max(seconds for _status, seconds in answers) < 1.0, answers


@pytest.mark.parametrize("count", [4, 40])
def test_slow_header_clients_do_not_stop_the_ui(ui, count):
    base_url, _log = ui
    for _ in range(10):
        httpx.get(f"{base_url}/login/", timeout=10)
    with slow_header_clients(base_url, count):
        answers = [timed_get(f"{base_url}/healthz") for _ in range(3)]
        answers += [timed_get(f"{base_url}/login/") for _ in range(10)]
    assert all(status == 200 for status, _seconds in answers), answers
    assert max(seconds for _status, seconds in answers) < 1.0, answers


def test_a_chunked_patch_changes_the_task(api):
    base_url, _log = api
    headers = register_and_login(base_url)
    created = httpx.post(f"{base_url}/api/v1/tasks/", json={"title": "before"}, headers=headers, timeout=10)
    task_url = f"{base_url}/api/v1/tasks/{created.json()['id']}/"

    def chunks():
        # A body with no Content-Length: httpx sends it chunked.
        yield b'{"title": '
        yield b'"after"}'

    patched = httpx.patch(
        task_url, content=chunks(), headers={**headers, "Content-Type": "application/json"}, timeout=10
    )
    assert patched.request.headers.get("Transfer-Encoding") == "chunked"
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "after"
    assert httpx.get(task_url, headers=headers, timeout=10).json()["title"] == "after"


@pytest.mark.parametrize(
    "framing",
    [
        b"ZZ\r\n{body}\r\n0\r\n\r\n",  # not a hexadecimal size
        b"-2\r\n{body}\r\n0\r\n\r\n",
        b"FFFFFFFFFFFFFFFFFFFF\r\n{body}\r\n0\r\n\r\n",  # a size beyond any integer
        b"{size}\n{body}\n0\n\n",  # bare LF line ends
    ],
)
def test_a_malformed_chunked_body_is_refused_not_read_as_empty(api, framing):
    base_url, _log = api
    headers = register_and_login(base_url)
    created = httpx.post(f"{base_url}/api/v1/tasks/", json={"title": "before"}, headers=headers, timeout=10)
    task_id = created.json()["id"]
    body = b'{"title": "after"}'
    chunks = framing.replace(b"{size}", b"%x" % len(body)).replace(b"{body}", body)
    head = (
        f"PATCH /api/v1/tasks/{task_id}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {headers['Authorization']}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode() + chunks)
        answer = sock.recv(65536)

    # The server hands such a body on as no body at all: a PATCH would answer 200 having changed nothing.
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request", answer
    assert b'"code": "bad_request"' in answer
    task = httpx.get(f"{base_url}/api/v1/tasks/{task_id}/", headers=headers, timeout=10).json()
    assert task["title"] == "before"


def exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send one request on an open connection, read its whole answer and return its head."""
    sock.sendall(request)
    answer = b""

    def receive():
        nonlocal answer
        received = sock.recv(65536)
        if not received:
            raise ConnectionError(f"the server closed the connection; it had sent {answer!r}")
        answer += received

    while b"\r\n\r\n" not in answer:
        receive()
    head = answer.partition(b"\r\n\r\n")[0]
    lengths = [line[15:] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    if lengths:
        while len(answer) < len(head) + 4 + int(lengths[0]):
            receive()
    else:  # chunked
        while not answer.endswith(b"0\r\n\r\n"):
            receive()
    return head


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/api/v1/tasks", "/api/v1/no-such-thing/"])
def test_a_body_the_answer_did_not_need_leaves_the_connection_usable(api, path):
    # Refused before the body is read (401, 308, 404): the server would
    # otherwise close the connection under the client's next request.
    base_url, _log = api
    port = int(base_url.rsplit(":", 1)[1])
    body = b'{"title": "' + b"x" * 100_000 + b'"}'
    post = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        first = exchange(sock, post)
        time.sleep(0.3)  # the server has long finished with the first request
        second = exchange(sock, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    assert first.split(b"\r\n", 1)[0] in (
        b"HTTP/1.1 401 Unauthorized",
        b"HTTP/1.1 308 Permanent Redirect",
        b"HTTP/1.1 404 Not Found",
    )
    assert second.split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK"


def test_a_body_over_the_limit_is_refused_with_413_and_the_connection_closed(api):
    base_url, _log = api
    headers = register_and_login(base_url)
    port = int(base_url.rsplit(":", 1)[1])
    body = b" " * 300 * 1024
    post = (
        f"POST /api/v1/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {headers['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        head = exchange(sock, post + body[:1024])

    assert head.split(b"\r\n", 1)[0] == b"HTTP/1.1 413 Payload Too Large"
    # The rest of that body is never read, so the client must not send another request on it.
    assert b"connection: close" in head.lower()


def test_a_chunked_body_over_the_size_limit_is_refused_with_413(api):
    base_url, _log = api
    headers = register_and_login(base_url)

    def big():
        for _ in range(300):
            yield b" " * 1024  # 300 KiB, over the 256 KiB default

    response = httpx.post(
        f"{base_url}/api/v1/tasks/", content=big(), headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/v1/tasks/?q=" + "a" * 9000, {}, 414, "uri_too_long"),
        ("/api/v1/tasks/", {"X-Big": "a" * 20_000}, 431, "headers_too_large"),
    ],
)
def test_an_over_long_request_head_answers_in_the_error_shape(api, path, headers, status, code):
    base_url, _log = api
    response = httpx.get(f"{base_url}{path}", headers=headers, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]


def test_what_the_http_parser_refuses_gets_its_status_without_a_python_traceback(api):
    base_url, log = api
    port = int(base_url.rsplit(":", 1)[1])
    many_fields = "".join(f"X-Many-{n}: 1\r\n" for n in range(120))
    for head, status in [
        (f"GET /api/v1/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{many_fields}\r\n", b" 431 "),
        ("GET /api/v1/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n", b" 400 "),
        ("NOT HTTP AT ALL\r\n\r\n", b" 400 "),
    ]:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(head.encode())
            assert status in sock.recv(4096).split(b"\r\n", 1)[0]
    assert "Traceback" not in log.read_text()


def test_every_request_gets_one_access_log_line_with_its_request_id(api):
    base_url, log = api
    request_id = f"server-test-{uuid.uuid4().hex[:8]}"
    httpx.get(f"{base_url}/api/v1/no-such-thing/%0Aforged", headers={"X-Request-ID": request_id}, timeout=10)
    deadline = time.monotonic() + 5
    lines = []
    while time.monotonic() < deadline and not lines:
        ours = [line for line in log.read_text().splitlines() if f"request_id={request_id} " in line]
        lines = [line for line in ours if " taskmanager.access " in line]
        time.sleep(0.1)
    (line,) = lines
    # The decoded newline in the path is written escaped, so it cannot forge a second log line.
    assert '"GET /api/v1/no-such-thing/\\x0aforged HTTP/1.1" 404 ' in line


@pytest.mark.parametrize("role", ["api", "ui"])
def test_a_request_for_an_unknown_host_is_logged_as_one_line(request, role):
    base_url, log = request.getfixturevalue(role)
    marker = f"unknown-{uuid.uuid4().hex[:8]}.example"

    response = httpx.get(f"{base_url}/login/", headers={"Host": marker}, timeout=10)

    assert response.status_code == 400
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and marker not in log.read_text():
        time.sleep(0.1)
    text = log.read_text()
    # Anyone can send any Host; a traceback per request would bury the log.
    assert marker in text
    assert "Traceback" not in text
    assert "DisallowedHost:" not in text
