"""Settings for the test suite: the real settings module, with test defaults in the environment.

The suite runs against PostgreSQL: the database TEST_DATABASE_URL names, by
default `taskmanager` on the server of POSTGRES_URL (deploy/harness/databases.py),
where the scratch databases of the tests that start real processes go too.
The suite needs that server (its queries, locks and job queue are
PostgreSQL's); when it does not answer, the run stops at once and says so,
rather than failing test by test.
"""

import os
import socket
from urllib.parse import urlparse

from deploy.harness.databases import DEFAULT_POSTGRES_URL, database_url

# Where only TEST_DATABASE_URL is set (as before POSTGRES_URL), its server is the one for
# everything; set here, the harness's scratch databases follow it.
POSTGRES_URL = os.environ.setdefault(
    "POSTGRES_URL", database_url("postgres", os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL)
)
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or database_url("taskmanager", POSTGRES_URL)

os.environ.setdefault("TASKMANAGER_ROLE", "api")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-deployment")
os.environ.setdefault("TASKMANAGER_API_URL", "http://api.test")
# Tests render templates without running collectstatic first.
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")


def _postgres_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


if "DATABASE_URL" not in os.environ:
    if not _postgres_answers(TEST_DATABASE_URL):
        raise SystemExit(
            f"The tests need PostgreSQL at {TEST_DATABASE_URL} and nothing answers there: start it "
            "(pg_ctlcluster 15 main start) or point POSTGRES_URL / TEST_DATABASE_URL at one."
        )
    os.environ["DATABASE_URL"] = TEST_DATABASE_URL

from taskmanager.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
