"""What each environment promises: kind is local and reached through NodePorts
that deploy/kind-config.yaml publishes; staging and production come in through
HTTPRoutes on a Gateway that ends TLS, with secure cookies, and staging is a
smaller production in a namespace of its own."""

import re

import pytest
import yaml

from tests.deploy.manifests import (
    KIND_CONFIG,
    all_containers,
    container_environment,
    is_app_image,
    kind_node_image,
    pod_spec,
    rendering_database,
)
from tests.deploy.network import allowed, host, pod_in

KIND_NODE_PORTS = {"taskmanager-ui": 30080, "taskmanager-api": 30081}
# Besides the roles: Mailpit's web UI, where the worker's email can be read.
MAILPIT_NODE_PORT = {"mailpit-ui": 30082}


@pytest.fixture
def production(renderings):
    return renderings["production"]


@pytest.fixture
def staging(renderings):
    return renderings["staging"]


def node_ports(rendering) -> dict[str, int]:
    return {
        s["metadata"]["name"]: port["nodePort"]
        for s in rendering.of_kind("Service")
        if s["spec"].get("type") == "NodePort"
        for port in s["spec"]["ports"]
    }


def test_kind_overlay_namespace_image_and_replicas(kind):
    (namespace,) = kind.of_kind("Namespace")
    assert namespace["metadata"]["name"] == "task-manager"
    for name in KIND_NODE_PORTS:
        for container in all_containers(kind.workload(name)):
            if is_app_image(container["image"]):
                assert container["image"] == "taskmanager:0.1.0"
                assert container["imagePullPolicy"] == "IfNotPresent"
        assert kind.get("HorizontalPodAutoscaler", name)["spec"]["minReplicas"] == 2


def test_kind_publishes_the_ui_the_api_and_mailpit_on_their_node_ports(kind):
    assert node_ports(kind) == KIND_NODE_PORTS | MAILPIT_NODE_PORT


def test_kind_config_maps_exactly_the_node_ports_to_loopback(kind):
    config = yaml.safe_load(KIND_CONFIG.read_text())
    mappings = [m for node in config["nodes"] for m in node.get("extraPortMappings", [])]
    assert sorted(m["containerPort"] for m in mappings) == sorted(node_ports(kind).values())
    for mapping in mappings:
        assert mapping["hostPort"] == mapping["containerPort"]
        assert mapping["listenAddress"] == "127.0.0.1"
        assert mapping.get("protocol", "TCP") == "TCP"


def test_kind_node_image_is_pinned_by_digest():
    assert re.fullmatch(r"kindest/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", kind_node_image())


def test_kind_hosts_allow_the_published_urls(kind):
    for name in KIND_NODE_PORTS:
        workload = kind.workload(name)
        environment = container_environment(kind, workload, pod_spec(workload)["containers"][0])
        assert "localhost" in environment["ALLOWED_HOSTS"].split(",")


def test_production_has_no_node_ports_and_pulls_from_the_registry_by_tag(production):
    assert not node_ports(production)
    for name in KIND_NODE_PORTS:
        for container in all_containers(production.workload(name)):
            if is_app_image(container["image"]):
                assert re.fullmatch(r"registry\.example\.com/taskmanager:\d+\.\d+\.\d+", container["image"])


@pytest.fixture(params=["staging", "production"])
def public(request, renderings):
    """The overlays served through a Gateway (components/gateway-api)."""
    return renderings[request.param]


def routes(rendering) -> list[dict]:
    return rendering.custom_resources("gateway.networking.k8s.io/v1", "HTTPRoute")


def serving_routes(rendering) -> list[dict]:
    return [r for r in routes(rendering) if any(rule.get("backendRefs") for rule in r["spec"]["rules"])]


def environment_of(rendering, name: str) -> dict[str, str]:
    workload = rendering.workload(name)
    return container_environment(rendering, workload, pod_spec(workload)["containers"][0])


def test_no_ingress_controller_annotations_or_ingress_remain(public):
    assert not public.of_kind("Ingress")
    for obj in public.objects:
        for key in obj["metadata"].get("annotations", {}):
            assert "ingress.kubernetes.io" not in key, (obj["kind"], key)


def test_both_roles_are_routed_through_the_gateways_https_listener(public):
    backends = set()
    for route in serving_routes(public):
        (parent,) = route["spec"]["parentRefs"]
        assert (parent["group"], parent["kind"], parent["sectionName"]) == (
            "gateway.networking.k8s.io",
            "Gateway",
            "https",
        )
        for rule in route["spec"]["rules"]:
            for backend in rule["backendRefs"]:
                service = public.get("Service", backend["name"])
                assert backend["port"] in {p["port"] for p in service["spec"]["ports"]}
                backends.add(backend["name"])
                # Each public host is allowed by the role behind it.
                environment = environment_of(public, backend["name"])
                for hostname in route["spec"]["hostnames"]:
                    assert hostname in environment["ALLOWED_HOSTS"].split(",")
                    assert f"https://{hostname}" in environment["CSRF_TRUSTED_ORIGINS"].split(",")
    assert backends == set(KIND_NODE_PORTS)


def test_plain_http_only_redirects_to_https(public):
    serving = serving_routes(public)
    (redirect,) = [r for r in routes(public) if r not in serving]
    (parent,) = redirect["spec"]["parentRefs"]
    (https_parent,) = {tuple(sorted(r["spec"]["parentRefs"][0].items())) for r in serving}
    assert {**dict(https_parent), "sectionName": "http"} == parent
    assert sorted(redirect["spec"]["hostnames"]) == sorted(h for r in serving for h in r["spec"]["hostnames"])
    (rule,) = redirect["spec"]["rules"]
    assert "backendRefs" not in rule
    (only,) = rule["filters"]
    assert only == {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}


def test_only_the_gateways_proxies_and_the_ui_reach_the_roles(public):
    """The proxies run in the Gateway's namespace (docs/PRODUCTION.md, The way in)."""
    (namespace,) = {p["namespace"] for r in routes(public) for p in r["spec"]["parentRefs"]}
    proxy, api, ui = pod_in(namespace), public.workload("taskmanager-api"), public.workload("taskmanager-ui")
    for role in (api, ui):
        assert allowed(public, proxy, role, 8000)
        assert not allowed(public, proxy, role, 9000)
        for stranger in (pod_in("default"), pod_in("ingress-nginx"), host("203.0.113.7")):
            assert not allowed(public, stranger, role, 8000)
    assert allowed(public, ui, api, 8000)


def test_public_cookies_are_secure_and_https_is_recognised(public):
    for name in KIND_NODE_PORTS:
        environment = environment_of(public, name)
        assert environment["SECURE_COOKIES"] == "true"
        assert environment["TRUST_X_FORWARDED_PROTO"] == "true"
        assert int(environment["SECURE_HSTS_SECONDS"]) > 0


def database_memory_mi(rendering) -> int:
    """The memory limit of one database instance, in MiB."""
    clusters = rendering.custom_resources("postgresql.cnpg.io/v1", "Cluster")
    if clusters:
        (cluster,) = clusters
        return _mebibytes(cluster["spec"]["resources"]["limits"]["memory"])
    (container,) = pod_spec(rendering.workload("postgres"))["containers"]
    return _mebibytes(container["resources"]["limits"]["memory"])


def role_memory_mi(rendering, name: str) -> int:
    (container,) = pod_spec(rendering.workload(name))["containers"]
    return _mebibytes(container["resources"]["limits"]["memory"])


def _mebibytes(value: str) -> int:
    return int(value[:-2]) * (1024 if value.endswith("Gi") else 1)


def hpa(rendering, name: str) -> dict:
    return rendering.get("HorizontalPodAutoscaler", name)["spec"]


def test_production_is_larger_than_kind(kind, production):
    for name in KIND_NODE_PORTS:
        assert role_memory_mi(production, name) > role_memory_mi(kind, name)
        assert hpa(production, name)["minReplicas"] > hpa(kind, name)["minReplicas"]
    assert database_memory_mi(production) > database_memory_mi(kind)


def test_staging_is_production_smaller_in_a_namespace_of_its_own(kind, staging, production):
    (namespace,) = staging.of_kind("Namespace")
    assert namespace["metadata"]["name"] == "task-manager-staging"
    assert rendering_database("staging") == rendering_database("production")
    images = {
        r.overlay: {c["image"] for c in all_containers(r.workload("taskmanager-api"))}
        for r in (staging, production)
    }
    assert images["staging"] == images["production"]
    for name in KIND_NODE_PORTS:
        assert (
            hpa(kind, name)["maxReplicas"]
            <= hpa(staging, name)["maxReplicas"]
            < hpa(production, name)["maxReplicas"]
        )
    (small,), (large,) = (
        r.custom_resources("postgresql.cnpg.io/v1", "Cluster") for r in (staging, production)
    )
    assert 2 <= small["spec"]["instances"] < large["spec"]["instances"]
    assert database_memory_mi(staging) < database_memory_mi(production)
    # Its backups never land in production's folder.
    (staging_store,), (production_store,) = (
        r.custom_resources("barmancloud.cnpg.io/v1", "ObjectStore") for r in (staging, production)
    )
    assert (
        staging_store["spec"]["configuration"]["destinationPath"]
        != (production_store["spec"]["configuration"]["destinationPath"])
    )
