"""The OpenAPI schema holds against a real API process: schemathesis, every operation, every check.

A real server (tests/processes.py) on a scratch PostgreSQL database, a real
user with a real token, and a bounded run: a fixed seed and a cap on the cases
per operation and phase, about a thousand requests in half a minute. The bar
is no failure of any check. The allowances are in schemathesis.toml and
schemathesis_hooks.py, each with its reason.
"""

import os
import re
import subprocess
import sys

import pytest

from tests.processes import ROOT, api_server, registered_token

PASSWORD = "schema-fuzzing-passphrase"
# Cases per operation in each random phase; the coverage phase adds its own boundary cases.
MAX_EXAMPLES = 12
SEED = 20261201
MIN_CASES = 300
CONFIG = ROOT / "tests" / "api" / "schemathesis.toml"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real API process on a scratch database; yields its base URL and its log file."""
    log = tmp_path_factory.mktemp("schemathesis") / "api.log"
    with api_server(
        log, database_prefix="taskmanager_schemathesis", LOG_LEVEL="WARNING", ACCESS_LOG="false"
    ) as base_url:
        yield base_url, log


def token_for(base_url: str, username: str) -> str:
    return registered_token(base_url, username, PASSWORD)


def test_the_api_meets_its_schema(api, tmp_path):
    base_url, log = api
    token = token_for(base_url, "fuzzer")
    # Logging out revokes the token it is called with, so that operation gets a token of its own.
    logout_token = token_for(base_url, "fuzzer-logout")
    env = {
        **os.environ,
        "LOGOUT_AUTHORIZATION": f"Bearer {logout_token}",
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/api/v1/schema/?format=json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
        "--output-truncate",
        "false",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    print(result.stdout)  # shown with -s: what was run and found
    server_log = log.read_text()
    report = f"{result.stdout}\n{result.stderr}\n--- server log ---\n{server_log[-5000:]}"
    assert result.returncode == 0, report
    assert "Traceback" not in server_log, report
    # The run really exercised the API: every operation, a few hundred cases, stateful links.
    assert re.search(r"Operations:\s+(\d+) selected / \1 total", result.stdout), report
    assert int(re.search(r"(\d+) generated", result.stdout)[1]) >= MIN_CASES, report
    assert "Stateful" in result.stdout, report
