"""The secrets Job's script (kustomize/components/in-cluster-secrets/create_secrets.py):
it creates what is missing, keeps what exists and completes a partial state,
agrees with a concurrent run and fails on conflicts and errors. Run as the
rendered Job runs it, against a fake API server (fake_kubernetes.py) over TLS,
and once in the real image (container test)."""

import base64
import json
import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse

import pytest

from tests.deploy.fake_kubernetes import FakeKubernetes, self_signed_certificate, serve
from tests.deploy.manifests import container_environment, pod_spec
from tests.deploy.test_secrets_job import SCRIPT, job
from tests.prerequisites import unavailable

NAMESPACE = "task-manager"
TOKEN = "a-service-account-token"
FORWARDING = "TASKMANAGER_FORWARDING_SECRET"


# --- the plan, in isolation ---------------------------------------------------------


def database(script):
    return script.Database(host="postgres", port=5432, name="taskmanager", user="taskmanager")


def env(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_an_existing_api_env_without_a_forwarding_key_gives_the_new_ui_none(script):
    existing = {
        "taskmanager-api-secrets": {"env": "SECRET_KEY=k\nDATABASE_URL=postgres://u:pw@postgres/db\n"}
    }
    created = script.plan(existing, database(script))
    assert FORWARDING not in env(created["taskmanager-ui-secrets"]["env"])
    assert created["postgres-credentials"] == {"password": "pw"}
    assert not script.conflicts({**existing, **created})


def test_without_a_database_only_the_application_secrets_are_planned(script):
    """Where the API reads its URL from another Secret (DATABASE_URL_FILE)."""
    assert script.Database.from_environment({"DATABASE_URL_FILE": "/etc/taskmanager/database/uri"}) is None
    created = script.plan({}, None)
    assert list(created) == list(script.APPLICATION_NAMES)
    assert "postgres-credentials" not in script.APPLICATION_NAMES
    api, ui = env(created["taskmanager-api-secrets"]["env"]), env(created["taskmanager-ui-secrets"]["env"])
    assert set(api) == {"SECRET_KEY", FORWARDING} and api[FORWARDING] == ui[FORWARDING]


def test_conflicts_are_named(script):
    existing = {
        "postgres-credentials": {"password": "one"},
        "taskmanager-api-secrets": {"env": f"DATABASE_URL=postgres://u:two@h/d\n{FORWARDING}=a\n"},
        "taskmanager-ui-secrets": {"env": f"{FORWARDING}=b\n"},
    }
    problems = script.conflicts(existing)
    assert len(problems) == 2
    assert "another password" in problems[0] and FORWARDING in problems[1]


# --- the script against a fake API server -------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not subprocess.run(["sh", "-c", "command -v openssl"], capture_output=True).stdout:
        unavailable("openssl is not installed", "apt-get install openssl")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake(script):
    return FakeKubernetes(namespace=NAMESPACE, token=TOKEN, readable=set(script.NAMES))


def run_job(kind, fake, certificate, tmp_path) -> subprocess.CompletedProcess:
    """The rendered Job's command and environment, with its ServiceAccount files
    and the API server's address pointing at the fake."""
    ca, key = certificate
    account = tmp_path / "serviceaccount"
    account.mkdir(exist_ok=True)
    (account / "token").write_text(TOKEN + "\n")
    (account / "namespace").write_text(NAMESPACE)
    (account / "ca.crt").write_bytes(ca.read_bytes())
    rendered = job(kind)
    (container,) = pod_spec(rendered)["containers"]
    script = tmp_path / "create_secrets.py"
    script.write_text(SCRIPT.read_text())
    command = [sys.executable if part == "python" else part for part in container["command"]]
    command[-1] = str(script)
    with serve(fake, ca, key) as port:
        environment = {
            **container_environment(kind, rendered, container),
            "PATH": os.environ["PATH"],
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(port),
            "SERVICE_ACCOUNT_DIR": str(account),
        }
        return subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=False
        )


def assert_consistent(fake: FakeKubernetes) -> None:
    password = fake.data("postgres-credentials")["password"]
    api = env(fake.data("taskmanager-api-secrets")["env"])
    ui = env(fake.data("taskmanager-ui-secrets")["env"])
    url = urlparse(api["DATABASE_URL"])
    assert (url.username, url.password, url.hostname, url.port, url.path) == (
        "taskmanager",
        password,
        "postgres",
        5432,
        "/taskmanager",
    )
    assert api[FORWARDING] == ui[FORWARDING]
    assert api["SECRET_KEY"] != ui["SECRET_KEY"]
    assert fake.data("taskmanager-admin-password")["password"]


def test_an_empty_namespace_gets_all_four(kind, fake, certificate, tmp_path):
    result = run_job(kind, fake, certificate, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(fake.secrets) == {
        "postgres-credentials",
        "taskmanager-api-secrets",
        "taskmanager-ui-secrets",
        "taskmanager-admin-password",
    }
    assert_consistent(fake)
    password = fake.data("postgres-credentials")["password"]
    assert len(password) >= 32 and len(fake.data("taskmanager-admin-password")["password"]) >= 16
    api = env(fake.data("taskmanager-api-secrets")["env"])
    assert len(api["SECRET_KEY"]) >= 50 and len(api[FORWARDING]) >= 64
    for secret in fake.secrets.values():
        assert secret["immutable"] is True and secret["type"] == "Opaque"
        for value in secret["data"].values():
            # Names in the log, never values.
            decoded = base64.b64decode(value).decode()
            for line in decoded.splitlines():
                assert line.split("=", 1)[-1] not in result.stdout + result.stderr
    assert result.stdout.count("created ") == 4


def test_existing_secrets_are_kept_untouched(kind, fake, certificate, tmp_path):
    assert run_job(kind, fake, certificate, tmp_path).returncode == 0
    before = {name: fake.data(name) for name in fake.secrets}
    fake.requests.clear()
    again = run_job(kind, fake, certificate, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {name: fake.data(name) for name in fake.secrets} == before
    assert {method for method, _ in fake.requests} == {"GET"}
    assert again.stdout.count("kept ") == 4


@pytest.mark.parametrize(
    "present",
    [
        pytest.param({"postgres-credentials", "taskmanager-ui-secrets"}, id="database-and-ui"),
        pytest.param({"taskmanager-api-secrets"}, id="api-only"),
        pytest.param({"taskmanager-ui-secrets", "taskmanager-admin-password"}, id="ui-and-admin"),
    ],
)
def test_a_partial_state_is_completed_from_what_exists(kind, fake, certificate, tmp_path, present):
    """Whatever survives decides the shared values: the database password (in
    postgres-credentials or the API's DATABASE_URL) and the forwarding key."""
    complete = FakeKubernetes(namespace=NAMESPACE, token=TOKEN, readable=fake.readable)
    assert run_job(kind, complete, certificate, tmp_path).returncode == 0
    for name in present:
        fake.add(name, complete.data(name))

    result = run_job(kind, fake, certificate, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    for name in present:
        assert fake.data(name) == complete.data(name), f"{name} was changed"
    assert_consistent(fake)
    if present & {"postgres-credentials", "taskmanager-api-secrets"}:
        assert fake.data("postgres-credentials") == complete.data("postgres-credentials")
    kept = env(fake.data(min(present & {"taskmanager-api-secrets", "taskmanager-ui-secrets"}))["env"])
    assert env(fake.data("taskmanager-api-secrets")["env"])[FORWARDING] == kept[FORWARDING]


def test_a_secret_created_meanwhile_is_read_back_not_overwritten(kind, fake, certificate, tmp_path):
    """Two runs at once (say a pod retried while the first still ran): each
    create the other got in first is refused with 409, and the script starts
    over from what now exists. Both create in the same order, so the one that
    made a shared value first (the password, the forwarding key) wins."""
    other = FakeKubernetes(namespace=NAMESPACE, token=TOKEN, readable=fake.readable)
    assert run_job(kind, other, certificate, tmp_path).returncode == 0
    fake.created_meanwhile = {
        "postgres-credentials": other.data("postgres-credentials"),
        "taskmanager-api-secrets": other.data("taskmanager-api-secrets"),
    }
    result = run_job(kind, fake, certificate, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("created meanwhile") == 2
    for name in fake.created_meanwhile or ("postgres-credentials", "taskmanager-api-secrets"):
        assert fake.data(name) == other.data(name)
    assert_consistent(fake)


def test_conflicting_secrets_fail_the_job_and_change_nothing(kind, fake, certificate, tmp_path):
    fake.add("postgres-credentials", {"password": "the-database-has-this"})
    url = "postgres://taskmanager:another@postgres:5432/taskmanager"
    fake.add("taskmanager-api-secrets", {"env": f"SECRET_KEY=k\nDATABASE_URL={url}\n"})
    result = run_job(kind, fake, certificate, tmp_path)
    assert result.returncode == 1
    assert "another password" in result.stdout
    assert set(fake.secrets) == {"postgres-credentials", "taskmanager-api-secrets"}
    assert {method for method, _ in fake.requests} == {"GET"}


@pytest.mark.parametrize(("method", "code"), [("GET", 403), ("POST", 500)])
def test_an_api_error_fails_the_job(kind, fake, certificate, tmp_path, method, code):
    fake.failures[(method, "taskmanager-api-secrets" if method == "GET" else "")] = code
    result = run_job(kind, fake, certificate, tmp_path)
    assert result.returncode == 1
    assert str(code) in result.stderr


def test_the_api_server_certificate_is_verified(kind, fake, certificate, tmp_path):
    other_ca, _ = self_signed_certificate(tmp_path)
    real_ca, key = certificate
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(TOKEN)
    (account / "namespace").write_text(NAMESPACE)
    (account / "ca.crt").write_bytes(other_ca.read_bytes())
    with serve(fake, real_ca, key) as port:
        result = subprocess.run(
            [sys.executable, "-I", str(SCRIPT)],
            env={
                "KUBERNETES_SERVICE_HOST": "127.0.0.1",
                "KUBERNETES_SERVICE_PORT": str(port),
                "SERVICE_ACCOUNT_DIR": str(account),
                "PGHOST": "postgres",
                "PGUSER": "u",
                "PGDATABASE": "d",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert not fake.requests


@pytest.mark.container
def test_the_job_runs_in_the_application_image_as_rendered(kind, fake, certificate, tmp_path):
    """The rendered container in the real image: its user, a read-only root
    filesystem, no capabilities, the script and the ServiceAccount files
    mounted read-only where the manifest mounts them."""
    from tests.deploy.test_manifests_in_containers import IMAGE, PodRunner, podman

    if shutil.which("podman") is None or podman("image", "exists", IMAGE).returncode != 0:
        unavailable(
            f"the image {IMAGE} does not exist", "run tests/container first, on a machine with podman"
        )
    ca, key = certificate
    rendered = job(kind)
    (container,) = pod_spec(rendered)["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    scripts, account = tmp_path / "scripts", tmp_path / "serviceaccount"
    scripts.mkdir()
    account.mkdir()
    (scripts / "create_secrets.py").write_text(SCRIPT.read_text())
    (account / "token").write_text(TOKEN)
    (account / "namespace").write_text(NAMESPACE)
    (account / "ca.crt").write_bytes(ca.read_bytes())
    for path in [*scripts.iterdir(), *account.iterdir(), scripts, account]:
        path.chmod(0o755 if path.is_dir() else 0o444)
    runner = PodRunner(kind, rendered, tmp_path, {})
    # A container's `command` replaces the image's entry point, as the kubelet does.
    command = runner.command(
        {**container, "command": []}, "--rm", f"--entrypoint={json.dumps(container['command'])}"
    )
    volumes = [
        f"--volume={scripts}:{mounts['script']}:ro",
        f"--volume={account}:{mounts['kube-api-access']}:ro",
    ]
    with serve(fake, ca, key) as port:
        at = command.index(IMAGE)
        command[at:at] = [
            *volumes,
            "--env=KUBERNETES_SERVICE_HOST=127.0.0.1",
            f"--env=KUBERNETES_SERVICE_PORT={port}",
        ]
        result = podman(*command, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("created ") == 4
    assert_consistent(fake)
