"""Defects a manifest review finds and a schema check does not: objects an
operator cannot find by label, and probes that restart a pod for the same
reason they take it out of its Service. (PostgreSQL's shared memory:
test_in_cluster_postgres.py.)"""

from tests.deploy.manifests import all_containers

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


def probe_handler(probe: dict) -> dict:
    return {key: value for key, value in probe.items() if key not in PROBE_TIMING}


def patience(probe: dict) -> int:
    """Seconds of failures before the kubelet acts on the probe."""
    return probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def test_every_object_carries_the_common_labels(rendering):
    """Generated ConfigMaps above all: each change leaves the previous
    one behind, and `kubectl apply --prune -l app.kubernetes.io/part-of=taskmanager`
    (docs/KUBERNETES.md) finds only what carries the label."""
    generated = [o for o in rendering.objects if o["kind"] in GENERATED_KINDS]
    # No overlay generates a Secret: kind's are made in the cluster by a Job,
    # staging's and production's by the user (docs/PRODUCTION.md).
    expected = {"ConfigMap"}
    assert {o["kind"] for o in generated} == expected
    for obj in rendering.objects:
        labels = obj["metadata"].get("labels", {})
        missing = {k: v for k, v in COMMON_LABELS.items() if labels.get(k) != v}
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"


def test_liveness_and_readiness_probes_differ(rendering):
    for workload in rendering.workloads():
        for container in all_containers(workload):
            liveness, readiness = container.get("livenessProbe"), container.get("readinessProbe")
            if liveness and readiness:
                assert probe_handler(liveness) != probe_handler(readiness), container["name"]
                # A restart costs more than leaving the Service: liveness waits longer.
                assert patience(liveness) > patience(readiness), container["name"]
