"""`deploy/deploy.sh app-secrets NAMESPACE`: staging's and production's
application Secrets, made by the secrets Job's own script through the pinned
kubectl in the current context, against a fake API server
(fake_kubernetes.py): the three that are missing get random values, the ones
that exist are kept, and no database Secret is made (CloudNativePG's, or the
user's, holds the URL there)."""

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.fake_kubernetes import FakeKubernetes, self_signed_certificate, serve
from tests.deploy.manifests import KUBECTL, ROOT
from tests.deploy.test_create_secrets import FORWARDING, env
from tests.prerequisites import unavailable

NAMESPACE = "task-manager-staging"
TOKEN = "an-operators-token"
APPLICATION = {"taskmanager-api-secrets", "taskmanager-ui-secrets", "taskmanager-admin-password"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not subprocess.run(["sh", "-c", "command -v openssl"], capture_output=True).stdout:
        unavailable("openssl is not installed", "apt-get install openssl")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake():
    # An operator may read more than the Job's Role grants; postgres-credentials is never asked for.
    return FakeKubernetes(namespace=NAMESPACE, token=TOKEN, readable={*APPLICATION, "postgres-credentials"})


def kubeconfig(path: Path, port: int, ca: Path) -> Path:
    """The fake as the current context; kind's context leads nowhere."""
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
  - name: staging
    cluster: {{server: "https://127.0.0.1:{port}", certificate-authority: "{ca}"}}
  - name: kind-task-manager
    cluster: {{server: "https://127.0.0.1:1"}}
users:
  - name: operator
    user: {{token: {TOKEN}}}
contexts:
  - name: staging
    context: {{cluster: staging, user: operator}}
  - name: kind-task-manager
    context: {{cluster: kind-task-manager, user: operator}}
current-context: staging
"""
    )
    return path


def app_secrets(fake, certificate, tmp_path, *arguments: str) -> subprocess.CompletedProcess:
    ca, key = certificate
    with serve(fake, ca, key) as port:
        return subprocess.run(
            ["bash", str(ROOT / "deploy" / "deploy.sh"), "app-secrets", *arguments],
            capture_output=True,
            text=True,
            env={
                # python3 is the test interpreter's; kubectl the pinned one.
                "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "HOME": str(tmp_path),
                "KUBECONFIG": str(kubeconfig(tmp_path / "kubeconfig", port, ca)),
                "KUBECTL": str(KUBECTL),
            },
            timeout=120,
            check=False,
        )


def test_the_missing_application_secrets_are_made_in_the_current_context(
    kubectl_available, fake, certificate, tmp_path
):
    result = app_secrets(fake, certificate, tmp_path, NAMESPACE)
    assert result.returncode == 0, result.stderr
    assert f"namespace {NAMESPACE} of context staging" in result.stderr
    assert set(fake.secrets) == APPLICATION
    api = env(fake.data("taskmanager-api-secrets")["env"])
    ui = env(fake.data("taskmanager-ui-secrets")["env"])
    assert set(api) == {"SECRET_KEY", FORWARDING}  # no DATABASE_URL: the database's Secret has it
    assert api[FORWARDING] == ui[FORWARDING] and len(api[FORWARDING]) >= 64
    assert api["SECRET_KEY"] != ui["SECRET_KEY"] and len(api["SECRET_KEY"]) >= 50
    assert len(fake.data("taskmanager-admin-password")["password"]) >= 16
    for secret in fake.secrets.values():
        assert secret["immutable"] is True and secret["type"] == "Opaque"
        for value in secret["data"].values():
            # Names in the output, never values.
            for line in base64.b64decode(value).decode().splitlines():
                assert line.split("=", 1)[-1] not in result.stdout + result.stderr
    assert "get secret taskmanager-admin-password" in result.stderr  # how to read it


def test_existing_secrets_are_kept_and_completed_from(kubectl_available, fake, certificate, tmp_path):
    stored = f"SECRET_KEY=from-the-store\n{FORWARDING}=shared-key\n"
    fake.add("taskmanager-api-secrets", {"env": stored})
    result = app_secrets(fake, certificate, tmp_path, NAMESPACE)
    assert result.returncode == 0, result.stderr
    assert fake.data("taskmanager-api-secrets")["env"] == stored
    assert env(fake.data("taskmanager-ui-secrets")["env"])[FORWARDING] == "shared-key"
    before = {name: fake.data(name) for name in fake.secrets}
    fake.requests.clear()
    again = app_secrets(fake, certificate, tmp_path, NAMESPACE)
    assert again.returncode == 0, again.stderr
    assert {name: fake.data(name) for name in fake.secrets} == before
    assert {method for method, _ in fake.requests} == {"GET"}


def test_a_refused_request_fails_and_says_why(kubectl_available, fake, certificate, tmp_path):
    fake.failures[("POST", "")] = 500
    result = app_secrets(fake, certificate, tmp_path, NAMESPACE)
    assert result.returncode == 1
    assert "injected failure" in result.stderr and "not all of them exist" in result.stderr


@pytest.mark.parametrize("arguments", [(), ("",), (NAMESPACE, "extra")])
def test_the_namespace_is_required(arguments):
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "deploy.sh"), "app-secrets", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "app-secrets NAMESPACE" in result.stderr
