"""Real concurrency against PostgreSQL: requests in threads, each thread with its own connection
(the helpers are shared with the API's concurrency tests: tests/concurrency.py)."""

import pytest

from tests.prerequisites import require_postgresql


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("row-lock concurrency")
