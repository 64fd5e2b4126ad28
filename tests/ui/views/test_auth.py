import re

import pytest
from django.test import Client

from taskmanager.ui.session import TOKEN_KEY
from tests.ui.conftest import META, TOKEN


def test_pages_need_a_login_and_remember_where_the_user_was_going(client, fake_api):
    response = client.get("/?status=open&tag=work")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F%3Fstatus%3Dopen%26tag%3Dwork"
    assert fake_api.requests == []


def test_login_keeps_the_token_in_the_session_and_goes_to_next(client, fake_api):
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})
    response = client.post("/login/", {"username": "alice", "password": "pw", "next": "/?status=open"})
    assert response.status_code == 302
    assert response["Location"] == "/?status=open"
    assert client.session[TOKEN_KEY] == TOKEN
    assert fake_api.body(fake_api.requests[0]) == {"username": "alice", "password": "pw"}


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, fake_api, next_url):
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})
    response = client.post("/login/", {"username": "alice", "password": "pw", "next": next_url})
    assert response["Location"] == "/"


def test_wrong_credentials_show_an_error_and_keep_the_username(client, fake_api):
    fake_api.error("POST", "/api/v1/auth/token/", 401, "Invalid username or password.")
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert 'value="alice"' in response.content.decode()
    assert TOKEN_KEY not in client.session


def test_a_throttled_login_says_to_wait_and_answers_429(client, fake_api):
    fake_api.error(
        "POST", "/api/v1/auth/token/", 429, "Request was throttled.", headers={"Retry-After": "42"}
    )
    response = client.post("/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert 'value="alice"' in response.content.decode()
    assert TOKEN_KEY not in client.session


def test_login_page_while_the_api_is_down_is_a_503(client, fake_api):
    fake_api.error("POST", "/api/v1/auth/token/", 503)
    response = client.post("/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 503


def test_sign_up_registers_then_logs_in(client, fake_api):
    fake_api.on("POST", "/api/v1/auth/register/", status=201, json_body={"id": 1, "username": "bob"})
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})
    form = {
        "username": "bob",
        "email": "",
        "password": "long passphrase",
        "password_confirm": "long passphrase",
    }
    response = client.post("/signup/", form)
    assert response.status_code == 302
    assert client.session[TOKEN_KEY] == TOKEN
    assert fake_api.body(fake_api.calls(path="/api/v1/auth/register/")[0]) == {
        "username": "bob",
        "password": "long passphrase",
        "email": "",
    }


def test_sign_up_shows_the_api_field_errors(client, fake_api):
    fake_api.error(
        "POST",
        "/api/v1/auth/register/",
        400,
        fields={"password": ["This password is too common."], "username": ["Already taken."]},
    )
    form = {"username": "bob", "password": "password", "password_confirm": "password"}
    response = client.post("/signup/", form)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "password": ["This password is too common."],
        "username": ["Already taken."],
    }


def test_sign_up_checks_the_repeated_password_before_asking_the_api(client, fake_api):
    response = client.post("/signup/", {"username": "bob", "password": "one pass", "password_confirm": "two"})
    assert response.context["form"].errors == {"password_confirm": ["The two passwords differ."]}
    assert fake_api.calls("POST") == []


def test_sign_up_disabled_at_the_api_says_so(client, fake_api):
    fake_api.error("POST", "/api/v1/auth/register/", 403, "Sign-up is disabled on this server.")
    form = {"username": "bob", "password": "long passphrase", "password_confirm": "long passphrase"}
    response = client.post("/signup/", form)
    assert response.status_code == 403
    assert "Sign-up is turned off" in response.content.decode()


def test_sign_up_closed_at_the_api_is_learnt_from_its_meta_and_never_tried(client, fake_api):
    fake_api.on("GET", "/api/v1/meta/", json_body={**META, "signup_open": False})
    response = client.get("/signup/")
    assert response.status_code == 403
    assert "Sign-up is turned off" in response.content.decode()
    assert client.post("/signup/", {"username": "bob", "password": "x" * 12}).status_code == 403
    assert "Create an account" not in client.get("/login/").content.decode()
    assert fake_api.calls("POST") == []
    # Asked once, then kept for the process (TASKMANAGER_META_TTL).
    assert len(fake_api.calls("GET", "/api/v1/meta/")) == 1


def test_sign_up_open_at_the_api_shows_the_link_and_the_form(client, fake_api):
    assert "Create an account" in client.get("/login/").content.decode()
    assert 'name="password_confirm"' in client.get("/signup/").content.decode()


def test_the_ui_role_reads_no_sign_up_setting(settings):
    assert not hasattr(settings, "TASKMANAGER_ALLOW_SIGNUP")


def test_the_login_page_while_the_api_is_down_is_the_503_page(client, fake_api):
    fake_api.error("GET", "/api/v1/meta/", 503)
    response = client.get("/login/")
    assert response.status_code == 503
    assert "Service unavailable, try again" in response.content.decode()


def test_logout_revokes_the_token_and_ends_the_session(logged_in_client, fake_api):
    fake_api.on("DELETE", "/api/v1/auth/token/", status=204)
    response = logged_in_client.post("/logout/")
    assert response["Location"] == "/login/"
    (revoke,) = fake_api.calls("DELETE")
    assert revoke.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN_KEY not in logged_in_client.session


def test_logout_still_ends_the_session_when_the_api_is_down(logged_in_client, fake_api):
    fake_api.error("DELETE", "/api/v1/auth/token/", 503)
    response = logged_in_client.post("/logout/")
    assert response["Location"] == "/login/"
    assert TOKEN_KEY not in logged_in_client.session


def test_logout_is_post_only(logged_in_client, fake_api):
    assert logged_in_client.get("/logout/").status_code == 405
    assert fake_api.requests == []


def test_a_throttled_sign_up_says_to_wait_and_answers_429(client, fake_api):
    fake_api.error(
        "POST", "/api/v1/auth/register/", 429, "Too many sign-ups.", headers={"Retry-After": "600"}
    )
    form = {"username": "bob", "password": "long passphrase", "password_confirm": "long passphrase"}
    response = client.post("/signup/", form)
    assert response.status_code == 429
    assert "Too many sign-ups" in response.content.decode()
    assert 'value="bob"' in response.content.decode()
    assert TOKEN_KEY not in client.session


def test_every_page_offers_log_out_everywhere_as_a_csrf_protected_post(logged_in_client, list_api):
    page = logged_in_client.get("/").content.decode()
    form = re.search(r'<form method="post" action="/logout-everywhere/">(.*?)</form>', page, re.S)
    assert form, page
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert "Log out everywhere" in form.group(1)


def test_log_out_everywhere_revokes_every_token_and_ends_the_session(logged_in_client, fake_api):
    fake_api.on("DELETE", "/api/v1/auth/tokens/", status=204)
    response = logged_in_client.post("/logout-everywhere/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    (revoke,) = fake_api.calls("DELETE")
    assert revoke.url.path == "/api/v1/auth/tokens/"
    assert revoke.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN_KEY not in logged_in_client.session
    page = logged_in_client.get("/login/").content.decode()
    assert "logged out on every device" in page


def test_log_out_everywhere_while_the_api_is_down_says_so_and_keeps_the_session(logged_in_client, fake_api):
    fake_api.error("DELETE", "/api/v1/auth/tokens/", 503)
    response = logged_in_client.post("/logout-everywhere/")
    # Nothing was revoked, so the user must know and may try again.
    assert response.status_code == 503
    assert logged_in_client.session[TOKEN_KEY] == TOKEN


def test_log_out_everywhere_is_post_only(logged_in_client, fake_api):
    assert logged_in_client.get("/logout-everywhere/").status_code == 405
    assert fake_api.requests == []


def test_log_out_everywhere_needs_the_csrf_token(fake_api):
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/login/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})
    logged_in = client.post("/login/", {"username": "alice", "password": "pw", "csrfmiddlewaretoken": csrf})
    assert logged_in.status_code == 302
    fake_api.requests.clear()

    response = client.post("/logout-everywhere/")

    assert response.status_code == 403
    assert fake_api.requests == []
    assert client.session[TOKEN_KEY] == TOKEN


def test_log_out_everywhere_when_logged_out_goes_to_the_login_page(client, fake_api):
    response = client.post("/logout-everywhere/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert fake_api.requests == []


FORWARDING_SECRET = "shared-between-the-ui-and-the-api-" + "x" * 16


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/login/", {"username": "alice", "password": "pw"}),
        (
            "/signup/",
            {"username": "alice", "password": "long passphrase", "password_confirm": "long passphrase"},
        ),
    ],
)
def test_logins_and_sign_ups_tell_the_api_the_users_address_signed(client, fake_api, settings, path, form):
    from taskmanager.config.client_address import CLIENT_ADDRESS_HEADER, verified_client_address

    settings.TASKMANAGER_FORWARDING_SECRET = FORWARDING_SECRET
    fake_api.on("POST", "/api/v1/auth/register/", status=201, json_body={"id": 1, "username": "alice"})
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})

    assert client.post(path, form, REMOTE_ADDR="203.0.113.9").status_code == 302

    sent = [request.headers[CLIENT_ADDRESS_HEADER] for request in fake_api.calls("POST")]
    assert sent
    assert {verified_client_address(header, secret=FORWARDING_SECRET) for header in sent} == {"203.0.113.9"}


def test_without_a_forwarding_secret_no_address_is_sent(client, fake_api, settings):
    from taskmanager.config.client_address import CLIENT_ADDRESS_HEADER

    settings.TASKMANAGER_FORWARDING_SECRET = ""
    fake_api.on("POST", "/api/v1/auth/token/", json_body={"token": TOKEN, "expiry": None})

    client.post("/login/", {"username": "alice", "password": "pw"}, REMOTE_ADDR="203.0.113.9")

    assert CLIENT_ADDRESS_HEADER not in fake_api.requests[0].headers


def test_other_api_calls_carry_no_address(logged_in_client, list_api, settings):
    from taskmanager.config.client_address import CLIENT_ADDRESS_HEADER

    settings.TASKMANAGER_FORWARDING_SECRET = FORWARDING_SECRET
    logged_in_client.get("/")

    assert list_api.requests
    assert all(CLIENT_ADDRESS_HEADER not in request.headers for request in list_api.requests)


def test_a_throttled_login_says_how_long_to_wait(client, fake_api):
    fake_api.error(
        "POST", "/api/v1/auth/token/", 429, "Too many failed logins.", headers={"Retry-After": "1000"}
    )
    response = client.post("/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 429
    assert "Please wait 17 minutes" in response.content.decode()


@pytest.mark.parametrize("status", [429, 503])
def test_when_the_login_after_sign_up_is_refused_the_user_is_sent_to_log_in(client, fake_api, status):
    fake_api.on("POST", "/api/v1/auth/register/", status=201, json_body={"id": 1, "username": "bob"})
    fake_api.error("POST", "/api/v1/auth/token/", status)
    form = {"username": "bob", "password": "long passphrase", "password_confirm": "long passphrase"}
    response = client.post("/signup/", {**form, "next": "/?status=open"})
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F%3Fstatus%3Dopen"
    assert TOKEN_KEY not in client.session
    assert "Your account is ready: please log in." in client.get(response["Location"]).content.decode()
