"""deploy/deploy.sh, short of a real cluster: it passes shellcheck, names every
missing tool, tags each build by its content and applies the kind overlay with
that tag once (no patch afterwards), waits for the Job that makes the Secrets,
carries an older deploy's generated Secrets over to their fixed names, smoke-
tests with the admin's password from the cluster, and writes a podman archive
under the name the kubelet looks up. (`app-secrets`: test_app_secrets.py.)"""

import base64
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.deploy.manifests import ROOT, all_containers, is_app_image, kustomize_build, pod_spec
from tests.prerequisites import unavailable

DEPLOY = ROOT / "deploy"
SCRIPT = DEPLOY / "deploy.sh"
CONTAINERS_CONF = DEPLOY / "containers.conf"
IMAGE_ID = "3f9a1c0d2b4e" + "5" * 52
ADMIN_PASSWORD = "the-clusters-admin-password"


def require(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        unavailable(f"{tool} is not installed", f"apt-get install {tool}")
    return path


def shell_scripts() -> list[Path]:
    return sorted([*DEPLOY.glob("*.sh"), *DEPLOY.glob("lib/*.sh"), *(ROOT / "kustomize").rglob("*.sh")])


def test_shell_scripts_pass_shellcheck():
    shellcheck = require("shellcheck")
    scripts = shell_scripts()
    assert SCRIPT in scripts and len(scripts) > 5
    # -x: deploy.sh's sourced helpers are read for what they define.
    result = subprocess.run(
        [shellcheck, "-x", *map(str, scripts)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_sh_stays_readable():
    for script in [SCRIPT, *DEPLOY.glob("lib/*.sh")]:
        assert len(script.read_text().splitlines()) < 400, script


def copy_scripts(project: Path) -> None:
    shutil.copytree(DEPLOY, project / "deploy", ignore=shutil.ignore_patterns(".generated", ".secrets"))


def test_names_every_missing_tool(tmp_path):
    # A PATH with bash and the basic utilities, but no kind, kubectl, docker,
    # podman or curl.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "grep", "cat", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    project = tmp_path / "project"
    copy_scripts(project)
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


@pytest.mark.parametrize("action", ["explode", "secrets", "production-secrets"])
def test_rejects_an_unknown_action(action):
    result = subprocess.run(["bash", str(SCRIPT), action], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage" in result.stderr.lower() or "deploy.sh" in result.stderr


@pytest.fixture
def project(tmp_path):
    """A copy of the parts of the project deploy.sh reads, without real secrets."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "kustomize", copy / "kustomize", ignore=shutil.ignore_patterns(".secrets"))
    copy_scripts(copy)
    return copy


# --- fake tools --------------------------------------------------------------------


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


FAKE_KUBECTL = r"""#!/bin/sh
echo "$*" >> "$CALLS"
case "$*" in
  *"get namespace"*) [ -n "$NAMESPACE_EXISTS" ] || exit 1 ;;
  *"get secrets "*) printf '%s\n' $SECRET_NAMES ;;
  *"get secret/"*"jsonpath={.data}"*) printf '{"password":"%s"}' "$(printf old-password | base64)" ;;
  *"create --namespace task-manager --filename -"*) cat >> "$CREATED" ;;
  *"delete job taskmanager-secrets"*) ;;
  *"apply --kustomize"*) echo "job.batch/taskmanager-secrets created" ;;
  *"get job taskmanager-secrets"*) printf '%s' "${JOB_CONDITIONS-Complete}" ;;
  *"logs job/taskmanager-secrets"*) echo "created postgres-credentials" ;;
  *"rollout status"*) ;;
  *"get hpa"*|*"get deployment"*) printf 2 ;;
  *"get secret taskmanager-admin-password"*) printf '%s' "$ADMIN_PASSWORD_B64" ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 1 ;;
esac
"""

FAKE_DOCKER = r"""#!/bin/sh
echo "$*" >> "$CALLS"
case "$1" in
  build) while [ $# -gt 0 ]; do [ "$1" = --iidfile ] && printf 'sha256:%s' "$IMAGE_ID" > "$2"; shift; done ;;
esac
exit 0
"""

FAKE_KIND = r"""#!/bin/sh
echo "kind $*" >> "$CALLS"
[ "$1 $2" = "get clusters" ] && echo task-manager
exit 0
"""

TOKEN_BODIES = {
    200: '{"token":"t0ken","expiry":"2030-01-01T00:00:00Z"}',
    401: '{"error":{"status":401,"code":"authentication_failed","message":"Invalid credentials."}}',
    500: '{"error":{"status":500,"code":"server_error","message":"Server error."}}',
}


def fake_curl(token_status: int) -> str:
    """A curl that answers every probe 200 and the admin's token request with token_status."""
    body = TOKEN_BODIES[token_status]
    return (
        "#!/bin/sh\n"
        'case "$*" in\n'
        "  *DELETE*) exit 0 ;;\n"
        f"  *auth/token/*) cat >/dev/null; printf '%s\\n%s' '{body}' {token_status} ;;\n"
        '  */me/*) printf \'%s\' \'{"username":"admin","is_staff":true}\' ;;\n'
        "  *) printf 200 ;;\n"
        "esac\n"
    )


@pytest.fixture
def fake_tools(tmp_path):
    """kind, kubectl, docker and curl stand-ins that record their calls."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    calls.touch()
    executable(bin_dir / "kubectl", FAKE_KUBECTL)
    executable(bin_dir / "docker", FAKE_DOCKER)
    executable(bin_dir / "kind", FAKE_KIND)
    executable(bin_dir / "curl", fake_curl(200))
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CALLS": str(calls),
        "CREATED": str(tmp_path / "created"),
        "IMAGE_ID": IMAGE_ID,
        "CONTAINER_ENGINE": "docker",
        "ADMIN_PASSWORD_B64": base64.b64encode(ADMIN_PASSWORD.encode()).decode(),
    }
    return bin_dir, calls, env


def run(project: Path, commands: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    """deploy.sh's functions, sourced, then `commands`."""
    return subprocess.run(
        ["bash", "-c", f'source "{project}/deploy/deploy.sh"; KUBECTL=kubectl; {commands}'],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def kubectl_calls(calls: Path) -> list[str]:
    return [line for line in calls.read_text().splitlines() if line.startswith("--context")]


# --- one deploy, one apply ---------------------------------------------------------


def test_up_applies_the_kind_overlay_once_with_the_content_tag(project, fake_tools):
    """The first apply names the new image, so it is the only rollout: no patch
    or restart follows, and the applied overlay is git's plus one tag."""
    _, calls, env = fake_tools
    result = subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "up"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    tag = IMAGE_ID[:12]
    recorded = calls.read_text().splitlines()
    assert f"tag {IMAGE_ID} taskmanager:{tag}" in recorded
    assert f"kind load docker-image taskmanager:{tag} --name task-manager" in recorded
    kubectl = [line.split(" ", 2)[2] for line in kubectl_calls(calls)]
    applies = [c for c in kubectl if c.startswith("apply")]
    assert applies == [f"apply --kustomize {project}/deploy/.generated/kind"]
    assert not [c for c in kubectl if c.startswith(("patch", "rollout restart", "set image"))]
    # The finished secrets Job goes first (its template names the last image), then it is waited for.
    order = [
        next(i for i, c in enumerate(kubectl) if c.startswith(p)) for p in ("delete job", "apply", "get job")
    ]
    assert order == sorted(order)
    assert f"taskmanager (taskmanager:{tag}) is running" in result.stdout
    assert f"admin / {ADMIN_PASSWORD}" in result.stdout


def test_up_waits_for_the_worker_after_the_api_has_migrated(project, fake_tools):
    """The worker's pods wait for the API's migrations, so its rollout is
    waited for after the API's; Mailpit's too, before the smoke test asks it."""
    _, calls, env = fake_tools
    result = subprocess.run(
        ["bash", str(project / "deploy" / "deploy.sh"), "up"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    rollouts = [
        c.split(" ", 2)[2].split()[2]
        for c in kubectl_calls(calls)
        if c.split(" ", 2)[2].startswith("rollout status")
    ]
    assert rollouts == [
        "statefulset/postgres",
        "deployment/taskmanager-api",
        "deployment/taskmanager-worker",
        "deployment/taskmanager-ui",
        "deployment/mailpit",
    ]
    assert "Mail (Mailpit)  http://localhost:30082/" in result.stdout


def test_the_generated_overlay_is_the_kind_overlay_with_the_new_tag(project, fake_tools, kubectl_available):
    _, _, env = fake_tools
    assert run(project, "IMAGE=taskmanager:0123456789e1; write_overlay", env).returncode == 0
    generated = project / "deploy" / ".generated" / "kind"
    rendered = kustomize_build(generated)
    committed = kustomize_build(project / "kustomize" / "overlays" / "kind")
    assert rendered.returncode == 0, rendered.stderr
    new, old = ([o for o in yaml.safe_load_all(r.stdout) if o] for r in (rendered, committed))
    for obj in new:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob"):
            for container in all_containers(obj):
                if is_app_image(container["image"]):
                    # A tag of digits and an "e" stays a string, not a number.
                    assert container["image"] == "taskmanager:0123456789e1"
                    container["image"] = "taskmanager:0.1.0"
    assert new == old


def test_the_build_is_tagged_by_its_content(project, fake_tools):
    _, calls, env = fake_tools
    result = run(project, "ENGINE=docker; build_image; echo $IMAGE", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"taskmanager:{IMAGE_ID[:12]}"
    (build,) = [line for line in calls.read_text().splitlines() if line.startswith("build")]
    assert "--iidfile" in build


def test_a_failed_secrets_job_stops_the_deploy_with_its_log(project, fake_tools):
    _, _, env = fake_tools
    result = run(project, "wait_for_secrets", {**env, "JOB_CONDITIONS": "FailureTarget Failed"})
    assert result.returncode == 1
    assert "did not complete" in result.stderr
    assert "created postgres-credentials" in result.stderr  # the Job's log


def test_an_older_deploys_generated_secrets_are_kept_under_the_fixed_names(project, fake_tools, tmp_path):
    """Its database has the old password: the Job must find it, not make a new one."""
    _, calls, env = fake_tools
    names = (
        "secret/postgres-credentials-aaaaaaaaaa secret/postgres-credentials-bbbbbbbbbb "
        "secret/taskmanager-ui-secrets secret/taskmanager-ui-secrets-cccccccccc"
    )
    result = run(project, "adopt_generated_secrets", {**env, "NAMESPACE_EXISTS": "1", "SECRET_NAMES": names})
    assert result.returncode == 0, result.stderr
    created = [json.loads(line) for line in (tmp_path / "created").read_text().splitlines()]
    (secret,) = created  # the UI's fixed one exists already; nothing else had a generated one
    assert secret["metadata"]["name"] == "postgres-credentials"
    assert base64.b64decode(secret["data"]["password"]) == b"old-password"
    assert secret["immutable"] is True
    assert any("get secret/postgres-credentials-bbbbbbbbbb" in c for c in kubectl_calls(calls))  # the newest
    assert "kept postgres-credentials-bbbbbbbbbb as postgres-credentials" in result.stderr


def test_a_fresh_cluster_has_nothing_to_carry_over(project, fake_tools, tmp_path):
    _, _, env = fake_tools
    assert run(project, "adopt_generated_secrets", env).returncode == 0
    assert not (tmp_path / "created").exists()


# --- smoke test and summary -----------------------------------------------------------


def test_the_summary_prints_the_admin_login_from_the_cluster(project, fake_tools):
    _, _, env = fake_tools
    summary = run(project, "IMAGE=taskmanager:abc; print_summary", env)
    assert summary.returncode == 0, summary.stderr
    assert f"admin / {ADMIN_PASSWORD}" in summary.stdout
    assert "Secret taskmanager-admin-password" in summary.stdout


@pytest.mark.parametrize(("token_status", "passes"), [(200, True), (401, True), (500, False)])
def test_the_smoke_test_accepts_an_admin_password_changed_since(project, fake_tools, token_status, passes):
    """ensure-admin never resets a password, so one changed in the admin stays;
    a 401 still shows the API checked it against the database."""
    bin_dir, _, env = fake_tools
    executable(bin_dir / "curl", fake_curl(token_status))
    result = run(project, "smoke_test", env)
    assert (result.returncode == 0) is passes, result.stderr
    if token_status == 200:
        assert "GET /api/v1/me/ as admin" in result.stderr
    if token_status == 401:
        assert "changed since" in result.stderr


# --- podman, down --------------------------------------------------------------------


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


@pytest.mark.parametrize(("answer", "deleted"), [("n\n", False), ("\n", False), ("", False), ("y\n", True)])
def test_down_deletes_the_cluster_only_when_told_yes(fake_tools, answer, deleted):
    _, calls, env = fake_tools
    result = subprocess.run(
        ["bash", str(SCRIPT), "down"], input=answer, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "[y/N]" in result.stderr
    recorded = calls.read_text().splitlines()
    assert ("kind delete cluster --name task-manager" in recorded) is deleted


def test_the_kind_overlay_names_the_tag_a_hand_built_image_has(renderings):
    """`make image` builds taskmanager:0.1.0; the committed overlay runs that one."""
    api = renderings["kind"].workload("taskmanager-api")
    images = {c["image"] for c in pod_spec(api)["containers"]}
    assert images == {"taskmanager:0.1.0"}
