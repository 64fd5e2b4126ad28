"""What each environment promises: kind is local and reached through NodePorts
that deploy/kind-config.yaml publishes; production comes in through a TLS
Ingress with secure cookies."""

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
)

KIND_NODE_PORTS = {"taskmanager-ui": 30080, "taskmanager-api": 30081}


@pytest.fixture
def kind(renderings):
    return renderings["kind"]


@pytest.fixture
def production(renderings):
    return renderings["production"]


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


def test_kind_publishes_the_ui_and_the_api_on_their_node_ports(kind):
    assert node_ports(kind) == KIND_NODE_PORTS


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


def test_production_ingress_serves_both_roles_over_tls(production):
    (ingress,) = production.of_kind("Ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    rule_hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    tls_hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    assert rule_hosts <= tls_hosts
    backends = set()
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            service = production.get("Service", path["backend"]["service"]["name"])
            port_names = {p["name"] for p in service["spec"]["ports"]}
            assert path["backend"]["service"]["port"]["name"] in port_names
            backends.add(service["metadata"]["name"])
            # Each public host is allowed by the role behind it.
            workload = production.workload(service["metadata"]["name"])
            environment = container_environment(production, workload, pod_spec(workload)["containers"][0])
            assert rule["host"] in environment["ALLOWED_HOSTS"].split(",")
            assert f"https://{rule['host']}" in environment["CSRF_TRUSTED_ORIGINS"].split(",")
    assert backends == set(KIND_NODE_PORTS)


def test_production_cookies_are_secure_and_https_is_recognised(production):
    for name in KIND_NODE_PORTS:
        workload = production.workload(name)
        environment = container_environment(production, workload, pod_spec(workload)["containers"][0])
        assert environment["SECURE_COOKIES"] == "true"
        assert environment["TRUST_X_FORWARDED_PROTO"] == "true"
        assert int(environment["SECURE_HSTS_SECONDS"]) > 0


def test_production_is_larger_than_kind(kind, production):
    def memory_mi(rendering, name):
        (container,) = pod_spec(rendering.workload(name))["containers"]
        value = container["resources"]["limits"]["memory"]
        return int(value[:-2]) * (1024 if value.endswith("Gi") else 1)

    for name in (*KIND_NODE_PORTS, "postgres"):
        assert memory_mi(production, name) > memory_mi(kind, name)
    for name in KIND_NODE_PORTS:
        assert (
            production.get("HorizontalPodAutoscaler", name)["spec"]["minReplicas"]
            > kind.get("HorizontalPodAutoscaler", name)["spec"]["minReplicas"]
        )
