"""The Argo CD Applications in deploy/argocd: one per overlay (but those built
on another overlay), each deploying its overlay into the namespace the overlay
renders, kind and staging synced automatically (prune, selfHeal) and
production only by hand.

Argo CD's Application is not a built-in kind, so it is validated against the
schema of the fields used (schemas/application-argoproj-v1alpha1.yaml, with
its sources), as strictly as the other manifests.
"""

import copy

import jsonschema
import pytest
import yaml

from tests.deploy.crds import validate_custom
from tests.deploy.manifests import OVERLAYS, ROOT, kubernetes_version, kustomize_build, overlays_built_on

ARGOCD = ROOT / "deploy" / "argocd"
# An overlay built on another (kind-monitoring: kind and the monitoring
# component) deploys the same objects: the other's Application can point at
# it instead, but two Applications would fight over them.
DEPLOYED = [overlay for overlay in OVERLAYS if overlays_built_on(overlay) == [overlay]]
AUTOMATED = {"kind", "staging"}
# Argo CD's cascade-deletion finalizer: with it, deleting the Application
# deletes everything it deployed, the database's volumes included.
CASCADE = "resources-finalizer.argocd.argoproj.io"


@pytest.fixture(scope="module")
def applications(kubectl_available) -> dict[str, dict]:
    """The rendered deploy/argocd, by the overlay each Application deploys."""
    result = kustomize_build(ARGOCD)
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    by_overlay = {}
    for application in objects:
        assert (application["apiVersion"], application["kind"]) == ("argoproj.io/v1alpha1", "Application")
        path = application["spec"]["source"]["path"]
        assert path.startswith("kustomize/overlays/"), path
        by_overlay[path.removeprefix("kustomize/overlays/")] = application
    assert len(by_overlay) == len(objects)
    return by_overlay


def test_there_is_one_application_per_overlay(applications):
    assert set(applications) == set(DEPLOYED)
    for overlay in DEPLOYED:
        assert (ROOT / applications[overlay]["spec"]["source"]["path"] / "kustomization.yaml").is_file()


def test_every_application_is_valid(applications):
    for application in applications.values():
        validate_custom(application, kubernetes_version())


def test_each_application_deploys_into_the_namespace_its_overlay_renders(applications, renderings):
    for overlay, application in applications.items():
        (namespace,) = renderings[overlay].of_kind("Namespace")
        assert application["spec"]["destination"]["namespace"] == namespace["metadata"]["name"]
        assert application["metadata"]["namespace"] == "argocd"
        assert application["metadata"]["name"] == f"taskmanager-{overlay}"


def test_kind_and_staging_sync_by_themselves_production_by_hand(applications):
    for overlay, application in applications.items():
        automated = application["spec"].get("syncPolicy", {}).get("automated")
        if overlay in AUTOMATED:
            assert automated == {"prune": True, "selfHeal": True}, overlay
        else:
            assert automated is None, overlay


def test_the_applications_track_one_repository_and_never_cascade_deletes(applications):
    sources = {(a["spec"]["project"], a["spec"]["source"]["repoURL"]) for a in applications.values()}
    assert len(sources) == 1
    for application in applications.values():
        assert CASCADE not in application["metadata"].get("finalizers", [])
        assert application["spec"]["source"]["targetRevision"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda spec: spec["syncPolicy"].update(automated={"selfheal": True}), id="typo-in-a-field"
        ),
        pytest.param(lambda spec: spec["destination"].update(name="in-cluster"), id="two-destinations"),
        pytest.param(lambda spec: spec.pop("project"), id="no-project"),
        pytest.param(
            lambda spec: spec["syncPolicy"].update(syncOptions=["CreateNamespace"]), id="bad-sync-option"
        ),
    ],
)
def test_an_application_its_schema_rejects_fails(applications, change):
    broken = copy.deepcopy(applications["staging"])
    change(broken["spec"])
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(broken, kubernetes_version())
