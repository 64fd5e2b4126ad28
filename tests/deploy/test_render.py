"""Every overlay renders (as committed and with each other database component),
and every object it renders is valid for the cluster's Kubernetes version
(that of the pinned kind node image), strictly: unknown fields fail, and so
does any object for which no schema exists. Built-in kinds are checked by
kubernetes-validate; the custom resources (CloudNativePG, Barman Cloud,
Gateway API, the Prometheus Operator's PodMonitor) by the schemas in
schemas/ (crds.py)."""

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError

from tests.deploy.crds import CUSTOM_KINDS, SCHEMAS, CustomSchemaNotFoundError, is_custom, validate_custom
from tests.deploy.manifests import (
    DATABASE_COMPONENTS,
    KUBECTL,
    KUSTOMIZE,
    OVERLAYS,
    kubernetes_version,
    kustomize_build,
    rendering_database,
    uses_secret_files,
)


def validate(obj: dict) -> None:
    """Raise for any object the schemas reject, or that has no schema at all.

    The kubernetes-validate command line only warns about an unknown kind and
    exits 0; its library raises SchemaNotFoundError instead, which is what a
    typo in a kind or apiVersion must do here. A custom resource goes to its
    own schema (crds.py), which fails the same two ways.
    """
    if is_custom(obj):
        validate_custom(obj, kubernetes_version())
    else:
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
    assert {"kind", "staging", "production"} <= set(OVERLAYS)


def test_every_overlay_uses_exactly_one_database_component():
    for overlay in OVERLAYS:
        assert rendering_database(overlay) in DATABASE_COMPONENTS


def test_every_overlay_renders_from_git_alone(kubectl_available, tmp_path):
    """What Argo CD does (deploy/argocd): a clean checkout, no secret files, and
    no Secret generated. kind's Secrets are made in the cluster by a Job
    (test_secrets_job.py); staging's and production's by the user
    (docs/PRODUCTION.md; test_database.py checks the list)."""
    copy = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, copy, ignore=shutil.ignore_patterns(".secrets"))
    for overlay in OVERLAYS:
        directory = copy / "overlays" / overlay
        assert not uses_secret_files(directory), overlay
        result = kustomize_build(directory)
        assert result.returncode == 0, f"{overlay}: {result.stderr}"
        assert not [o for o in yaml.safe_load_all(result.stdout) if o and o["kind"] == "Secret"], overlay


def test_every_rendered_object_is_valid_for_the_cluster_version(rendering):
    assert len(rendering.objects) > 20
    failures = []
    for obj in rendering.objects:
        try:
            validate(obj)
        except Exception as error:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {getattr(error, 'message', error)}")
    assert not failures, "\n".join(failures)


def test_the_kubernetes_validate_command_passes_every_built_in_object(rendering, tmp_path):
    """The same check through the command line, which must report every object
    as passed: it only warns (and exits 0) for an object it has no schema for.
    It is given the built-in kinds; the custom ones are the previous test's."""
    built_in = [o for o in rendering.objects if not is_custom(o)]
    assert [o for o in rendering.objects if is_custom(o)] == [
        o for o in rendering.objects if (o["apiVersion"], o["kind"]) in CUSTOM_KINDS
    ]
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(yaml.safe_dump_all(built_in))
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
    assert sum(" passed for resource " in line for line in lines) == len(built_in)


def test_only_stable_api_versions(rendering):
    # (Argo CD's Application is v1alpha1, and in deploy/argocd, not in an overlay.)
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


@pytest.mark.parametrize(
    "path, value",
    [
        pytest.param(("spec", "instance"), 3, id="cluster-unknown-field"),
        pytest.param(("spec", "primaryUpdateMethod"), "rolling", id="cluster-bad-enum"),
        pytest.param(
            ("spec", "postgresql", "parameters", "max_connections"), 250, id="parameter-not-a-string"
        ),
        pytest.param(("spec", "resources", "limit"), {"memory": "1Gi"}, id="core-type-inside-a-custom-one"),
        pytest.param(("metadata", "lables"), {}, id="strict-object-meta"),
    ],
)
def test_a_custom_resource_its_schema_rejects_fails_validation(renderings, path, value):
    (cluster,) = [o for o in renderings["production"].objects if o["kind"] == "Cluster"]
    broken = copy.deepcopy(cluster)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"kind": "Clusters"}, id="unknown-custom-kind"),
        pytest.param({"apiVersion": "postgresql.cnpg.io/v2"}, id="unknown-custom-version"),
    ],
)
def test_a_custom_resource_without_a_schema_fails_validation(renderings, change):
    (cluster,) = [o for o in renderings["production"].objects if o["kind"] == "Cluster"]
    with pytest.raises(CustomSchemaNotFoundError):
        validate({**cluster, **change})


def test_the_podmonitor_is_checked_against_its_schema(renderings):
    (monitor,) = renderings["production"].of_kind("PodMonitor")
    validate(monitor)
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    for broken in (
        {**monitor, "spec": {**monitor["spec"], "podMetricEndpoints": []}},  # a typo in a field name
        {**monitor, "spec": {**monitor["spec"], "podMetricsEndpoints": [{**endpoint, "interval": "15 s"}]}},
        {**monitor, "spec": {**monitor["spec"], "selector": {"matchLabel": {}}}},  # a core type, strictly
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    with pytest.raises(CustomSchemaNotFoundError):
        validate({**monitor, "apiVersion": "monitoring.coreos.com/v1alpha1"})


def test_every_custom_schema_names_its_sources():
    for file_name in CUSTOM_KINDS.values():
        header = (SCHEMAS / file_name).read_text().split("$schema:")[0]
        assert "Source" in header and "https://" in header, file_name


def test_every_custom_kind_and_database_component_is_rendered_somewhere(renderings):
    rendered = {(o["apiVersion"], o["kind"]) for r in renderings.values() for o in r.objects}
    assert set(CUSTOM_KINDS) - rendered == {("argoproj.io/v1alpha1", "Application")}  # test_argocd.py
    assert {rendering_database(name) for name in renderings} == set(DATABASE_COMPONENTS)
