"""Helpers shared by the end-to-end tests: the running stack, its users, logging in."""

import secrets
from dataclasses import dataclass

import httpx
import psycopg2

from tests.e2e.servers import RoleServer


@dataclass
class Stack:
    api: RoleServer
    ui: RoleServer
    database_url: str

    def register_user(self, username: str | None = None, password: str | None = None) -> "User":
        user = User(username or f"user-{secrets.token_hex(4)}", password or f"pw-{secrets.token_urlsafe(12)}")
        response = httpx.post(
            f"{self.api.url}/api/v1/auth/register/",
            json={"username": user.username, "password": user.password},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        token = httpx.post(
            f"{self.api.url}/api/v1/auth/token/",
            json={"username": user.username, "password": user.password},
            timeout=10,
        ).json()["token"]
        user.api = httpx.Client(
            base_url=f"{self.api.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        return user

    def revoke_all_tokens(self, username: str) -> int:
        """What an expired or revoked login looks like to the UI: the API no longer knows the token."""
        with psycopg2.connect(self.database_url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM knox_authtoken WHERE user_id = (SELECT id FROM auth_user WHERE username = %s)",
                [username],
            )
            return cursor.rowcount

    def token_count(self, username: str) -> int:
        with psycopg2.connect(self.database_url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM knox_authtoken"
                " WHERE user_id = (SELECT id FROM auth_user WHERE username = %s)",
                [username],
            )
            return cursor.fetchone()[0]


@dataclass
class User:
    username: str
    password: str
    api: httpx.Client | None = None

    def create_task(self, **fields) -> dict:
        response = self.api.post("/tasks/", json=fields)
        assert response.status_code == 201, response.text
        return response.json()


def log_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def shown(first: int, last: int, total: int) -> str:
    """The list's range label: "21", an en dash, "40 of 45"."""
    return f"{first}\N{EN DASH}{last} of {total}"
