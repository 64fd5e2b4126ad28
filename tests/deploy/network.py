"""Which connections the rendered NetworkPolicies allow.

A small evaluator of the NetworkPolicy semantics the manifests use: pod,
namespace and address peers, named and numbered TCP ports, isolation by
policyTypes, and namespaces: a policy selects pods of its own namespace, and
a peer without a namespaceSelector means pods of the policy's namespace. The
two ends of a connection are either

- a rendered pod, in its namespace: a workload, or a pod an operator creates
  (Rendering.operator_pods, modelled like a workload). An overlay may render
  more than one namespace (kind-monitoring: the application's and
  `monitoring`);
- `Elsewhere`: a pod in a namespace not rendered (a Gateway proxy, the
  CloudNativePG operator, a Prometheus Operator's Prometheus), or an address
  beyond the cluster (a managed database, the Kubernetes API server, an
  object store);
- None: any client outside the namespace at all, which any namespace or
  address peer admits (a browser through a NodePort admits the same).

Where the answer depends on the network plugin, it errs towards "allowed", so
that a test asserting a connection is refused cannot pass by accident: an
address block is taken to contain pod addresses too.
"""

import ipaddress
from dataclasses import dataclass, field

from tests.deploy.manifests import Rendering, container_ports, pod_labels, selects


@dataclass
class Elsewhere:
    """A pod in another namespace (its namespace's labels and its own), or,
    with `address`, a host outside the cluster. `ports` names its ports."""

    namespace: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    address: str | None = None
    ports: dict = field(default_factory=dict)


def pod_in(namespace: str, labels: dict | None = None, ports: dict | None = None) -> Elsewhere:
    return Elsewhere({"kubernetes.io/metadata.name": namespace}, labels or {}, None, ports or {})


def host(address: str) -> Elsewhere:
    return Elsewhere(address=address)


def policies(rendering: Rendering) -> list[dict]:
    return rendering.of_kind("NetworkPolicy")


def namespace_labels(rendering: Rendering, name: str) -> dict:
    """A namespace's labels: the rendered Namespace's, and the name label every namespace has."""
    rendered = [n for n in rendering.of_kind("Namespace") if n["metadata"]["name"] == name]
    labels = rendered[0]["metadata"].get("labels", {}) if rendered else {}
    return {**labels, "kubernetes.io/metadata.name": name}


def applies_to(policy: dict, pod: dict) -> bool:
    """Whether a policy selects a rendered pod: one of its own namespace only."""
    same_namespace = policy["metadata"].get("namespace") == pod["metadata"].get("namespace")
    return same_namespace and selects(policy["spec"]["podSelector"], pod_labels(pod))


def covering(rendering: Rendering, pod: dict, policy_type: str) -> list[dict]:
    return [p for p in policies(rendering) if policy_type in p["spec"]["policyTypes"] and applies_to(p, pod)]


def _port(endpoint, port) -> int | None:
    """A policy's port (name or number) as the number it is on the endpoint."""
    if endpoint is None:
        return None if isinstance(port, str) else port
    if isinstance(endpoint, Elsewhere):
        return endpoint.ports.get(port) if isinstance(port, str) else port
    ports = container_ports(endpoint)
    if isinstance(port, str):
        return ports.get(port)
    return port if port in ports.values() else None


def _in_block(address: str, block: dict) -> bool:
    ip = ipaddress.ip_address(address)
    inside = ip in ipaddress.ip_network(block["cidr"])
    return inside and not any(ip in ipaddress.ip_network(e) for e in block.get("except", []))


def _peer_admits(rendering: Rendering, peer: dict, endpoint, policy_namespace: str) -> bool:
    if endpoint is None:
        return "namespaceSelector" in peer or "ipBlock" in peer
    if isinstance(endpoint, Elsewhere) and endpoint.address:
        return "ipBlock" in peer and _in_block(endpoint.address, peer["ipBlock"])
    if "ipBlock" in peer:
        return True  # a pod's address may lie in the block (plugin-dependent)
    if isinstance(endpoint, Elsewhere):
        if "namespaceSelector" in peer:
            in_namespace = selects(peer["namespaceSelector"], endpoint.namespace)
        else:
            in_namespace = endpoint.namespace.get("kubernetes.io/metadata.name") == policy_namespace
        return in_namespace and selects(peer.get("podSelector", {}), endpoint.labels)
    namespace = endpoint["metadata"]["namespace"]
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(rendering, namespace)):
            return False
    elif namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector", {}), pod_labels(endpoint))


def _rules_admit(rendering, policy: dict, direction: str, peer, ported, port: int) -> bool:
    peers_key = "from" if direction == "ingress" else "to"
    namespace = policy["metadata"].get("namespace")

    def ports_admit(rule_ports):
        return not rule_ports or any(
            _port(ported, p["port"]) == port for p in rule_ports if p.get("protocol", "TCP") == "TCP"
        )

    return any(
        ports_admit(rule.get("ports"))
        and (
            not rule.get(peers_key)
            or any(_peer_admits(rendering, p, peer, namespace) for p in rule[peers_key])
        )
        for rule in policy["spec"].get(direction, [])
    )


def allowed(rendering: Rendering, source, target, port: int) -> bool:
    """Whether the policies let `source` open a TCP connection to `target` on
    `port`. Only rendered policies count: an end elsewhere is taken to let
    the connection through on its side."""
    ingress, egress = True, True
    if target is not None and not isinstance(target, Elsewhere):
        isolating = covering(rendering, target, "Ingress")
        ingress = not isolating or any(
            _rules_admit(rendering, p, "ingress", source, target, port) for p in isolating
        )
    if source is not None and not isinstance(source, Elsewhere):
        isolating = covering(rendering, source, "Egress")
        egress = not isolating or any(
            _rules_admit(rendering, p, "egress", target, target, port) for p in isolating
        )
    return ingress and egress


def database_pods(rendering: Rendering) -> list[dict]:
    """The pods PostgreSQL runs in, if it runs in the namespace: the
    StatefulSet's, or the instances CloudNativePG creates."""
    in_cluster = [
        w for w in rendering.workloads() if pod_labels(w).get("app.kubernetes.io/name") == "postgresql"
    ]
    instances = [p for p in rendering.operator_pods if pod_labels(p).get("cnpg.io/podRole") == "instance"]
    return in_cluster + instances
