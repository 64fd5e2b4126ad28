"""`deploy/deploy.sh production-secrets`: the production overlay's secret
files, made once with random values and then kept, consistent with each other,
private, and what the overlay renders from."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.manifests import ROOT, kustomize_build
from tests.deploy.test_deploy_script import copy_scripts


@pytest.fixture
def project(tmp_path):
    """A copy of the parts of the project deploy.sh reads, without real secrets."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "kustomize", copy / "kustomize", ignore=shutil.ignore_patterns(".secrets"))
    copy_scripts(copy)
    return copy


def production_secrets(project: Path) -> Path:
    return project / "kustomize" / "overlays" / "production" / ".secrets"


def run_production_secrets(project: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "production-secrets"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(project)},
        check=check,
    )


def read_secrets(project: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(production_secrets(project).iterdir())}


def test_production_secret_files_are_generated_once_then_reused(project, kubectl_available):
    result = run_production_secrets(project)
    first = read_secrets(project)
    assert set(first) == {"api.env", "ui.env", "postgres-password", "admin-password"}
    assert "backup-s3-credentials" in result.stderr  # named as still missing
    directory = production_secrets(project)
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

    run_production_secrets(project)
    assert read_secrets(project) == first

    # The overlay renders from exactly these files (and the object store's key).
    (directory / "backup-s3-credentials").write_text("[default]\naws_access_key_id = x\n")
    result = kustomize_build(project / "kustomize" / "overlays" / "production")
    assert result.returncode == 0, result.stderr
    assert admin_password not in result.stdout  # base64-encoded in the Secret only


def test_a_missing_file_is_recreated_without_touching_the_others(project):
    run_production_secrets(project)
    first = read_secrets(project)
    (production_secrets(project) / "ui.env").unlink()
    run_production_secrets(project)
    second = read_secrets(project)
    assert second["api.env"] == first["api.env"]
    assert second["postgres-password"] == first["postgres-password"]
    assert second["ui.env"] != first["ui.env"]
    # The new UI file gets the API's forwarding key, not a new one.
    api = dict(line.split("=", 1) for line in second["api.env"].splitlines())
    ui = dict(line.split("=", 1) for line in second["ui.env"].splitlines())
    assert ui["TASKMANAGER_FORWARDING_SECRET"] == api["TASKMANAGER_FORWARDING_SECRET"]


def write_secrets(project: Path, files: dict[str, str]) -> None:
    directory = production_secrets(project)
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
    """Files written before the admin password had its own: the admin in the
    database has the old api.env's password, so that one moves."""
    write_secrets(
        project, {"postgres-password": "old-db-password", "api.env": OLD_API_ENV, "ui.env": OLD_UI_ENV}
    )

    result = run_production_secrets(project)

    migrated = read_secrets(project)
    assert migrated["admin-password"] == "old-admin-password"
    assert migrated["api.env"] == OLD_API_ENV.replace("TASKMANAGER_ADMIN_PASSWORD=old-admin-password\n", "")
    assert migrated["ui.env"] == OLD_UI_ENV
    assert migrated["postgres-password"] == "old-db-password"
    assert "moved the admin password" in result.stderr
    for name in ("api.env", "admin-password"):
        assert oct((production_secrets(project) / name).stat().st_mode & 0o777) == "0o600"
    run_production_secrets(project)
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
    result = run_production_secrets(project, check=False)
    assert result.returncode == 1
    assert "different admin passwords" in result.stderr
    assert read_secrets(project)["api.env"] == OLD_API_ENV  # nothing lost


def test_a_password_mismatch_is_refused(project):
    run_production_secrets(project)
    (production_secrets(project) / "postgres-password").write_text("different")
    result = run_production_secrets(project, check=False)
    assert result.returncode == 1
    assert "password differs" in result.stderr
