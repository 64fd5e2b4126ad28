"""What to do when a test's prerequisite (PostgreSQL, Chromium, podman, a tool) is missing.

In CI every test must run, so a missing prerequisite fails the run; on a
developer's machine the test skips and says how to enable it.
"""

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def unavailable(reason: str, how_to_enable: str = "") -> NoReturn:
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(f"{reason}; {how_to_enable}" if how_to_enable else reason)


def require_postgresql(what: str) -> None:
    """Fail in CI, or skip elsewhere, unless the test database is PostgreSQL; ``what`` says who needs it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable(f"{what} needs PostgreSQL", "set TEST_DATABASE_URL to a postgres:// URL")
