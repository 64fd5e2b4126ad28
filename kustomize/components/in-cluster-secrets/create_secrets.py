"""Create the Secrets the pods mount, in the cluster, once.

Each Secret that is missing gets random values; each one that exists is kept
exactly as it is (the Job's Role cannot change or delete one). A partial state
is completed consistently from what exists: the API's DATABASE_URL carries the
database password, and both roles carry the same forwarding key.

    postgres-credentials        password    the database password (POSTGRES_PASSWORD_FILE)
    taskmanager-api-secrets     env         SECRET_KEY, DATABASE_URL, TASKMANAGER_FORWARDING_SECRET
    taskmanager-ui-secrets      env         SECRET_KEY (its own), TASKMANAGER_FORWARDING_SECRET
    taskmanager-admin-password  password    the first admin's password (ensure-admin only)

The first one, and DATABASE_URL, only for the in-cluster PostgreSQL: where the
API reads its URL from a file another Secret provides (DATABASE_URL_FILE is
set: components/cloudnative-pg, components/external-database), that Secret
holds the database's credentials, and only the other three are made.

    create_secrets.py                  in the Job taskmanager-secrets (job.yaml)
    create_secrets.py --namespace NS   from a workstation: the three application
                                       Secrets, without the database's, in NS
                                       through kubectl's current context
                                       (deploy/deploy.sh app-secrets)

In the Job it runs in the application image, with the standard library only,
as the ServiceAccount taskmanager-secrets: it reads the API server's address
from KUBERNETES_SERVICE_HOST/PORT and its token, CA and namespace from
SERVICE_ACCOUNT_DIR, and the database's host, port, user and name from PGHOST,
PGPORT, PGUSER and PGDATABASE. With --namespace it runs the kubectl named by
KUBECTL (default: kubectl) with whatever rights its context has. It prints
names, never values. Exit status: 0 when all exist, 1 otherwise (the Job then
retries).
"""

import argparse
import base64
import json
import os
import secrets
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

DATABASE = "postgres-credentials"
API = "taskmanager-api-secrets"
UI = "taskmanager-ui-secrets"
ADMIN = "taskmanager-admin-password"
# In the order they are created. Two runs at once agree because of it: each Secret
# comes before the ones that share its values, so whichever run creates it first
# wins, and the other's create is refused (409) before it makes a dependent one.
NAMES = (DATABASE, API, UI, ADMIN)
# Where another Secret brings the database's credentials (no Database to make them for).
APPLICATION_NAMES = (API, UI, ADMIN)
FORWARDING = "TASKMANAGER_FORWARDING_SECRET"
LABELS = {
    "app.kubernetes.io/part-of": "taskmanager",
    "app.kubernetes.io/managed-by": "taskmanager-secrets",
}
ATTEMPTS = 3

Data = dict[str, str]


@dataclass(frozen=True)
class Database:
    """Where the API finds PostgreSQL, for the DATABASE_URL it is given."""

    host: str
    port: int
    name: str
    user: str

    def url(self, password: str) -> str:
        return f"postgres://{self.user}:{password}@{self.host}:{self.port}/{self.name}"

    @classmethod
    def from_environment(cls, environ=os.environ) -> "Database | None":
        """The database to make credentials for, or None when the API reads
        its URL from a file another Secret provides (DATABASE_URL_FILE)."""
        if environ.get("DATABASE_URL_FILE"):
            return None
        return cls(
            host=environ["PGHOST"],
            port=int(environ.get("PGPORT", "5432")),
            name=environ["PGDATABASE"],
            user=environ["PGUSER"],
        )


def managed(database: "Database | None") -> tuple[str, ...]:
    """The Secrets made for a database, or without one."""
    return NAMES if database is not None else APPLICATION_NAMES


def env_file(values: Data) -> str:
    return "".join(f"{name}={value}\n" for name, value in values.items())


def parse_env(text: str) -> Data:
    values = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            values[name.strip()] = value
    return values


def url_password(database_url: str | None) -> str | None:
    return urlparse(database_url).password if database_url else None


def plan(
    existing: dict[str, Data], database: Database | None, token: Callable[[int], str] = secrets.token_hex
):
    """The data of each missing Secret. Values that two Secrets share come from
    the one that exists, so a partial state is completed, never contradicted.
    Without a database, no database password and no DATABASE_URL."""
    api = parse_env(existing[API].get("env", "")) if API in existing else {}
    ui = parse_env(existing[UI].get("env", "")) if UI in existing else {}
    password = ""
    if database is not None:
        password = (
            existing.get(DATABASE, {}).get("password") or url_password(api.get("DATABASE_URL")) or token(24)
        )
    url = {"DATABASE_URL": database.url(password)} if database is not None else {}
    # The role that exists decides, even when it has no key (then neither gets one).
    if API in existing or UI in existing:
        forwarding = api.get(FORWARDING) if API in existing else ui.get(FORWARDING)
    else:
        forwarding = token(32)
    shared = {FORWARDING: forwarding} if forwarding else {}
    wanted = {
        DATABASE: lambda: {"password": password},
        API: lambda: {"env": env_file({"SECRET_KEY": token(32), **url, **shared})},
        UI: lambda: {"env": env_file({"SECRET_KEY": token(32), **shared})},
        ADMIN: lambda: {"password": token(12)},
    }
    return {name: wanted[name]() for name in managed(database) if name not in existing}


def conflicts(existing: dict[str, Data]) -> list[str]:
    """What existing Secrets disagree on. The Job cannot change a Secret, so
    these are for a person to settle: delete the wrong one and run the Job again."""
    problems = []
    api = parse_env(existing[API].get("env", "")) if API in existing else None
    ui = parse_env(existing[UI].get("env", "")) if UI in existing else None
    if (
        api is not None
        and DATABASE in existing
        and url_password(api.get("DATABASE_URL")) != existing[DATABASE].get("password")
    ):
        problems.append(f"the DATABASE_URL in {API} has another password than {DATABASE}")
    if api is not None and ui is not None and api.get(FORWARDING) != ui.get(FORWARDING):
        problems.append(f"{API} and {UI} hold different {FORWARDING} values")
    return problems


def manifest(name: str, data: Data) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": LABELS},
        "type": "Opaque",
        # Never changed once made: the Job only creates, and a mistaken edit cannot happen.
        "immutable": True,
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
    }


class ApiError(Exception):
    pass


class Cluster:
    """The two calls this needs: read one Secret, create one Secret."""

    def __init__(self, server: str, token: str, ca_file: Path, namespace: str, timeout: float = 10):
        self.base = f"{server}/api/v1/namespaces/{quote(namespace)}/secrets"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.context = ssl.create_default_context(cafile=str(ca_file))
        self.timeout = timeout

    @classmethod
    def in_cluster(cls, environ=os.environ) -> "Cluster":
        account = Path(environ.get("SERVICE_ACCOUNT_DIR", "/var/run/secrets/kubernetes.io/serviceaccount"))
        host = environ["KUBERNETES_SERVICE_HOST"]
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        server = f"https://{host}:{environ.get('KUBERNETES_SERVICE_PORT', '443')}"
        return cls(
            server,
            (account / "token").read_text().strip(),
            account / "ca.crt",
            (account / "namespace").read_text().strip(),
        )

    def _call(self, method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=payload, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            try:
                status = json.load(error)
            except ValueError:
                status = {}
            return error.code, status

    def get(self, name: str) -> Data | None:
        code, body = self._call("GET", f"{self.base}/{quote(name)}")
        if code == 404:
            return None
        if code != 200:
            raise ApiError(f"GET secret {name}: {code} {body.get('message', '')}".rstrip())
        return {key: base64.b64decode(value).decode() for key, value in (body.get("data") or {}).items()}

    def create(self, name: str, data: Data) -> bool:
        """True when created, False when it exists (made meanwhile by another run)."""
        code, body = self._call("POST", self.base, manifest(name, data))
        if code == 409:
            return False
        if code != 201:
            raise ApiError(f"create secret {name}: {code} {body.get('message', '')}".rstrip())
        return True


class Kubectl:
    """The same two calls through kubectl, with its current context's rights:
    raw requests, so that kubectl adds nothing of its own to them."""

    def __init__(self, namespace: str, kubectl: str = "kubectl"):
        self.kubectl = kubectl
        self.base = f"/api/v1/namespaces/{quote(namespace)}/secrets"

    def _run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [self.kubectl, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
        )

    def get(self, name: str) -> Data | None:
        result = self._run("get", "--raw", f"{self.base}/{quote(name)}")
        if result.returncode == 0:
            body = json.loads(result.stdout)
            return {key: base64.b64decode(value).decode() for key, value in (body.get("data") or {}).items()}
        if "(NotFound)" in result.stderr:
            return None
        raise ApiError(f"GET secret {name}: {result.stderr.strip()}")

    def create(self, name: str, data: Data) -> bool:
        """True when created, False when it exists (made meanwhile by another run)."""
        result = self._run(
            "create", "--raw", self.base, "--filename", "-", stdin=json.dumps(manifest(name, data))
        )
        if result.returncode == 0:
            return True
        if "(AlreadyExists)" in result.stderr:
            return False
        raise ApiError(f"create secret {name}: {result.stderr.strip()}")


def run(cluster: Cluster | Kubectl, database: Database | None, log=print) -> int:
    names = managed(database)
    for _ in range(ATTEMPTS):
        existing = {name: data for name in names if (data := cluster.get(name)) is not None}
        problems = conflicts(existing)
        if problems:
            for problem in problems:
                log(f"conflict: {problem}")
            log("changed nothing; delete the Secret that is wrong, then run this again")
            return 1
        for name in names:
            if name in existing:
                log(f"kept {name}: it exists")
        for name, data in plan(existing, database).items():
            if not cluster.create(name, data):
                log(f"{name} was created meanwhile; reading them all again")
                break
            log(f"created {name}")
        else:
            return 0
    log(f"gave up after {ATTEMPTS} attempts: the Secrets kept changing while this ran")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--namespace",
        help="through kubectl's current context, in this namespace, without the database's Secret",
    )
    arguments = parser.parse_args(argv)
    try:
        if arguments.namespace:
            return run(Kubectl(arguments.namespace, os.environ.get("KUBECTL", "kubectl")), None)
        return run(Cluster.in_cluster(), Database.from_environment())
    except (ApiError, OSError, KeyError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"error: {error!r}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
