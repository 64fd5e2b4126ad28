"""deploy/deploy.sh, short of a real cluster: it passes shellcheck, names
every missing tool, creates the secrets once and then keeps them, and writes
a podman image archive under the name the kubelet looks up."""

import base64
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
    assert set(first) == {"api.env", "ui.env", "postgres-password", "admin-password"}
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
    # The admin's password has a file of its own; the serving role's env file never holds it.
    admin_password = first["admin-password"]
    assert len(admin_password) >= 16
    assert "TASKMANAGER_ADMIN_PASSWORD" not in api
    assert admin_password not in first["api.env"] + first["ui.env"]
    # One key both roles hold: the UI signs client addresses with it, the API checks them.
    assert len(api["TASKMANAGER_FORWARDING_SECRET"]) >= 64
    assert api["TASKMANAGER_FORWARDING_SECRET"] == ui["TASKMANAGER_FORWARDING_SECRET"]

    run_secrets(project)
    assert read_secrets(project) == first

    # The overlay renders from exactly these files.
    result = kustomize_build(project / "kustomize" / "overlays" / "kind")
    assert result.returncode == 0, result.stderr
    assert admin_password not in result.stdout  # base64-encoded in the Secret only


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


def secrets_dir(project: Path) -> Path:
    return project / "kustomize" / "overlays" / "kind" / ".secrets"


def write_secrets(project: Path, files: dict[str, str]) -> None:
    directory = secrets_dir(project)
    directory.mkdir(mode=0o700)
    for name, content in files.items():
        (directory / name).write_text(content)
        (directory / name).chmod(0o600)


OLD_API_ENV = (
    "SECRET_KEY=old-api-key\n"
    "DATABASE_URL=postgres://taskmanager:old-db-password@postgres:5432/taskmanager\n"
    "TASKMANAGER_ADMIN_PASSWORD=old-admin-password\n"
    "TASKMANAGER_FORWARDING_SECRET=old-forwarding-key\n"
)
OLD_UI_ENV = "SECRET_KEY=old-ui-key\nTASKMANAGER_FORWARDING_SECRET=old-forwarding-key\n"


def test_an_api_env_from_before_moves_its_admin_password_to_its_own_file(project):
    """A cluster deployed before the admin password had its own file: the admin
    in its database has the old api.env's password, so that one moves."""
    write_secrets(
        project, {"postgres-password": "old-db-password", "api.env": OLD_API_ENV, "ui.env": OLD_UI_ENV}
    )

    result = run_secrets(project)

    migrated = read_secrets(project)
    assert migrated["admin-password"] == "old-admin-password"
    assert migrated["api.env"] == OLD_API_ENV.replace("TASKMANAGER_ADMIN_PASSWORD=old-admin-password\n", "")
    assert migrated["ui.env"] == OLD_UI_ENV
    assert migrated["postgres-password"] == "old-db-password"
    assert "moved the admin password" in result.stderr
    for name in ("api.env", "admin-password"):
        assert oct((secrets_dir(project) / name).stat().st_mode & 0o777) == "0o600"
    run_secrets(project)
    assert read_secrets(project) == migrated


def test_differing_admin_passwords_in_api_env_and_its_own_file_are_refused(project):
    write_secrets(
        project,
        {
            "postgres-password": "old-db-password",
            "api.env": OLD_API_ENV,
            "ui.env": OLD_UI_ENV,
            "admin-password": "another-password",
        },
    )
    result = subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "secrets"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "different admin passwords" in result.stderr
    assert read_secrets(project)["api.env"] == OLD_API_ENV  # nothing lost


def test_a_missing_admin_password_file_is_recovered_from_the_cluster(project, tmp_path):
    write_secrets(
        project,
        {
            "postgres-password": "old-db-password",
            "api.env": OLD_API_ENV.replace("TASKMANAGER_ADMIN_PASSWORD=old-admin-password\n", ""),
            "ui.env": OLD_UI_ENV,
        },
    )
    bin_dir = tmp_path / "cluster-bin"
    bin_dir.mkdir()
    generated = "taskmanager-admin-password-7c9f2kd4m8"
    encoded = base64.b64encode(b"the-clusters-admin-password").decode()
    (bin_dir / "kind").write_text('#!/bin/sh\n[ "$1 $2" = "get clusters" ] && echo task-manager\nexit 0\n')
    (bin_dir / "kubectl").write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f'  *"get secrets"*) echo secret/taskmanager-api-secrets-m4b8c2h6t9; echo secret/{generated} ;;\n'
        f'  *"get secret/{generated} "*"jsonpath={{.data.password}}"*) printf %s {encoded} ;;\n'
        "  *) exit 1 ;;\n"
        "esac\n"
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    result = subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "secrets"],
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(project)},
        check=True,
    )
    assert read_secrets(project)["admin-password"] == "the-clusters-admin-password"
    assert "recovered the admin password from the cluster" in result.stderr


def run_function(project: Path, function: str, bin_dir: Path | None = None) -> subprocess.CompletedProcess:
    """One function of deploy.sh, sourced, with the secret files already written."""
    path = f"{bin_dir}:/usr/bin:/bin" if bin_dir else "/usr/bin:/bin"
    return subprocess.run(
        ["bash", "-c", f'source "{project}/deploy/deploy.sh"; expect_status() {{ :; }}; {function}'],
        capture_output=True,
        text=True,
        env={"PATH": path, "HOME": str(project)},
        check=False,
    )


def test_the_summary_prints_the_admin_login_from_its_own_file(project):
    run_secrets(project)
    summary = run_function(project, "print_summary")
    assert summary.returncode == 0, summary.stderr
    password = read_secrets(project)["admin-password"]
    assert f"admin / {password}" in summary.stdout
    assert ".secrets/admin-password" in summary.stdout


def fake_api(tmp_path: Path, token_status: int) -> Path:
    """A curl that answers the smoke test's admin token request with token_status."""
    bin_dir = tmp_path / "api-bin"
    bin_dir.mkdir()
    bodies = {
        200: '{"token":"t0ken","expiry":"2030-01-01T00:00:00Z"}',
        401: '{"error":{"status":401,"code":"authentication_failed","message":"Invalid credentials."}}',
        500: '{"error":{"status":500,"code":"server_error","message":"Server error."}}',
    }
    (bin_dir / "curl").write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        "  *DELETE*) exit 0 ;;\n"
        f"  *auth/token/*) cat >/dev/null; printf '%s\\n%s' '{bodies[token_status]}' {token_status} ;;\n"
        '  */me/*) printf \'%s\' \'{"username":"admin","is_staff":true}\' ;;\n'
        "esac\n"
    )
    (bin_dir / "curl").chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(("token_status", "passes"), [(200, True), (401, True), (500, False)])
def test_the_smoke_test_accepts_an_admin_password_changed_since(project, tmp_path, token_status, passes):
    """ensure-admin never resets a password, so one changed in the admin stays;
    a 401 still shows the API checked it against the database."""
    run_secrets(project)
    result = run_function(project, "smoke_test", fake_api(tmp_path, token_status))
    assert (result.returncode == 0) is passes, result.stderr
    if token_status == 200:
        assert "GET /api/v1/me/ as admin" in result.stderr
    if token_status == 401:
        assert "changed since" in result.stderr


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
