"""deploy/deploy.sh, short of a real cluster: it passes shellcheck, names
every missing tool, creates the secrets once and then keeps them, and writes
a podman image archive under the name the kubelet looks up."""

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.deploy.manifests import ROOT, kustomize_build
from tests.prerequisites import unavailable

DEPLOY = ROOT / "deploy"
SCRIPT = DEPLOY / "deploy.sh"
CONTAINERS_CONF = DEPLOY / "containers.conf"


def require(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        unavailable(f"{tool} is not installed", f"apt-get install {tool}")
    return path


def test_shell_scripts_pass_shellcheck():
    shellcheck = require("shellcheck")
    scripts = sorted(DEPLOY.glob("*.sh"))
    assert SCRIPT in scripts
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_names_every_missing_tool(tmp_path):
    # A PATH with bash and the basic utilities, but no kind, kubectl, docker,
    # podman or curl.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "grep", "cat", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    project = tmp_path / "project"
    (project / "deploy").mkdir(parents=True)
    shutil.copy(SCRIPT, project / "deploy")
    result = subprocess.run(
        [str(bin_dir / "bash"), str(project / "deploy" / "deploy.sh"), "up"],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        check=False,
    )
    assert result.returncode == 1
    for tool in ("kind", "kubectl", "docker or podman", "curl"):
        assert f"- {tool}" in result.stderr, result.stderr


def test_rejects_an_unknown_action():
    result = subprocess.run(["bash", str(SCRIPT), "explode"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage" in result.stderr.lower() or "deploy.sh" in result.stderr


@pytest.fixture
def project(tmp_path):
    """A copy of the parts of the project deploy.sh reads, without real secrets."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "kustomize", copy / "kustomize", ignore=shutil.ignore_patterns(".secrets"))
    (copy / "deploy").mkdir()
    shutil.copy(SCRIPT, copy / "deploy")
    return copy


def run_secrets(project: Path) -> subprocess.CompletedProcess:
    # No kind on PATH: there is no cluster to recover secrets from.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project)}
    return subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "secrets"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )


def read_secrets(project: Path) -> dict[str, str]:
    directory = project / "kustomize" / "overlays" / "kind" / ".secrets"
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def test_secrets_are_generated_once_then_reused(project, kubectl_available):
    run_secrets(project)
    first = read_secrets(project)
    assert set(first) == {"api.env", "ui.env", "postgres-password"}
    directory = project / "kustomize" / "overlays" / "kind" / ".secrets"
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    for path in directory.iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o600"

    password = first["postgres-password"]
    api = dict(line.split("=", 1) for line in first["api.env"].splitlines())
    ui = dict(line.split("=", 1) for line in first["ui.env"].splitlines())
    assert len(password) >= 32
    assert api["DATABASE_URL"] == f"postgres://taskmanager:{password}@postgres:5432/taskmanager"
    assert len(api["SECRET_KEY"]) >= 50 and len(ui["SECRET_KEY"]) >= 50
    assert api["SECRET_KEY"] != ui["SECRET_KEY"]
    assert len(api["TASKMANAGER_ADMIN_PASSWORD"]) >= 16
    # One key both roles hold: the UI signs client addresses with it, the API checks them.
    assert len(api["TASKMANAGER_FORWARDING_SECRET"]) >= 64
    assert api["TASKMANAGER_FORWARDING_SECRET"] == ui["TASKMANAGER_FORWARDING_SECRET"]

    run_secrets(project)
    assert read_secrets(project) == first

    # The overlay renders from exactly these files.
    result = kustomize_build(project / "kustomize" / "overlays" / "kind")
    assert result.returncode == 0, result.stderr
    assert api["TASKMANAGER_ADMIN_PASSWORD"] not in result.stdout  # base64-encoded in the Secret only


def test_a_missing_file_is_recreated_without_touching_the_others(project):
    run_secrets(project)
    first = read_secrets(project)
    (project / "kustomize" / "overlays" / "kind" / ".secrets" / "ui.env").unlink()
    run_secrets(project)
    second = read_secrets(project)
    assert second["api.env"] == first["api.env"]
    assert second["postgres-password"] == first["postgres-password"]
    assert second["ui.env"] != first["ui.env"]
    # The new UI file gets the API's forwarding key, not a new one.
    api = dict(line.split("=", 1) for line in second["api.env"].splitlines())
    ui = dict(line.split("=", 1) for line in second["ui.env"].splitlines())
    assert ui["TASKMANAGER_FORWARDING_SECRET"] == api["TASKMANAGER_FORWARDING_SECRET"]


def test_a_password_mismatch_is_refused(project):
    run_secrets(project)
    (project / "kustomize" / "overlays" / "kind" / ".secrets" / "postgres-password").write_text("different")
    result = subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "secrets"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "password differs" in result.stderr


@pytest.mark.container
def test_podman_archive_carries_the_short_image_name(tmp_path):
    podman = require("podman")
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    (tmp_path / "payload").write_text("probe\n")
    (tmp_path / "Containerfile").write_text("FROM scratch\nCOPY payload /payload\n")
    name = "taskmanager-deploy-probe:0.0.1"
    subprocess.run([podman, "build", "--quiet", "--tag", name, str(tmp_path)], env=env, check=True)
    try:
        archive = tmp_path / "archive.tar"
        subprocess.run(
            ["bash", "-c", f'source "{SCRIPT}"; podman_archive "$1" "$2"', "-", name, str(archive)],
            env=env,
            check=True,
            capture_output=True,
        )
        with tarfile.open(archive) as tar:
            (manifest,) = json.load(tar.extractfile("manifest.json"))
            assert manifest["RepoTags"] == [name]
            assert set(manifest["Layers"]) <= set(tar.getnames())
    finally:
        subprocess.run(
            [podman, "rmi", "--force", f"localhost/{name}"], env=env, check=False, capture_output=True
        )


@pytest.fixture
def fake_tools(tmp_path):
    """Stand-ins for kind, kubectl, docker and curl that record how kind is called."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    calls = tmp_path / "kind-calls"
    (bin_dir / "kind").write_text(
        f'#!/bin/sh\necho "$*" >> "{calls}"\nif [ "$1 $2" = "get clusters" ]; then echo task-manager; fi\n'
    )
    for tool in ("kubectl", "docker", "curl"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return bin_dir, calls


@pytest.mark.parametrize(("answer", "deleted"), [("n\n", False), ("\n", False), ("", False), ("y\n", True)])
def test_down_deletes_the_cluster_only_when_told_yes(fake_tools, answer, deleted):
    bin_dir, calls = fake_tools
    result = subprocess.run(
        ["bash", str(SCRIPT), "down"],
        input=answer,
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "CONTAINER_ENGINE": "docker"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "[y/N]" in result.stderr
    recorded = calls.read_text().splitlines()
    assert ("delete cluster --name task-manager" in recorded) is deleted
