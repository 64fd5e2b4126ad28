"""Every overlay renders, and every object it renders is valid for the cluster's
Kubernetes version (that of the pinned kind node image), strictly: unknown
fields fail, and so does any object for which no schema exists.

kubernetes-validate knows Kubernetes' own kinds only. The one custom resource
rendered, the Prometheus Operator's PodMonitor (production), is checked as
strictly against a schema written down here from the operator's CRD, for the
fields this project uses (schemas/podmonitor-v1.json).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError

from tests.deploy.manifests import (
    KUBECTL,
    KUSTOMIZE,
    OVERLAYS,
    kubernetes_version,
    kustomize_build,
    secret_file_readers,
)

SCHEMAS = Path(__file__).parent / "schemas"
# Custom resources: (apiVersion, kind) -> the schema written down for them.
CUSTOM_SCHEMAS = {("monitoring.coreos.com/v1", "PodMonitor"): SCHEMAS / "podmonitor-v1.json"}


def is_custom(obj: dict) -> bool:
    return (obj.get("apiVersion"), obj.get("kind")) in CUSTOM_SCHEMAS


def validate(obj: dict) -> None:
    """Raise for any object the schemas reject, or that has no schema at all.

    The kubernetes-validate command line only warns about an unknown kind and
    exits 0; its library raises SchemaNotFoundError instead, which is what a
    typo in a kind or apiVersion must do here.
    """
    if is_custom(obj):
        schema = json.loads(CUSTOM_SCHEMAS[(obj["apiVersion"], obj["kind"])].read_text())
        jsonschema.Draft202012Validator(schema).validate(obj)
        return
    kubernetes_validate.validate(obj, kubernetes_version(), strict=True)


def test_kubectl_is_the_pinned_one_and_in_skew_with_the_cluster(kubectl_available):
    assert "/usr/bin" not in str(KUBECTL)
    output = subprocess.run([str(KUBECTL), "version", "--client"], capture_output=True, text=True, check=True)
    client = re.search(r"Client Version: v(\d+)\.(\d+)", output.stdout)
    assert client, output.stdout
    cluster_minor = int(kubernetes_version().split(".")[1])
    # kubectl supports one minor version either side of the API server.
    assert abs(int(client.group(2)) - cluster_minor) <= 1, output.stdout


def test_overlays_exist():
    assert {"kind", "production"} <= set(OVERLAYS)


def test_rendering_needs_the_secret_files(kubectl_available):
    """Without the ignored secret files an overlay that generates its Secrets
    from them refuses to render, rather than deploying with empty or default
    secrets. (kind's Secrets are made in the cluster: test_secrets_job.py.)"""
    for overlay in OVERLAYS:
        readers = secret_file_readers(overlay)
        if not readers or any((directory / ".secrets").exists() for directory in readers):
            continue  # a developer's real files; the temp-copy renderings cover the rest
        result = kustomize_build(KUSTOMIZE / "overlays" / overlay)
        assert result.returncode != 0
        assert ".secrets" in result.stderr


def test_every_rendered_object_is_valid_for_the_cluster_version(rendering):
    assert len(rendering.objects) > 20
    failures = []
    for obj in rendering.objects:
        try:
            validate(obj)
        except Exception as error:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {getattr(error, 'message', error)}")
    assert not failures, "\n".join(failures)


def test_the_kubernetes_validate_command_passes_every_object(rendering, tmp_path):
    """The same check through the command line, which must report every object
    as passed: it only warns (and exits 0) for an object it has no schema for.
    Custom resources, which it has no schema for, are validate()'s alone."""
    kubernetes_objects = [obj for obj in rendering.objects if not is_custom(obj)]
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(yaml.safe_dump_all(kubernetes_objects))
    command = Path(sys.prefix) / "bin" / "kubernetes-validate"
    result = subprocess.run(
        [str(command), "--strict", "--kubernetes-version", kubernetes_version(), str(manifest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if not line.startswith("INFO ")], result.stdout
    assert sum(" passed for resource " in line for line in lines) == len(kubernetes_objects)


def test_only_stable_api_versions(rendering):
    unstable = [
        f"{o['kind']} {o['apiVersion']}"
        for o in rendering.objects
        if re.search(r"v\d+(alpha|beta)", o["apiVersion"])
    ]
    assert not unstable


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"kind": "Deploymnt"}, id="typo-in-kind"),
        pytest.param({"apiVersion": "apps/v1beta9"}, id="unknown-api-version"),
        pytest.param({"apiVersion": "autoscaling/v3"}, id="unknown-group-version"),
    ],
)
def test_an_object_without_a_schema_fails_validation(renderings, change):
    deployment = dict(renderings["kind"].get("Deployment", "taskmanager-api"), **change)
    with pytest.raises(SchemaNotFoundError):
        validate(deployment)


def test_an_unknown_field_fails_strict_validation(renderings):
    deployment = renderings["kind"].get("Deployment", "taskmanager-api")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_a_wrong_type_fails_validation(renderings):
    service = renderings["kind"].get("Service", "taskmanager-ui")
    broken = {**service, "spec": {**service["spec"], "ports": [{"port": "eight thousand"}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_the_podmonitor_is_checked_against_its_schema(renderings):
    (monitor,) = renderings["production"].of_kind("PodMonitor")
    validate(monitor)
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    for broken in (
        {**monitor, "spec": {**monitor["spec"], "podMetricEndpoints": []}},  # a typo in a field name
        {**monitor, "spec": {**monitor["spec"], "podMetricsEndpoints": [{**endpoint, "interval": "15 s"}]}},
        {**monitor, "apiVersion": "monitoring.coreos.com/v1alpha1"},
    ):
        with pytest.raises((jsonschema.ValidationError, SchemaNotFoundError)):
            validate(broken)
