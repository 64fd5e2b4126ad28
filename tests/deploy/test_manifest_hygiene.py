"""Defects a manifest review finds and a schema check does not: objects an
operator cannot find by label, PostgreSQL's shared memory, and probes that
restart a pod for the same reason they take it out of its Service."""

from tests.deploy.manifests import all_containers, pod_spec

COMMON_LABELS = {"app.kubernetes.io/part-of": "taskmanager", "app.kubernetes.io/managed-by": "kustomize"}
GENERATED_KINDS = ("ConfigMap", "Secret")
# What kube-score compares to call two probes the same: their handler, not their timing.
PROBE_TIMING = {
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
}
SHM = "/dev/shm"


def probe_handler(probe: dict) -> dict:
    return {key: value for key, value in probe.items() if key not in PROBE_TIMING}


def patience(probe: dict) -> int:
    """Seconds of failures before the kubelet acts on the probe."""
    return probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def test_every_object_carries_the_common_labels(rendering):
    """Generated ConfigMaps and Secrets above all: each change leaves the previous
    one behind, and `kubectl apply --prune -l app.kubernetes.io/part-of=taskmanager`
    (docs/KUBERNETES.md) finds only what carries the label."""
    generated = [o for o in rendering.objects if o["kind"] in GENERATED_KINDS]
    # An overlay whose Secrets a Job makes in the cluster (kind) generates only ConfigMaps.
    expected = {"ConfigMap"} if rendering.cluster_secrets else set(GENERATED_KINDS)
    assert {o["kind"] for o in generated} == expected
    for obj in rendering.objects:
        labels = obj["metadata"].get("labels", {})
        missing = {k: v for k, v in COMMON_LABELS.items() if labels.get(k) != v}
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"


def test_postgres_shared_memory_is_a_bounded_memory_volume(rendering):
    database = rendering.workload("postgres")
    volumes = {v["name"]: v for v in pod_spec(database)["volumes"]}
    (container,) = pod_spec(database)["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == SHM]
    empty_dir = volumes[mount["name"]]["emptyDir"]
    assert empty_dir["medium"] == "Memory"
    # Memory-backed: it counts against the container's memory limit, so it must fit well inside it.
    assert _mebibytes(empty_dir["sizeLimit"]) <= _mebibytes(container["resources"]["limits"]["memory"]) / 2


def test_liveness_and_readiness_probes_differ(rendering):
    for workload in rendering.workloads():
        for container in all_containers(workload):
            liveness, readiness = container.get("livenessProbe"), container.get("readinessProbe")
            if liveness and readiness:
                assert probe_handler(liveness) != probe_handler(readiness), container["name"]
                # A restart costs more than leaving the Service: liveness waits longer.
                assert patience(liveness) > patience(readiness), container["name"]


def test_postgres_is_ready_when_it_accepts_sessions_and_alive_while_it_listens(rendering):
    (container,) = pod_spec(rendering.workload("postgres"))["containers"]
    assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"
    assert container["livenessProbe"]["tcpSocket"]["port"] == "postgresql"


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    raise AssertionError(f"unexpected quantity {quantity}")
