"""Building and running the project's image with podman, as the container tests need it."""

import configparser
import os
import shutil
import subprocess
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests import prerequisites
from tests.container.base_image import CONTAINERS_CONF, ROOT

ARTIFACTS = ROOT / "test-artifacts" / "container"
IMAGE_TAG = "localhost/taskmanager:test"

# How the Kubernetes manifests run the image: a fixed non-root user, nothing
# writable but /tmp, no capabilities, no privilege gain. Host networking lets
# the containers reach the test PostgreSQL and each other on 127.0.0.1.
RESTRICTED = (
    "--user=10001:10001",
    "--read-only",
    "--read-only-tmpfs=false",
    "--tmpfs=/tmp",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--network=host",
)


def podman_env() -> dict:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run(["podman", *args], env=podman_env(), text=True, timeout=timeout, **kwargs)


def unavailable(reason: str) -> None:
    """In CI a missing prerequisite fails the run; elsewhere the tests skip and say how to enable them."""
    prerequisites.unavailable(
        f"container tests: {reason}",
        "to run them, as root: apt-get install podman runc debootstrap, and PostgreSQL on 127.0.0.1:5432",
    )


def check_prerequisites() -> None:
    for tool in ("podman", "runc", "debootstrap"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    if os.geteuid() != 0:
        unavailable("the container tests run rootful podman and debootstrap, which need root")


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def pip_ca_bundle() -> Path | None:
    """The CA bundle this machine's pip verifies its index with, if one is configured.

    Where a TLS-inspecting proxy sits between this machine and the package index,
    pip here trusts the proxy's CA through PIP_CERT or a pip.conf ``cert``; the
    build gets the same file as a build secret, which stays out of every layer.
    """
    if os.environ.get("PIP_CERT"):
        return Path(os.environ["PIP_CERT"])
    configured = None
    config = configparser.ConfigParser()
    # pip's own order: site-wide first, the user's files override.
    for path in ("/etc/xdg/pip/pip.conf", "/etc/pip.conf", "~/.pip/pip.conf", "~/.config/pip/pip.conf"):
        config.read(Path(path).expanduser())
        for section in ("global", "install"):
            if config.has_option(section, "cert"):
                configured = config.get(section, "cert")
    return Path(configured) if configured else None


@dataclass(frozen=True)
class BuildInfo:
    tag: str
    version: str
    revision: str
    source: str
    seconds: float


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["version"]


def build_image(base_image: str, log_path: Path, tag: str = IMAGE_TAG) -> BuildInfo:
    """``podman build`` of the repository's Dockerfile on ``base_image``; output goes to ``log_path``."""
    version = project_version()
    revision = _git("rev-parse", "HEAD") or "unknown"
    source = _git("config", "--get", "remote.origin.url") or "unknown"
    build_args = {
        "BASE_IMAGE": base_image,
        "VERSION": version,
        "REVISION": revision,
        "SOURCE_URL": source,
    }
    # A package index this machine is told to use reaches the build too; the
    # builder stage's arguments never reach the final image. Local file indexes
    # do not exist inside the build container, so they stay out.
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        value = os.environ.get(name, "")
        urls = [url for url in value.split() if url.startswith(("http://", "https://"))]
        if urls:
            build_args[name] = " ".join(urls)
    secrets = []
    ca_bundle = pip_ca_bundle()
    if ca_bundle and ca_bundle.is_file():
        secrets.append(f"--secret=id=pip_cert,src={ca_bundle}")
    previous = podman("image", "inspect", "--format", "{{.Id}}", tag)
    command = [
        "podman",
        "build",
        "--pull=never",
        "--network=host",
        "--layers",
        *secrets,
        *(f"--build-arg={key}={value}" for key, value in build_args.items()),
        f"--tag={tag}",
        f"--file={ROOT / 'Dockerfile'}",
        str(ROOT),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        result = subprocess.run(command, env=podman_env(), stdout=log, stderr=subprocess.STDOUT, timeout=1800)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        pytest.fail(f"podman build failed ({result.returncode}); last lines of {log_path}:\n{tail(log_path)}")
    # Each rebuild leaves the previous image untagged; drop it unless something still uses it.
    if previous.returncode == 0:
        old_id = previous.stdout.strip()
        if old_id != podman("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip():
            podman("rmi", old_id)
    return BuildInfo(tag=tag, version=version, revision=revision, source=source, seconds=seconds)


@dataclass
class Container:
    """One detached container of the image, run with the deployment's restrictions."""

    image: str
    env: dict
    name: str = field(default_factory=lambda: f"taskmanager-test-{uuid.uuid4().hex[:10]}")

    def start(self, *args: str) -> "Container":
        result = podman(
            "run",
            "--detach",
            f"--name={self.name}",
            *RESTRICTED,
            *(f"--env={key}={value}" for key, value in self.env.items()),
            self.image,
            *args,
        )
        if result.returncode != 0:
            pytest.fail(f"podman run failed: {result.stderr}")
        return self

    def running(self) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", self.name)
        return state.stdout.strip() == "true"

    def logs(self) -> str:
        result = podman("logs", self.name)
        return result.stdout + result.stderr

    def wait_until_serving(self, base_url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                pytest.fail(f"container {self.name} exited before serving; its log:\n{self.logs()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        pytest.fail(f"{base_url}/healthz did not answer within {timeout} s; log:\n{self.logs()}")

    def stop(self, grace_seconds: int = 30) -> tuple[float, int]:
        """SIGTERM (the image's STOPSIGNAL), SIGKILL after ``grace_seconds``; returns (seconds, exit code)."""
        started = time.monotonic()
        podman("stop", f"--time={grace_seconds}", self.name, timeout=grace_seconds + 30)
        seconds = time.monotonic() - started
        exit_code = podman("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout.strip()
        return seconds, int(exit_code)

    def remove(self) -> None:
        podman("rm", "--force", "--time=0", self.name)


def run_once(image: str, env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the image to completion (migrate, ensure-admin, ...) with the deployment's restrictions."""
    return podman(
        "run",
        "--rm",
        *RESTRICTED,
        *(f"--env={key}={value}" for key, value in env.items()),
        image,
        *args,
        timeout=timeout,
    )
