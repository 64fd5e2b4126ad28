"""Signing up, logging in and out, expired tokens, and the API going away."""

import re
import secrets
import string
import time

import httpx
from playwright.sync_api import expect


def test_sign_up_log_out_and_log_back_in(page, stack):
    username = f"newcomer-{secrets.token_hex(3)}"
    password = "correct horse battery 42"
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2F$"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{stack.ui.url}/")
    expect(page.get_by_text(f"Welcome, {username}! Your account is ready.")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    assert stack.token_count(username) == 1

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    # Logging out revokes the token at the API, not just in the browser.
    assert stack.token_count(username) == 0
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2F$"))

    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.get_by_label("Username")).to_have_value(username)

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{stack.ui.url}/")
    expect(page.get_by_role("heading", name="All tasks", level=1)).to_be_visible()
    # A logged-in visitor of the login page is simply sent on.
    page.goto("/login/?next=/%3Fstatus%3Dcompleted")
    expect(page).to_have_url(f"{stack.ui.url}/?status=completed")


def test_sign_up_shows_the_api_field_errors(page, stack):
    page.goto("/signup/")
    # Letters only: a username sharing digits with the password would add a "too similar" error.
    page.get_by_label("Username").fill(
        "someone-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    )
    page.get_by_label("Password", exact=True).fill("12345678")
    page.get_by_label("Repeat password").fill("12345678")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_password_error p")).to_have_text(
        ["This password is too common.", "This password is entirely numeric."]
    )

    taken = stack.register_user()
    taken.api.close()
    page.get_by_label("Username").fill(taken.username)
    page.get_by_label("Password", exact=True).fill("a much better passphrase")
    page.get_by_label("Repeat password").fill("a much better passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_username_error")).to_contain_text("already exists")
    expect(page.get_by_label("Username")).to_have_value(taken.username)


def test_an_expired_token_leads_to_login_and_back_to_the_same_place(page, stack, logged_in):
    logged_in.create_task(title="Renew the domain", priority="high", tags=["ops"])
    page.goto("/?status=open&tag=ops")
    expect(page.locator("[data-task]")).to_have_count(1)

    # The UI's token and the test's own API token both go.
    assert stack.revoke_all_tokens(logged_in.username) == 2
    page.reload()
    expect(page).to_have_url(re.compile(r"/login/\?next=%2F%3Fstatus%3Dopen%26tag%3Dops$"))
    expect(page.get_by_text("Your session has ended. Please log in again.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out", exact=True)).to_have_count(0)

    page.get_by_label("Username").fill(logged_in.username)
    page.get_by_label("Password").fill(logged_in.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{stack.ui.url}/?status=open&tag=ops")
    expect(page.locator("[data-task]")).to_have_count(1)


def test_api_outage_shows_a_503_page_and_the_ui_recovers(page, stack, logged_in, screenshot):
    logged_in.create_task(title="Ship the release", priority="high")
    page.goto("/?priority=high")
    expect(page.locator("[data-task]")).to_have_count(1)

    stack.api.stop()
    try:
        response = page.reload()
        assert response.status == 503
        expect(page.get_by_role("heading", name="Service unavailable, try again")).to_be_visible()
        expect(page.get_by_text("No tasks yet.")).to_have_count(0)
        screenshot(page, "api-down")
        # The UI itself stays ready: its pods are fine, and users get this page rather than no answer.
        assert httpx.get(f"{stack.ui.url}/readyz", timeout=5).status_code == 200
    finally:
        stack.api.start()

    # The UI's circuit breaker may still be open for a moment, then probes the API and closes.
    assert reload_until_served(page, "/?priority=high") == 200
    expect(page.locator("[data-task]")).to_have_count(1)


def test_a_failing_api_opens_the_circuit_breaker_and_it_closes_by_itself(page, stack, logged_in):
    page.goto("/")
    stack.api.stop()
    try:
        # Each page stops at its first failed call; five failures in a row open the breaker.
        for _ in range(5):
            assert page.reload().status == 503
        assert "circuit breaker for the API: open" in stack.ui.log_text()
        tried = stack.ui.log_text().count("unreachable")
        assert page.reload().status == 503
        # Refused by the open breaker, not by another attempt to connect.
        assert stack.ui.log_text().count("unreachable") == tried
    finally:
        stack.api.start()
    assert reload_until_served(page, "/") == 200
    assert "circuit breaker for the API: closed" in stack.ui.log_text()


def reload_until_served(page, path: str, *, within: float = 20.0) -> int:
    """Load ``path`` until it is no longer the 503 page (bounded); returns the last status."""
    deadline = time.monotonic() + within
    while True:
        status = page.goto(path).status
        if status != 503 or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def test_a_change_during_an_outage_fails_clearly_and_try_again_returns(page, stack, logged_in):
    logged_in.create_task(title="Water the garden")
    page.goto("/?sort=title")
    stack.api.stop()
    try:
        with page.expect_response(lambda r: "/toggle/" in r.url) as toggle:
            page.get_by_role("button", name="Complete “Water the garden”").click()
        assert toggle.value.status == 503
        expect(page.get_by_role("heading", name="Service unavailable, try again")).to_be_visible()
    finally:
        stack.api.start()
    # "Try again" may meet the breaker still open for a moment; trying again brings the page back.
    deadline = time.monotonic() + 20
    while True:
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name="Try again").click()
        if navigation.value.status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page).to_have_url(f"{stack.ui.url}/?sort=title")
    expect(page.get_by_role("button", name="Complete “Water the garden”")).to_be_visible()


def test_the_request_id_follows_a_page_into_the_api_log(page, stack, logged_in):
    request_id = f"e2e-trace-{secrets.token_hex(6)}"
    page.set_extra_http_headers({"X-Request-ID": request_id})
    response = page.goto("/")
    assert response.headers["x-request-id"] == request_id
    api_lines = [line for line in stack.api.log_text().splitlines() if request_id in line]
    assert any("/api/v1/tasks/" in line for line in api_lines), api_lines


def test_unknown_pages_get_the_friendly_404(page, logged_in):
    response = page.goto("/no/such/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="find that page")).to_be_visible()
    response = page.goto("/tasks/00000000-0000-4000-8000-000000000000/edit/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="find that page")).to_be_visible()
