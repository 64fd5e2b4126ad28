"""The kind overlay's pods, run as podman containers of the real image.

Each container gets what the rendered manifest gives it: the ConfigMap
variables, its Secret mounted read-only as files where the manifest mounts it,
the pod's user and group, a read-only root filesystem with /tmp as the only
writable place, no capabilities, no privilege gain, and the manifest's args.
The API pod's init steps (`migrate`, twice at once as two pods would, then
`ensure-admin`, which a second run leaves alone) run before it serves, and
every probe path must answer.

What cannot be reproduced without a cluster is replaced, and only that: the
database is a throwaway one on the local PostgreSQL (DATABASE_URL in the
mounted secret file points there instead of the `postgres` Service), the
containers share the host's network, so each listens on free ports (PORT,
METRICS_PORT) and the UI calls the API on that port (TASKMANAGER_API_URL). The
`wait-for-database` init step uses the postgres image, which cannot be pulled
here; the local database is up before the test starts.

The image is the one tests/container builds (localhost/taskmanager:test).
"""

import os
import shutil
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
import pytest

from tests import prerequisites
from tests.databases import scratch_database
from tests.deploy.manifests import (
    ROOT,
    Rendering,
    all_containers,
    container_environment,
    env_value,
    is_app_image,
    pod_spec,
)
from tests.processes import free_port
from tests.settings import POSTGRES_URL

pytestmark = pytest.mark.container

IMAGE = "localhost/taskmanager:test"
CONTAINERS_CONF = ROOT / "deploy" / "containers.conf"
DATABASE = "taskmanager_deploy_manifests"
HTTP_TIMEOUT = 30


def unavailable(reason: str) -> None:
    prerequisites.unavailable(
        reason, f"run tests/container first (it builds {IMAGE}) on a machine with podman"
    )


def podman(*args: str, timeout: float = 180, check: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    return subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, timeout=timeout, check=check
    )


@pytest.fixture(scope="module")
def image():
    if shutil.which("podman") is None:
        unavailable("podman is not installed")
    if podman("image", "exists", IMAGE).returncode != 0:
        unavailable(f"the image {IMAGE} does not exist")
    return IMAGE


@pytest.fixture(scope="module")
def database_url(image):
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(DATABASE))
        except psycopg.OperationalError as error:
            unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}")
        yield url


class PodRunner:
    """Turns one rendered workload's container into a `podman run` command line."""

    def __init__(self, rendering: Rendering, workload: dict, secrets_dir: Path, overrides: dict):
        self.rendering = rendering
        self.workload = workload
        self.secrets_dir = secrets_dir
        self.overrides = overrides  # variable -> value, applied inside the secret file too

    def secret_mounts(self, container: dict) -> list[str]:
        """Each mounted Secret written to files (owned like fsGroup makes them) and bind-mounted read-only."""
        volumes = {v["name"]: v for v in pod_spec(self.workload)["volumes"]}
        security = pod_spec(self.workload)["securityContext"]
        options = []
        for mount in container.get("volumeMounts", []):
            volume = volumes.get(mount["name"], {})
            if "secret" not in volume:
                continue
            directory = self.secrets_dir / f"{self.workload['metadata']['name']}-{mount['name']}"
            directory.mkdir(exist_ok=True)
            for key, content in self.rendering.secret_data(volume["secret"]["secretName"]).items():
                path = directory / key
                path.write_text(self.override_lines(content))
                os.chown(path, 0, security["fsGroup"])
                path.chmod(volume["secret"]["defaultMode"])
            assert mount.get("readOnly") is True
            options.append(f"--volume={directory}:{mount['mountPath']}:ro")
        return options

    def override_lines(self, content: str) -> str:
        lines = []
        for line in content.splitlines():
            name = line.split("=", 1)[0]
            lines.append(f"{name}={self.overrides[name]}" if name in self.overrides else line)
        return "\n".join(lines) + "\n"

    def command(self, container: dict, *extra: str) -> list[str]:
        pod_security = pod_spec(self.workload)["securityContext"]
        security = container["securityContext"]
        volumes = {v["name"]: v for v in pod_spec(self.workload)["volumes"]}
        options = [
            f"--user={pod_security['runAsUser']}:{pod_security['runAsGroup']}",
            "--network=host",
        ]
        if security["readOnlyRootFilesystem"]:
            options += ["--read-only", "--read-only-tmpfs=false"]
        for mount in container.get("volumeMounts", []):
            empty_dir = volumes.get(mount["name"], {}).get("emptyDir")
            if empty_dir is not None:
                size = empty_dir["sizeLimit"].replace("Mi", "m")
                options.append(f"--tmpfs={mount['mountPath']}:rw,size={size}")
        options += [f"--cap-drop={c}" for c in security["capabilities"]["drop"]]
        if security["allowPrivilegeEscalation"] is False:
            options.append("--security-opt=no-new-privileges")
        # What the kubelet would set: envFrom ConfigMaps, then env; the Secret stays a file.
        plain: dict[str, str] = {}
        for source in container.get("envFrom", []):
            plain.update(self.rendering.configmap_data(source["configMapRef"]["name"]))
        for variable in container.get("env", []):
            value = env_value(self.rendering, container, variable)
            if value is not None:
                plain[variable["name"]] = value
        plain.update({k: v for k, v in self.overrides.items() if k in plain})
        options += [f"--env={k}={v}" for k, v in plain.items()]
        options += self.secret_mounts(container)
        return ["run", *extra, *options, IMAGE, *container.get("command", []), *container.get("args", [])]


def containers_named(workload: dict) -> dict[str, dict]:
    return {c["name"]: c for c in all_containers(workload) if is_app_image(c["image"])}


def wait_for(url: str, container_name: str, expected: int = 200) -> httpx.Response:
    """Poll like a startup probe: until the path answers, or the container has exited."""
    for _ in range(300):
        state = podman("inspect", "--format", "{{.State.Running}}", container_name).stdout.strip()
        if state != "true":
            logs = podman("logs", container_name)
            pytest.fail(f"{container_name} stopped:\n{logs.stdout}{logs.stderr}")
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == expected:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} never answered {expected}")


def probe_paths(container: dict) -> set[str]:
    return {container[p]["httpGet"]["path"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}


def test_the_kind_pods_start_migrate_and_answer_their_probes(renderings, image, database_url, tmp_path):
    rendering = renderings["kind"]
    api, ui = rendering.workload("taskmanager-api"), rendering.workload("taskmanager-ui")
    api_port, ui_port = free_port(), free_port()
    api_metrics_port, ui_metrics_port = free_port(), free_port()
    started = []
    try:
        api_runner = PodRunner(
            rendering,
            api,
            tmp_path,
            {"DATABASE_URL": database_url, "PORT": str(api_port), "METRICS_PORT": str(api_metrics_port)},
        )
        api_containers = containers_named(api)
        assert list(api_containers) == ["migrate", "ensure-admin", "api"]

        # Two pods starting together: both migrate steps succeed, one does the work.
        migrate = api_containers["migrate"]
        runs = [
            subprocess.Popen(
                ["podman", *api_runner.command(migrate, "--rm")],
                env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=300)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        applied = [o.count("Applying tasks.0001_initial... OK") for o in outputs]
        assert sorted(applied) == [0, 1], outputs

        ensure_admin = podman(*api_runner.command(api_containers["ensure-admin"], "--rm"), timeout=300)
        assert ensure_admin.returncode == 0, ensure_admin.stdout + ensure_admin.stderr
        assert "Admin user 'admin' created" in ensure_admin.stdout

        name = f"taskmanager-deploy-api-{api_port}"
        result = podman(*api_runner.command(api_containers["api"], "--detach", f"--name={name}"))
        assert result.returncode == 0, result.stderr
        started.append(name)
        api_url = f"http://127.0.0.1:{api_port}"
        for path in probe_paths(api_containers["api"]):
            wait_for(api_url + path, name)
        ready = httpx.get(api_url + "/readyz", timeout=HTTP_TIMEOUT).json()
        assert ready["checks"] == {"database": "ok", "migrations": "ok"}

        # A second pod's start finds the admin and leaves it alone.
        again = podman(*api_runner.command(api_containers["ensure-admin"], "--rm"), timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "Admin user 'admin' exists; left unchanged" in again.stdout

        # The admin from its own Secret can sign in, as deploy.sh's smoke test does.
        api_env = container_environment(rendering, api, api_containers["api"])
        token = httpx.post(
            api_url + "/api/v1/auth/token/",
            json={
                "username": api_env["TASKMANAGER_ADMIN_USERNAME"],
                "password": rendering.secret_files["admin-password"],
            },
            timeout=HTTP_TIMEOUT,
        )
        assert token.status_code == 200, token.text
        me = httpx.get(
            api_url + "/api/v1/me/",
            headers={"Authorization": f"Bearer {token.json()['token']}"},
            timeout=HTTP_TIMEOUT,
        )
        assert me.json()["is_staff"] is True

        ui_runner = PodRunner(
            rendering,
            ui,
            tmp_path,
            {"PORT": str(ui_port), "METRICS_PORT": str(ui_metrics_port), "TASKMANAGER_API_URL": api_url},
        )
        (ui_container,) = containers_named(ui).values()
        name = f"taskmanager-deploy-ui-{ui_port}"
        result = podman(*ui_runner.command(ui_container, "--detach", f"--name={name}"))
        assert result.returncode == 0, result.stderr
        started.append(name)
        ui_url = f"http://127.0.0.1:{ui_port}"
        for path in probe_paths(ui_container):
            wait_for(ui_url + path, name)
        login = httpx.get(ui_url + "/login/", timeout=HTTP_TIMEOUT)
        assert login.status_code == 200

        # Each pod's metrics, from its workers' files in PROMETHEUS_MULTIPROC_DIR on the writable /tmp.
        for port, route in ((api_metrics_port, "api/v1/auth/token/"), (ui_metrics_port, "login/")):
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=HTTP_TIMEOUT)
            assert metrics.status_code == 200
            assert f'route="{route}"' in metrics.text
    finally:
        for name in started:
            podman("rm", "--force", "--time=0", name)
