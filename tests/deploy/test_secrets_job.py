"""The kind overlay's Secrets, made in the cluster by the Job of
kustomize/components/in-cluster-secrets: the overlay applies from a clean
checkout, the pods name the Secrets the Job makes, and the Job may do little.
Its script: test_create_secrets.py."""

import shutil
from urllib.parse import urlparse

import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    KUSTOMIZE,
    SECRETS_JOB,
    all_containers,
    container_environment,
    is_app_image,
    kubernetes_version,
    kustomize_build,
    pod_spec,
    secrets_job_creates,
    secrets_job_script,
    uses_secret_files,
)
from tests.deploy.test_policies import API, DATABASE, UI, allowed

COMPONENT = KUSTOMIZE / "components" / "in-cluster-secrets"
SCRIPT = COMPONENT / "create_secrets.py"
NAMESPACE = "task-manager"


def job(kind) -> dict:
    return kind.get("Job", SECRETS_JOB)


# --- the manifests -------------------------------------------------------------------


def test_kind_applies_from_a_clean_checkout_without_secret_files(kubectl_available, tmp_path):
    """The first `kubectl apply -k kustomize/overlays/kind` needs nothing but the clone."""
    overlay = KUSTOMIZE / "overlays" / "kind"
    assert not uses_secret_files(overlay)
    copy = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, copy, ignore=shutil.ignore_patterns(".secrets"))
    result = kustomize_build(copy / "overlays" / "kind")
    assert result.returncode == 0, result.stderr
    assert "\nkind: Secret\n" not in result.stdout


def test_the_rendered_script_is_the_committed_one(kind):
    job_spec = pod_spec(job(kind))
    (volume,) = [v for v in job_spec["volumes"] if "configMap" in v and v["name"] == "script"]
    assert kind.configmap_data(volume["configMap"]["name"])["create_secrets.py"] == SCRIPT.read_text()


def test_every_secret_a_pod_mounts_is_one_the_job_makes(kind, script):
    made = {s["metadata"]["name"]: s for s in kind.cluster_secrets}
    assert set(made) == set(script.NAMES)
    mounted = set()
    for owner in kind.pod_owners():
        for volume in pod_spec(owner).get("volumes", []):
            if "secret" in volume:
                name = volume["secret"]["secretName"]
                # Fixed names, and never optional: a pod waits until its Secret exists.
                assert name in made, f"{owner['metadata']['name']} mounts {name}"
                assert not volume["secret"].get("optional")
                for item in volume["secret"].get("items", []):
                    assert item["key"] in made[name]["data"]
                mounted.add(name)
    assert mounted == set(made)


def test_the_secrets_the_job_makes_are_valid_labelled_and_immutable(kind):
    for secret in kind.cluster_secrets:
        kubernetes_validate.validate(secret, kubernetes_version(), strict=True)
        assert secret["immutable"] is True
        assert secret["metadata"]["labels"]["app.kubernetes.io/part-of"] == "taskmanager"


def test_the_job_runs_the_script_in_the_application_image(kind):
    rendered = job(kind)
    spec = rendered["spec"]
    assert spec["ttlSecondsAfterFinished"] <= 600  # gone before a rebuilt image changes its template
    assert spec["backoffLimit"] >= 1 and spec["activeDeadlineSeconds"] > 0
    (container,) = pod_spec(rendered)["containers"]
    roles = {c["image"] for c in all_containers(kind.workload(API)) if is_app_image(c["image"])}
    assert {container["image"]} == roles
    assert container["command"][0] == "python"
    assert pod_spec(rendered)["restartPolicy"] == "Never"


def test_only_the_job_holds_a_token_and_only_a_short_lived_one(kind):
    accounts = {a["metadata"]["name"]: a for a in kind.of_kind("ServiceAccount")}
    for owner in kind.pod_owners():
        spec = pod_spec(owner)
        assert spec["automountServiceAccountToken"] is False
        assert accounts[spec["serviceAccountName"]]["automountServiceAccountToken"] is False
        tokens = [
            source["serviceAccountToken"]
            for volume in spec.get("volumes", [])
            for source in volume.get("projected", {}).get("sources", [])
            if "serviceAccountToken" in source
        ]
        if owner is job(kind):
            (token,) = tokens
            assert token["expirationSeconds"] <= 3600
        else:
            assert not tokens, owner["metadata"]["name"]


def test_the_role_reads_only_its_four_secrets_and_may_create(kind, script):
    (binding,) = kind.of_kind("RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": SECRETS_JOB,
    }
    (subject,) = binding["subjects"]
    assert subject == {"kind": "ServiceAccount", "name": SECRETS_JOB, "namespace": NAMESPACE}
    assert pod_spec(job(kind))["serviceAccountName"] == SECRETS_JOB
    (role,) = kind.of_kind("Role")
    rules = {tuple(rule["verbs"]): rule for rule in role["rules"]}
    assert set(rules) == {("get",), ("create",)}
    for rule in role["rules"]:
        assert rule["apiGroups"] == [""] and rule["resources"] == ["secrets"]
    assert sorted(rules[("get",)]["resourceNames"]) == sorted(script.NAMES)
    # RBAC cannot name what may be created (docs/KUBERNETES.md, Secrets).
    assert "resourceNames" not in rules[("create",)]


def test_the_job_may_reach_only_the_api_server_ports(kind):
    (policy,) = [p for p in kind.of_kind("NetworkPolicy") if p["metadata"]["name"] == SECRETS_JOB]
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert not policy["spec"].get("ingress")
    (rule,) = policy["spec"]["egress"]
    assert sorted(p["port"] for p in rule["ports"]) == [443, 6443]
    secrets_job = job(kind)
    for target, port in ((kind.workload(DATABASE), 5432), (kind.workload(API), 8000)):
        assert not allowed(kind, secrets_job, target, port)
    for source in (None, kind.workload(API), kind.workload(UI)):
        assert not allowed(kind, source, secrets_job, 443)


def test_what_the_rendering_holds_is_what_the_job_would_make(kind):
    """The Secrets the other deploy tests read for kind come from the same plan."""
    again = secrets_job_creates(kind, {})
    assert [s["metadata"]["name"] for s in again] == [s["metadata"]["name"] for s in kind.cluster_secrets]


@pytest.mark.parametrize("database", ["cloudnative-pg", "external-database"])
def test_with_another_database_the_job_makes_no_database_secret(renderings, database):
    """That component's Secret holds the API's URL (DATABASE_URL_FILE): the Job
    makes the three application Secrets, and no password nobody would use."""
    rendering = renderings[f"kind+{database}"]
    script = secrets_job_script(rendering)
    made = {s["metadata"]["name"]: s for s in secrets_job_creates(rendering, {})}
    assert list(made) == list(script.APPLICATION_NAMES)
    api = rendering.secret_data("taskmanager-api-secrets")["env"]
    assert "DATABASE_URL=" not in api and "TASKMANAGER_FORWARDING_SECRET=" in api
    (container,) = pod_spec(job(rendering))["containers"]
    environment = container_environment(rendering, job(rendering), container)
    assert environment["DATABASE_URL_FILE"].startswith("/etc/taskmanager/database/")
    # The API still gets its URL: from the component's Secret, not the Job's.
    api = rendering.workload(API)
    url = container_environment(rendering, api, pod_spec(api)["containers"][0])["DATABASE_URL"]
    assert url.startswith(("postgres://", "postgresql://"))


def test_the_job_makes_the_url_of_the_database_the_api_waits_for(kind):
    """In kind the Job's DATABASE_URL names the host, port, user and database
    of taskmanager-database-config, where the API's first step waits."""
    api = kind.workload(API)
    (wait,) = [c for c in pod_spec(api)["initContainers"] if c["name"] == "wait-for-database"]
    waits_for = container_environment(kind, api, wait)
    url = urlparse(container_environment(kind, api, pod_spec(api)["containers"][0])["DATABASE_URL"])
    assert (url.hostname, str(url.port), url.username, url.path.lstrip("/")) == (
        waits_for["PGHOST"],
        waits_for["PGPORT"],
        waits_for["PGUSER"],
        waits_for["PGDATABASE"],
    )
