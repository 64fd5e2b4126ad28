"""The worker role in every overlay: one image in its own role, probes on its
health server, started only once the API has migrated, a budget that lets
any node drain, and network policies that let it reach exactly its database,
its SMTP server and DNS; and where its email goes: Mailpit on kind (and only
there), the SMTP server of the Secret taskmanager-email in staging and
production."""

import re
from urllib.parse import urlparse

import pytest
import yaml

from tests.deploy.manifests import (
    KIND_CONFIG,
    RENDERINGS,
    ROOT,
    all_containers,
    container_environment,
    container_ports,
    is_app_image,
    mounted_secret_file,
    pod_labels,
    pod_spec,
    secret_volume_names,
    selects,
)
from tests.deploy.network import allowed, database_pods, host, pod_in
from tests.deploy.test_policies import API, PROMETHEUS, UI, WORKER

MAILPIT = "mailpit"
KIND_UI_URL = "http://localhost:30080"
# Replicas by overlay (variants with another database component have their overlay's).
REPLICAS = {"kind": 1, "kind-monitoring": 1, "staging": 2, "production": 2}
PUBLIC = ("staging", "production")
SUBMISSION_PORTS = (587, 465)
DNS = pod_in("kube-system", {"k8s-app": "kube-dns"})
DOCS = ROOT / "docs" / "WORKER.md"


def overlay_of(rendering) -> str:
    return rendering.overlay.partition("+")[0]


def worker(rendering) -> dict:
    return rendering.workload(WORKER)


def main(workload: dict) -> dict:
    (container,) = pod_spec(workload)["containers"]
    return container


def environment(rendering, workload=None, container=None) -> dict[str, str]:
    workload = workload or worker(rendering)
    return container_environment(rendering, workload, container or main(workload))


# --- the Deployment --------------------------------------------------------------------


def test_every_overlay_runs_its_number_of_workers(rendering):
    assert worker(rendering)["spec"]["replicas"] == REPLICAS[overlay_of(rendering)]
    # The overlays own the count: no autoscaler, and no Service in front of it.
    assert WORKER not in {
        h["spec"]["scaleTargetRef"]["name"] for h in rendering.of_kind("HorizontalPodAutoscaler")
    }
    for service in rendering.of_kind("Service"):
        assert not selects({"matchLabels": service["spec"]["selector"]}, pod_labels(worker(rendering)))


def test_the_worker_runs_the_api_s_image_in_its_own_role(rendering):
    (api_image,) = {c["image"] for c in all_containers(rendering.workload(API)) if is_app_image(c["image"])}
    app = [c for c in all_containers(worker(rendering)) if is_app_image(c["image"])]
    assert {c["image"] for c in app} == {api_image}
    for container in app:
        assert environment(rendering, container=container)["TASKMANAGER_ROLE"] == "worker", container["name"]
    assert main(worker(rendering))["args"] == ["worker"]


def test_its_probes_ask_its_health_server(rendering):
    container = main(worker(rendering))
    assert container_ports(worker(rendering)) == {"http": 8000, "metrics": 9100}
    assert int(environment(rendering)["PORT"]) == 8000
    paths = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert {kind: (get["path"], get["port"]) for kind, get in paths.items()} == {
        "startupProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
        "livenessProbe": ("/healthz", "http"),
    }
    # /readyz may wait for PostgreSQL (DB_CONNECT_TIMEOUT, 3 s).
    assert container["readinessProbe"]["timeoutSeconds"] > 3


def test_it_is_hardened_as_the_api_is(rendering):
    api, this = pod_spec(rendering.workload(API)), pod_spec(worker(rendering))
    assert this["securityContext"] == api["securityContext"]
    assert this["serviceAccountName"] == WORKER
    for key in ("automountServiceAccountToken", "enableServiceLinks"):
        assert this[key] is False, key
    (api_main,) = api["containers"]
    for container in all_containers(worker(rendering)):
        assert container["securityContext"] == api_main["securityContext"], container["name"]


def test_shutdown_leaves_time_to_finish_the_jobs_in_hand(rendering):
    grace = int(environment(rendering)["TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT"])
    assert pod_spec(worker(rendering))["terminationGracePeriodSeconds"] > grace + 5


def test_a_rollout_replaces_a_worker_only_once_the_new_one_is_ready(rendering):
    strategy = worker(rendering)["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_a_drain_may_always_evict_a_worker_even_the_only_one(rendering):
    (budget,) = [
        b
        for b in rendering.of_kind("PodDisruptionBudget")
        if selects(b["spec"]["selector"], pod_labels(worker(rendering)))
    ]
    assert budget["spec"]["maxUnavailable"] >= 1
    assert "minAvailable" not in budget["spec"]


# --- never ahead of the migrations ----------------------------------------------------


def test_the_worker_starts_only_once_the_migrations_are_applied(rendering):
    """A worker takes jobs whether or not it is ready, so its init steps hold it
    back: the database, then `migrate --check` until the API has migrated."""
    init = pod_spec(worker(rendering))["initContainers"]
    assert [c["name"] for c in init] == ["wait-for-database", "wait-for-migrations"]
    wait = init[1]
    assert is_app_image(wait["image"])
    (script,) = wait["command"][2:]
    assert wait["command"][:2] == ["sh", "-c"]
    assert re.fullmatch(
        r"until /app/deploy/entrypoint\.sh manage migrate --check; do .*; sleep \d+; done", script
    )
    # It waits; only the API applies (migrate_with_lock, under its lock).
    assert not any("migrate" in (c.get("args") or []) for c in all_containers(worker(rendering)))
    api_steps = [c.get("args") for c in pod_spec(rendering.workload(API))["initContainers"]]
    assert ["migrate"] in api_steps
    # The same settings as the worker itself, so it checks the worker's apps on its database.
    assert environment(rendering, container=wait) == {
        k: v for k, v in environment(rendering).items() if k != "PROMETHEUS_MULTIPROC_DIR"
    }


# --- network ---------------------------------------------------------------------------


def smtp_pods(rendering) -> list[dict]:
    return [w for w in rendering.workloads() if w["metadata"]["name"] == MAILPIT]


def test_the_worker_reaches_exactly_its_database_its_smtp_server_and_dns(rendering):
    this = worker(rendering)
    databases, mailpit = database_pods(rendering), smtp_pods(rendering)
    for pod in rendering.pods():
        if pod is this:
            continue
        for port in set(container_ports(pod).values()):
            expected = (pod in databases and port == 5432) or (pod in mailpit and port == 1025)
            assert allowed(rendering, this, pod, port) is expected, (pod["metadata"]["name"], port)
    assert allowed(rendering, this, DNS, 53)
    # Outside the cluster: the SMTP submission ports where the mail server is outside.
    public = overlay_of(rendering) in PUBLIC
    for port in SUBMISSION_PORTS:
        assert allowed(rendering, this, host("198.51.100.25"), port) is public
        assert not allowed(rendering, rendering.workload(API), host("198.51.100.25"), port)
    for port in (25, 80, 443, 5432, 6443):
        assert not allowed(rendering, this, host("198.51.100.25"), port)


def test_nothing_connects_to_the_worker_but_prometheus_for_its_metrics(rendering):
    this = worker(rendering)
    for port in (8000, 9100):
        for pod in rendering.pods():
            if pod is not this and pod["metadata"]["namespace"] == this["metadata"]["namespace"]:
                assert not allowed(rendering, pod, this, port), (pod["metadata"]["name"], port)
        assert not allowed(rendering, host("203.0.113.7"), this, port)
        assert not allowed(rendering, pod_in("gateway-system"), this, port)
        assert not allowed(rendering, pod_in("default", {"app.kubernetes.io/name": "prometheus"}), this, port)
    assert not allowed(rendering, None, this, 8000)
    assert allowed(rendering, PROMETHEUS, this, 9100)
    assert not allowed(rendering, PROMETHEUS, this, 8000)


def test_the_worker_reaches_the_managed_database_s_address(external_database):
    rendering = external_database
    wait = environment(rendering, container=pod_spec(worker(rendering))["initContainers"][0])
    address = urlparse(environment(rendering)["DATABASE_URL"]).hostname
    assert address == wait["PGHOST"]
    (policy,) = [
        p
        for p in rendering.of_kind("NetworkPolicy")
        if p["metadata"]["name"] == "taskmanager-worker-to-database"
    ]
    (api_policy,) = [
        p
        for p in rendering.of_kind("NetworkPolicy")
        if p["metadata"]["name"] == "taskmanager-api-to-database"
    ]
    # The same range as the API's: change both together.
    assert policy["spec"]["egress"] == api_policy["spec"]["egress"]
    (rule,) = policy["spec"]["egress"]
    (peer,) = rule["to"]
    block = peer["ipBlock"]["cidr"].split("/")[0]
    assert allowed(rendering, worker(rendering), host(block), int(wait["PGPORT"]))


# --- email -----------------------------------------------------------------------------


KIND_OVERLAYS = ("kind", "kind-monitoring")


def is_kind(rendering) -> bool:
    return overlay_of(rendering) in KIND_OVERLAYS


def _renderings_of(overlays) -> list[str]:
    return [name for name in RENDERINGS if name.partition("+")[0] in overlays]


@pytest.fixture(params=_renderings_of(KIND_OVERLAYS))
def kind_rendering(request, renderings):
    return renderings[request.param]


@pytest.fixture(params=_renderings_of(PUBLIC))
def public_rendering(request, renderings):
    return renderings[request.param]


def test_mailpit_runs_on_kind_only_with_a_pinned_release(rendering):
    found = smtp_pods(rendering)
    assert bool(found) is is_kind(rendering)
    for mailpit in found:
        (container,) = pod_spec(mailpit)["containers"]
        name, _, tag = container["image"].rpartition(":")
        assert name == "axllent/mailpit"
        assert re.fullmatch(r"v\d+\.\d+\.\d+", tag), container["image"]
        assert mailpit["spec"]["replicas"] == 1
        # The docs name the tag and say it was not checked against the registry.
        assert f"`{container['image']}`" in DOCS.read_text()


def test_on_kind_the_worker_sends_to_mailpit_whose_ui_is_on_localhost(kind_rendering):
    rendering = kind_rendering
    url = urlparse(environment(rendering)["EMAIL_URL"])
    assert url.scheme == "smtp" and not url.username
    service = rendering.get("Service", url.hostname)
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == url.port]
    (mailpit,) = smtp_pods(rendering)
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(mailpit))
    assert container_ports(mailpit)[port["targetPort"]] == 1025
    assert service["spec"]["type"] == "ClusterIP", "SMTP stays in the cluster"
    # The web UI: a NodePort that kind-config.yaml maps to the host's loopback.
    ui = rendering.get("Service", "mailpit-ui")
    (ui_port,) = ui["spec"]["ports"]
    assert container_ports(mailpit)[ui_port["targetPort"]] == 8025
    mappings = [
        m for n in yaml.safe_load(KIND_CONFIG.read_text())["nodes"] for m in n.get("extraPortMappings", [])
    ]
    assert {
        "containerPort": 30082,
        "hostPort": 30082,
        "listenAddress": "127.0.0.1",
        "protocol": "TCP",
    } in mappings
    assert ui_port["nodePort"] == 30082
    # Who reaches Mailpit: the worker on SMTP, whoever reaches the NodePort on the UI.
    assert allowed(rendering, None, mailpit, 8025)
    assert not allowed(rendering, None, mailpit, 1025)
    for name in (API, UI):
        for port in (1025, 8025):
            assert not allowed(rendering, rendering.workload(name), mailpit, port)
    assert not allowed(rendering, worker(rendering), mailpit, 8025)
    assert not allowed(rendering, mailpit, host("198.51.100.25"), 443)
    assert not allowed(rendering, mailpit, DNS, 53)
    assert environment(rendering)["TASKMANAGER_UI_URL"] == KIND_UI_URL


def test_elsewhere_the_smtp_url_is_a_mounted_secret_file(public_rendering):
    rendering = public_rendering
    this = worker(rendering)
    for container in all_containers(this):
        if not is_app_image(container["image"]):
            continue
        seen = environment(rendering, container=container)
        assert mounted_secret_file(this, container, seen["EMAIL_URL_FILE"]) == ("taskmanager-email", "url")
        assert urlparse(seen["EMAIL_URL"]).scheme in ("smtp+tls", "smtp+ssl")
    # Only the worker's containers that load its settings mount it, and only its `url`.
    for workload in rendering.pod_owners():
        for volume in pod_spec(workload).get("volumes", []):
            if volume["name"] in secret_volume_names(workload, "taskmanager-email"):
                assert workload is this
                assert volume["secret"]["items"] == [{"key": "url", "path": "url"}]


def test_links_in_emails_lead_to_the_public_ui(public_rendering):
    rendering = public_rendering
    url = urlparse(environment(rendering)["TASKMANAGER_UI_URL"])
    assert url.scheme == "https" and url.path in ("", "/")
    ui = rendering.workload(UI)
    assert url.hostname in environment(rendering, ui, main(ui))["ALLOWED_HOSTS"].split(",")
    assert "@" in environment(rendering)["TASKMANAGER_EMAIL_FROM"]
