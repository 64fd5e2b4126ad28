"""Metrics in the manifests: each role's metrics port, who may scrape it, the
monitoring component (kind-monitoring) and the PodMonitor (staging, production).

The network-policy side of "only Prometheus scrapes" is in test_policies.py
(test_only_the_intended_connections_are_allowed), for every overlay.
"""

import json

import pytest
import yaml

from tests.deploy.manifests import (
    KUSTOMIZE,
    RENDERINGS,
    SECRETS_JOB,
    container_environment,
    container_ports,
    pod_labels,
    pod_spec,
    selects,
)
from tests.deploy.network import allowed
from tests.deploy.test_policies import API, UI, WORKER

DASHBOARD = KUSTOMIZE / "components" / "monitoring" / "grafana" / "taskmanager-dashboard.json"
MONITORING = "monitoring"
JOB = "taskmanager"
READ_ONLY = {"get", "list", "watch"}


def main_container(workload: dict) -> dict:
    (container,) = pod_spec(workload)["containers"]
    return container


@pytest.fixture
def kind_monitoring(renderings):
    return renderings["kind-monitoring"]


@pytest.mark.parametrize("name", [API, UI, WORKER])
def test_each_role_serves_metrics_on_its_metrics_port_and_no_service_publishes_it(rendering, name):
    workload = rendering.workload(name)
    container = main_container(workload)
    environment = container_environment(rendering, workload, container)
    assert int(environment["METRICS_PORT"]) == container_ports(workload)["metrics"]
    # The workers' files live on the pod's emptyDir, which the server empties at start.
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    directory = environment["PROMETHEUS_MULTIPROC_DIR"]
    assert any(directory.startswith(mount.rstrip("/") + "/") for mount in mounts), directory
    volumes = {v["name"]: v for v in pod_spec(workload)["volumes"]}
    (tmp,) = [m for m in container["volumeMounts"] if directory.startswith(m["mountPath"] + "/")]
    assert "emptyDir" in volumes[tmp["name"]]
    for service in rendering.of_kind("Service"):
        if selects({"matchLabels": service["spec"]["selector"]}, pod_labels(workload)):
            targets = {port["targetPort"] for port in service["spec"]["ports"]}
            assert targets.isdisjoint({"metrics", container_ports(workload)["metrics"]}), service


def test_only_a_pod_that_reads_pods_gets_a_kubernetes_api_token(rendering):
    """automountServiceAccountToken stays false everywhere (test_policies.py); the
    one exception among the workloads, Prometheus, projects a token explicitly,
    for an account that may only read pods, in a Role of the application's
    namespace. The other pod with one is kind's secrets Job, whose Role
    test_secrets_job.py checks."""
    assert not rendering.of_kind("ClusterRole") and not rendering.of_kind("ClusterRoleBinding")
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in rendering.of_kind("Role")}
    for workload in rendering.pod_owners():
        spec = pod_spec(workload)
        tokens = [
            source
            for volume in spec.get("volumes", [])
            for source in volume.get("projected", {}).get("sources", [])
            if "serviceAccountToken" in source
        ]
        account = (workload["metadata"]["namespace"], spec.get("serviceAccountName", "default"))
        bindings = [
            b
            for b in rendering.of_kind("RoleBinding")
            if any((s.get("namespace"), s["name"]) == account for s in b["subjects"])
        ]
        assert bool(tokens) is bool(bindings), workload["metadata"]["name"]
        for token in tokens:
            assert token["serviceAccountToken"]["expirationSeconds"] <= 3600
        if (workload["kind"], workload["metadata"]["name"]) == ("Job", SECRETS_JOB):
            continue
        for binding in bindings:
            role = roles[(binding["metadata"]["namespace"], binding["roleRef"]["name"])]
            for rule in role["rules"]:
                assert rule["apiGroups"] == [""] and rule["resources"] == ["pods"], rule
                assert set(rule["verbs"]) <= READ_ONLY, rule


# --- kind-monitoring: Prometheus and Grafana ------------------------------------------


def prometheus_config(rendering) -> dict:
    prometheus = rendering.workload("prometheus")
    (config,) = [v["configMap"]["name"] for v in pod_spec(prometheus)["volumes"] if "configMap" in v]
    return yaml.safe_load(rendering.configmap_data(config)["prometheus.yml"])


def test_prometheus_discovers_exactly_the_roles_pods_on_their_metrics_port(kind_monitoring):
    rendering = kind_monitoring
    (job,) = prometheus_config(rendering)["scrape_configs"]
    assert job["job_name"] == JOB
    (discovery,) = job["kubernetes_sd_configs"]
    api, ui, worker = (rendering.workload(name) for name in (API, UI, WORKER))
    assert discovery["role"] == "pod"
    assert discovery["namespaces"]["names"] == [api["metadata"]["namespace"]]
    (selector,) = discovery["selectors"]
    key, value = selector["label"].split("=")
    assert all(pod_labels(w).get(key) == value for w in (api, ui, worker))
    keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert {
        "source_labels": ["__meta_kubernetes_pod_container_port_name"],
        "regex": "metrics",
        "action": "keep",
    } in keep
    targets = {r["target_label"]: r["source_labels"] for r in job["relabel_configs"] if "target_label" in r}
    assert targets["role"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_component"]
    assert {pod_labels(w)["app.kubernetes.io/component"] for w in (api, ui, worker)} == {
        "api",
        "ui",
        "worker",
    }
    # ...and it may read pods there, and reach their metrics port.
    role = rendering.get("Role", "prometheus-pod-discovery")
    assert role["metadata"]["namespace"] == api["metadata"]["namespace"]
    prometheus = rendering.workload("prometheus")
    assert prometheus["metadata"]["namespace"] == MONITORING
    for workload in (api, ui, worker):
        assert allowed(rendering, prometheus, workload, 9100)
    # ...and nothing else there: Mailpit declares no metrics port.
    ports = {w["metadata"]["name"] for w in rendering.workloads() if "metrics" in container_ports(w)}
    assert {n for n in ports if pod_labels(rendering.workload(n)).get(key) == value} == {API, UI, WORKER}


def test_grafana_reads_prometheus_and_nothing_reaches_either_from_outside(kind_monitoring):
    rendering = kind_monitoring
    prometheus, grafana = rendering.workload("prometheus"), rendering.workload("grafana")
    api, database = rendering.workload(API), rendering.workload("postgres")
    assert allowed(rendering, grafana, prometheus, 9090)
    assert not allowed(rendering, None, prometheus, 9090)
    assert not allowed(rendering, None, grafana, 3000)
    assert not allowed(rendering, api, prometheus, 9090)
    assert not allowed(rendering, grafana, api, 9100)
    assert not allowed(rendering, prometheus, database, 5432)


def grafana_files(rendering) -> dict[str, str]:
    """Every file Grafana's ConfigMap volumes put under its mount paths."""
    grafana = rendering.workload("grafana")
    volumes = {v["name"]: v for v in pod_spec(grafana)["volumes"]}
    files = {}
    for mount in main_container(grafana)["volumeMounts"]:
        config_map = volumes[mount["name"]].get("configMap")
        if config_map:
            for key, content in rendering.configmap_data(config_map["name"]).items():
                files[f"{mount['mountPath']}/{key}"] = content
    return files


def test_grafana_is_provisioned_with_the_prometheus_service_and_the_dashboard(kind_monitoring):
    rendering = kind_monitoring
    grafana = rendering.workload("grafana")
    files = grafana_files(rendering)
    environment = container_environment(rendering, grafana, main_container(grafana))
    (datasources,) = [
        c for p, c in files.items() if p.startswith(environment["GF_PATHS_PROVISIONING"] + "/datasources/")
    ]
    (source,) = yaml.safe_load(datasources)["datasources"]
    service = rendering.get("Service", "prometheus")
    (port,) = service["spec"]["ports"]
    assert source["url"] == f"http://{service['metadata']['name']}.{MONITORING}.svc:{port['port']}"
    dashboard = json.loads(files[environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]])
    assert dashboard == json.loads(DASHBOARD.read_text())
    targets = [t for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert {t["datasource"]["uid"] for t in targets} == {source["uid"]}
    (providers,) = [
        c for p, c in files.items() if p.startswith(environment["GF_PATHS_PROVISIONING"] + "/dashboards/")
    ]
    (provider,) = yaml.safe_load(providers)["providers"]
    assert environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].startswith(
        provider["options"]["path"] + "/"
    )


def test_grafana_shows_the_dashboard_to_anyone_and_lets_nobody_sign_in(kind_monitoring):
    grafana = kind_monitoring.workload("grafana")
    environment = container_environment(kind_monitoring, grafana, main_container(grafana))
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert environment["GF_AUTH_DISABLE_LOGIN_FORM"] == "true"
    assert environment["GF_AUTH_BASIC_ENABLED"] == "false"
    assert environment["GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION"] == "true"


def test_the_component_adds_only_the_monitoring_namespace_and_prometheus_s_role(renderings, kind_monitoring):
    """Everything the kind overlay renders is in kind-monitoring unchanged (but for
    the generated Secrets' names, which follow their throwaway values)."""

    def objects(rendering) -> dict:
        text = yaml.safe_dump_all([o for o in rendering.objects if o["kind"] != "Secret"])
        for secret in rendering.of_kind("Secret"):
            name = secret["metadata"]["name"]
            text = text.replace(name, name.rsplit("-", 1)[0] + "-<hash>")
        return {
            (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
            for o in yaml.safe_load_all(text)
        }

    kind, both = objects(renderings["kind"]), objects(kind_monitoring)
    for name, obj in kind.items():
        assert both[name] == obj, name
    added = {k for k in both if k not in kind}
    app_namespace = kind_monitoring.workload(API)["metadata"]["namespace"]
    assert ("Namespace", None, MONITORING) in added
    assert {namespace for kind_, namespace, _name in added if kind_ != "Namespace"} == {
        MONITORING,
        app_namespace,
    }
    assert {(k, n) for k, ns, n in added if ns == app_namespace} == {
        ("Role", "prometheus-pod-discovery"),
        ("RoleBinding", "prometheus-pod-discovery"),
    }


# --- staging and production: the Prometheus Operator's PodMonitor ----------------------

WITH_THE_OPERATOR = ("staging", "production")


def test_only_the_operator_overlays_render_a_podmonitor(renderings):
    for name, rendering in renderings.items():
        expected = 1 if name.partition("+")[0] in WITH_THE_OPERATOR else 0
        assert len(rendering.of_kind("PodMonitor")) == expected, name


@pytest.mark.parametrize("name", [n for n in RENDERINGS if n.partition("+")[0] in WITH_THE_OPERATOR])
def test_the_podmonitor_scrapes_the_three_roles_as_the_kind_scrape_config_does(renderings, name):
    rendering = renderings[name]
    (monitor,) = rendering.of_kind("PodMonitor")
    api, ui, worker = (rendering.workload(n) for n in (API, UI, WORKER))
    assert monitor["metadata"]["namespace"] == api["metadata"]["namespace"]
    spec = monitor["spec"]
    # Not the database's instances either (CloudNativePG's pods).
    selected = [p for p in rendering.pods() if selects(spec["selector"], pod_labels(p))]
    assert sorted(w["metadata"]["name"] for w in selected) == sorted([API, UI, WORKER])
    (endpoint,) = spec["podMetricsEndpoints"]
    assert all(endpoint["port"] in container_ports(w) for w in (api, ui, worker))
    # The same job and role labels as kind's, so one dashboard serves both.
    assert {pod_labels(w)[spec["jobLabel"]] for w in (api, ui, worker)} == {JOB}
    (relabel,) = endpoint["relabelings"]
    assert relabel == {
        "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
        "targetLabel": "role",
    }
