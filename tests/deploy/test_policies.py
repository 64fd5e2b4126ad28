"""The project's own rules for the rendered manifests, checked on every overlay:
wiring (selectors, ports, names), the settings each role needs, hardening, and
availability (probes, budgets, autoscalers, graceful shutdown)."""

import re
from urllib.parse import urlparse

import pytest
import yaml

from tests.deploy.manifests import (
    KUSTOMIZE,
    Rendering,
    all_containers,
    container_environment,
    container_ports,
    is_app_image,
    mounted_secret_file,
    pod_labels,
    pod_spec,
    resolve_port,
    secret_volume_names,
    selects,
)
from tests.deploy.network import allowed, applies_to, database_pods, host, pod_in, policies

API, UI, DATABASE = "taskmanager-api", "taskmanager-ui", "postgres"
WORKER = "taskmanager-worker"
# A Prometheus the manifests do not render (a Prometheus Operator's), where
# the metrics policy expects it: the monitoring namespace.
PROMETHEUS = pod_in("monitoring", {"app.kubernetes.io/name": "prometheus"})
APP_UID = 10001
# Volume types the restricted Pod Security profile admits.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
REQUIRED_SETTINGS = {
    API: {"TASKMANAGER_ROLE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"},
    UI: {"TASKMANAGER_ROLE", "SECRET_KEY", "ALLOWED_HOSTS", "TASKMANAGER_API_URL"},
    WORKER: {
        "TASKMANAGER_ROLE",
        "SECRET_KEY",
        "DATABASE_URL",
        "EMAIL_URL",
        "TASKMANAGER_EMAIL_FROM",
        "TASKMANAGER_UI_URL",
    },
}
RESOURCES = ("cpu", "memory", "ephemeral-storage")


def app_containers(workload: dict) -> list[dict]:
    return [c for c in all_containers(workload) if is_app_image(c["image"])]


# --- the two roles -------------------------------------------------------------------


def test_both_roles_run_the_same_image_in_their_own_role(rendering):
    api, ui = rendering.workload(API), rendering.workload(UI)
    images = {c["image"] for w in (api, ui) for c in app_containers(w)}
    assert len(images) == 1, images
    for workload, role in ((api, "api"), (ui, "ui")):
        for container in app_containers(workload):
            environment = container_environment(rendering, workload, container)
            assert environment["TASKMANAGER_ROLE"] == role, container["name"]


def test_the_roles_differ_only_in_what_the_role_implies(rendering):
    """Same command, ports, probes, security and shutdown; only the role, its
    settings, its Secret, its identity and (API only) the migration steps differ."""
    api, ui = (pod_spec(rendering.workload(name)) for name in (API, UI))
    (api_main,), (ui_main,) = api["containers"], ui["containers"]
    for key in ("args", "command", "ports", "startupProbe", "livenessProbe", "lifecycle"):
        assert api_main.get(key) == ui_main.get(key), key
    # The API's readiness check waits on the database, so it may take longer.
    assert api_main["readinessProbe"]["httpGet"] == ui_main["readinessProbe"]["httpGet"]
    assert api_main["securityContext"] == ui_main["securityContext"]
    for key in ("securityContext", "terminationGracePeriodSeconds", "automountServiceAccountToken"):
        assert api[key] == ui[key], key
    assert "initContainers" not in ui


def test_api_migrates_then_ensures_the_admin_before_serving(rendering):
    api = rendering.workload(API)
    init = pod_spec(api)["initContainers"]
    app_steps = [c.get("args") for c in init if is_app_image(c["image"])]
    assert app_steps == [["migrate"], ["ensure-admin"]]
    (main,) = pod_spec(api)["containers"]
    assert main["args"] == ["serve"]
    # A pod is ready only once /readyz (database reachable, all migrations in) says so.
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    environment = container_environment(rendering, api, init[-1])
    assert environment["TASKMANAGER_ADMIN_USERNAME"]
    assert environment["TASKMANAGER_ADMIN_PASSWORD_FILE"]


def test_only_the_ensure_admin_step_can_read_the_admin_password(rendering):
    """The password matters only when the admin is created; a serving process
    that held it would hand it to anyone who can read the pod's files or
    environment, so it lives in a Secret of its own that one init step mounts."""
    api = rendering.workload(API)
    (ensure_admin,) = [c for c in pod_spec(api)["initContainers"] if c.get("args") == ["ensure-admin"]]
    environment = container_environment(rendering, api, ensure_admin)
    secret_name, key = mounted_secret_file(api, ensure_admin, environment["TASKMANAGER_ADMIN_PASSWORD_FILE"])
    password = rendering.secret_files["admin-password"]
    assert rendering.secret_data(secret_name)[key] == password
    for secret in rendering.secrets():
        if secret["metadata"]["name"] != secret_name:
            assert password not in "".join(rendering.secret_data(secret["metadata"]["name"]).values())
    for workload in rendering.pod_owners():
        carrying = secret_volume_names(workload, secret_name)
        for container in all_containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            mounted = carrying & {m["name"] for m in container.get("volumeMounts", [])}
            assert bool(mounted) is (container is ensure_admin), where
            seen = container_environment(rendering, workload, container)
            assert "TASKMANAGER_ADMIN_PASSWORD" not in seen, where
            assert password not in seen.values(), where


# --- settings each role needs --------------------------------------------------------


@pytest.mark.parametrize("name", [API, UI, WORKER])
def test_every_required_setting_is_provided(rendering, name):
    workload = rendering.workload(name)
    for container in app_containers(workload):
        environment = container_environment(rendering, workload, container)
        missing = REQUIRED_SETTINGS[name] - {k for k, v in environment.items() if v}
        assert not missing, f"{name}/{container['name']} lacks {sorted(missing)}"
        assert environment.get("DEBUG", "false").lower() == "false"


def service_url_target(rendering: Rendering, url: str) -> tuple[dict, int]:
    parsed = urlparse(url)
    service = rendering.get("Service", parsed.hostname)
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == parsed.port]
    return service, port["port"]


def test_the_ui_reaches_the_api_through_its_service_and_is_allowed_by_host(rendering):
    ui = rendering.workload(UI)
    environment = container_environment(rendering, ui, pod_spec(ui)["containers"][0])
    service, _ = service_url_target(rendering, environment["TASKMANAGER_API_URL"])
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(rendering.workload(API)))
    api = rendering.workload(API)
    api_environment = container_environment(rendering, api, pod_spec(api)["containers"][0])
    allowed = api_environment["ALLOWED_HOSTS"].split(",")
    assert urlparse(environment["TASKMANAGER_API_URL"]).hostname in allowed


# --- secrets ------------------------------------------------------------------------


def test_no_secret_value_appears_outside_a_secret(rendering):
    others = yaml.safe_dump_all([o for o in rendering.objects if o["kind"] != "Secret"])
    for value in rendering.secret_values:
        assert value not in others
    # ...and every value did reach a Secret.
    in_secrets = "\n".join(
        v for s in rendering.secrets() for v in rendering.secret_data(s["metadata"]["name"]).values()
    )
    for value in rendering.secret_values:
        assert value in in_secrets


def test_secrets_reach_pods_as_files_never_as_environment_variables(rendering):
    for workload in rendering.pod_owners():
        for container in all_containers(workload):
            for variable in container.get("env", []):
                assert "secretKeyRef" not in variable.get("valueFrom", {}), variable["name"]
            for source in container.get("envFrom", []):
                assert "secretRef" not in source


SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY|PRIVATE_KEY)$|^DATABASE_URL$", re.IGNORECASE)


def test_no_secret_is_written_in_the_committed_manifests():
    for path in sorted(KUSTOMIZE.rglob("*")):
        if ".secrets" in path.parts or not path.is_file():
            continue
        text = path.read_text()
        assert not re.search(r"^kind:\s*Secret\b", text, re.MULTILINE), path
        for document in yaml.safe_load_all(text) if path.suffix == ".yaml" else []:
            for generator in (document or {}).get("secretGenerator", []):
                assert "literals" not in generator, path
                assert all(
                    ".secrets/" in f for f in generator.get("files", []) + generator.get("envs", [])
                ), path
        if path.suffix == ".env":
            for line in text.splitlines():
                if line and not line.startswith("#"):
                    name, value = line.split("=", 1)
                    if SECRET_NAME.search(name):
                        # Only a pointer to a mounted file, never a value.
                        assert name.endswith("_FILE") and value.startswith("/"), f"{path}: {name}"


def test_no_configmap_or_plain_env_holds_a_secret(rendering):
    for config_map in rendering.of_kind("ConfigMap"):
        for name, value in config_map.get("data", {}).items():
            if SECRET_NAME.search(name):
                assert name.endswith("_FILE") and value.startswith("/"), name
    for workload in rendering.pod_owners():
        for container in all_containers(workload):
            for variable in container.get("env", []):
                assert not SECRET_NAME.search(variable["name"]), variable["name"]


# --- services, ports, probes ---------------------------------------------------------


def test_every_service_selects_pods_and_targets_a_declared_port(rendering):
    for service in rendering.of_kind("Service"):
        selector = {"matchLabels": service["spec"]["selector"]}
        targets = [w for w in rendering.workloads() if selects(selector, pod_labels(w))]
        assert len(targets) == 1, f"Service {service['metadata']['name']} selects {len(targets)} workloads"
        for port in service["spec"]["ports"]:
            assert "name" in port
            assert isinstance(port["targetPort"], str), "target ports are named"
            assert resolve_port(targets[0], port["targetPort"]), port


def test_the_roles_serve_on_a_port_named_http(rendering):
    for name in (API, UI):
        # ...and their metrics on one named metrics, which the Service leaves out.
        assert container_ports(rendering.workload(name)) == {"http": 8000, "metrics": 9100}
        (service_port,) = rendering.get("Service", name)["spec"]["ports"]
        assert service_port["name"] == "http"
        assert service_port["targetPort"] == "http"


def test_every_probe_port_exists(rendering):
    for workload in rendering.workloads():
        for container in pod_spec(workload)["containers"]:
            names = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = container.get(kind)
                assert probe, f"{container['name']} has no {kind}"
                handler = probe.get("httpGet") or probe.get("tcpSocket")
                if handler:
                    port = handler["port"]
                    assert port in names if isinstance(port, str) else port in names.values()
                else:
                    assert probe["exec"]["command"]


def test_liveness_never_looks_at_the_database_or_the_other_role(rendering):
    for name in (API, UI):
        (container,) = pod_spec(rendering.workload(name))["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


# --- network policies ----------------------------------------------------------------


def test_every_pod_is_isolated_and_every_policy_selects_pods(rendering):
    pods = rendering.pods()
    for policy in policies(rendering):
        assert any(applies_to(policy, p) for p in pods), policy["metadata"]["name"]
    for pod in pods:
        covering = [p for p in policies(rendering) if applies_to(p, pod)]
        types = {t for p in covering for t in p["spec"]["policyTypes"]}
        assert types == {"Ingress", "Egress"}, pod["metadata"]["name"]
        # ...and at least one policy written for this workload specifically.
        assert any(p["spec"]["podSelector"] for p in covering)


def test_only_the_intended_connections_are_allowed(rendering):
    api, ui = (rendering.workload(n) for n in (API, UI))
    assert allowed(rendering, ui, api, 8000)
    assert allowed(rendering, None, ui, 8000)
    assert allowed(rendering, None, api, 8000)
    assert not allowed(rendering, api, ui, 8000)
    assert not allowed(rendering, None, api, 9000)
    for database in database_pods(rendering):
        assert allowed(rendering, api, database, 5432)
        assert not allowed(rendering, ui, database, 5432)
        assert not allowed(rendering, database, api, 8000)
        assert not allowed(rendering, database, ui, 8000)
        # Nobody else: no pod of another namespace, no address outside the cluster.
        assert not allowed(rendering, pod_in("default"), database, 5432)
        assert not allowed(rendering, host("203.0.113.7"), database, 5432)
        # Prometheus scrapes the roles, not the database.
        assert not allowed(rendering, PROMETHEUS, database, 5432)
    # The metrics port: Prometheus in the monitoring namespace, nobody else.
    for role in (api, ui, rendering.workload(WORKER)):
        assert allowed(rendering, PROMETHEUS, role, 9100)
        assert not allowed(rendering, pod_in("monitoring", {"app.kubernetes.io/name": "grafana"}), role, 9100)
        assert not allowed(rendering, pod_in("default", {"app.kubernetes.io/name": "prometheus"}), role, 9100)
        assert not allowed(rendering, pod_in("gateway-system"), role, 9100)
        assert not allowed(rendering, host("203.0.113.7"), role, 9100)
    assert not allowed(rendering, ui, api, 9100)


def test_ingress_rules_name_only_serving_ports(rendering):
    for policy in policies(rendering):
        targets = [p for p in rendering.pods() if applies_to(policy, p)]
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("ports"), f"{policy['metadata']['name']}: an ingress rule without ports"
            for port in rule["ports"]:
                for workload in targets:
                    assert resolve_port(workload, port["port"]), (policy["metadata"]["name"], port)


def test_the_roles_may_resolve_names(rendering):
    dns = [
        p
        for p in policies(rendering)
        for rule in p["spec"].get("egress", [])
        if any(port.get("port") == 53 for port in rule.get("ports", []))
    ]
    for name in (API, UI, WORKER):
        assert any(applies_to(p, rendering.workload(name)) for p in dns)


# --- availability ------------------------------------------------------------------


def test_disruption_budgets_can_never_block_a_drain(rendering):
    budgets = rendering.of_kind("PodDisruptionBudget")
    for workload in rendering.workloads():
        covering = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(workload))]
        assert len(covering) == 1, workload["metadata"]["name"]
    for budget in budgets:
        spec = budget["spec"]
        assert "minAvailable" not in spec
        unavailable = spec["maxUnavailable"]
        assert (isinstance(unavailable, int) and unavailable >= 1) or (
            isinstance(unavailable, str) and re.fullmatch(r"[1-9]\d*%", unavailable)
        )
        assert spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_autoscalers_own_the_replica_count(rendering):
    autoscalers = rendering.of_kind("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in autoscalers} == {API, UI}
    for autoscaler in autoscalers:
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        target = autoscaler["spec"]["scaleTargetRef"]
        deployment = rendering.get(target["kind"], target["name"])
        minimum = autoscaler["spec"]["minReplicas"]
        assert minimum >= 2
        assert autoscaler["spec"]["maxReplicas"] >= minimum
        assert deployment["spec"].get("replicas", minimum) == minimum


def test_rolling_updates_keep_full_capacity(rendering):
    for name in (API, UI):
        strategy = rendering.workload(name)["spec"]["strategy"]
        assert strategy["type"] == "RollingUpdate"
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_shutdown_pauses_then_drains_within_the_grace_period(rendering):
    for name in (API, UI):
        workload = rendering.workload(name)
        (container,) = pod_spec(workload)["containers"]
        pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pause >= 3
        drain = int(container_environment(rendering, workload, container)["SERVER_GRACEFUL_TIMEOUT"])
        assert pod_spec(workload)["terminationGracePeriodSeconds"] > pause + drain


def test_pods_spread_across_nodes_and_zones(rendering):
    for workload in rendering.workloads():
        if workload["spec"].get("replicas") == 1:
            continue  # one pod (PostgreSQL, Redis): nothing to spread
        spec = pod_spec(workload)
        labels = pod_labels(workload)
        (term,) = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        assert selects(term["podAffinityTerm"]["labelSelector"], labels)
        keys = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
        assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
        for constraint in spec["topologySpreadConstraints"]:
            assert selects(constraint["labelSelector"], labels)


# --- hardening (Pod Security "restricted" and more) ---------------------------------


def test_the_namespace_enforces_the_restricted_profile(rendering):
    # The application's, and with the monitoring component, `monitoring`.
    namespaces = {n["metadata"]["name"]: n for n in rendering.of_kind("Namespace")}
    for namespace in namespaces.values():
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in rendering.objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] in namespaces


def test_every_pod_and_container_meets_the_restricted_profile(rendering):
    for workload in rendering.pod_owners():
        spec = pod_spec(workload)
        pod_security = spec["securityContext"]
        for host_field in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(host_field)
        assert pod_security["runAsNonRoot"] is True
        assert pod_security["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod_security["runAsUser"] >= 10000
        assert pod_security["runAsGroup"] >= 10000
        for volume in spec.get("volumes", []):
            kinds = set(volume) - {"name"}
            assert kinds <= RESTRICTED_VOLUME_TYPES, volume
        for container in all_containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security.get("privileged", False) is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert not security["capabilities"].get("add"), where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security.get("runAsNonRoot", pod_security["runAsNonRoot"]) is True, where
            assert security.get("runAsUser", pod_security["runAsUser"]) != 0, where
            assert security["seccompProfile"]["type"] == "RuntimeDefault", where
            assert not any("hostPort" in p for p in container.get("ports", [])), where


def test_our_pods_run_as_the_image_user(rendering):
    for name in (API, UI, WORKER):
        pod_security = pod_spec(rendering.workload(name))["securityContext"]
        assert (pod_security["runAsUser"], pod_security["runAsGroup"]) == (APP_UID, APP_UID)


def test_every_container_has_requests_and_limits(rendering):
    for workload in rendering.pod_owners():
        for container in all_containers(workload):
            resources = container["resources"]
            for resource in RESOURCES:
                assert resource in resources["requests"], (container["name"], resource)
                assert resource in resources["limits"], (container["name"], resource)


def test_writable_paths_are_bounded_emptydirs(rendering):
    for workload in rendering.pod_owners():
        volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
        for container in all_containers(workload):
            mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
            if is_app_image(container["image"]):
                assert "/tmp" in mounts, container["name"]
            for mount in mounts.values():
                volume = volumes.get(mount["name"])
                if volume and "emptyDir" in volume:
                    assert volume["emptyDir"]["sizeLimit"], mount


def test_each_workload_has_its_own_service_account_without_a_token(rendering):
    accounts = {a["metadata"]["name"]: a for a in rendering.of_kind("ServiceAccount")}
    used = []
    for workload in rendering.workloads():
        spec = pod_spec(workload)
        name = spec["serviceAccountName"]
        assert name in accounts and name != "default"
        assert spec["automountServiceAccountToken"] is False
        assert accounts[name]["automountServiceAccountToken"] is False
        used.append(name)
    assert len(used) == len(set(used))


def test_images_are_pinned_by_tag(rendering):
    for workload in rendering.pod_owners():
        for container in all_containers(workload):
            name, _, tag = container["image"].rpartition(":")
            assert name and tag and tag != "latest" and "/" not in tag, container["image"]
            assert container["imagePullPolicy"] == "IfNotPresent"
