"""One-off HTTP requests of the benchmark (readiness, checks, logging in to the UI); load comes from wrk."""

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode


def http_request(method, port, path, headers=None, body=None, timeout=10.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def ui_login(port: int, username: str, password: str) -> str:
    """Log in through the UI's form like a browser; returns the Cookie header to send."""
    cookies = SimpleCookie()
    status, headers, body = http_request("GET", port, "/login/")
    if status != 200:
        raise SystemExit(f"UI GET /login/ answered {status}; the UI role cannot be benchmarked")
    _take_cookies(cookies, headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if match is None:
        raise SystemExit("UI login page has no CSRF token field")
    form = urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password}
    )
    status, headers, _body = http_request(
        "POST",
        port,
        "/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(cookies),
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
        body=form,
    )
    _take_cookies(cookies, headers)
    if status not in (302, 303):
        raise SystemExit(f"UI login answered {status}, expected a redirect")
    return _cookie_header(cookies)


def _take_cookies(jar: SimpleCookie, headers) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)


def _cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)
