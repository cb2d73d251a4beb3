"""The NetworkPolicies open exactly the intended paths, ingress and egress.

A small model of the NetworkPolicy semantics (selectors, namespace selectors, ipBlock
with except, ports with endPort and protocol; a pod selected by no policy of a type is
open for that type) evaluates every path mgov needs, and paths that must stay closed,
on each rendered overlay. Probes from the kubelet are always allowed by Kubernetes and
not modelled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.settings import GatewaySettings
from launcher.topology import GATEWAY_DEFAULT_PORT, SERVICES
from tests.k8s_support import NAMESPACES, OVERLAYS, matches, of_kind, pod_labels, rendered, workloads

PUBLIC_IP = "203.0.113.10"
METRICS_PORT = 9464


@dataclass(frozen=True)
class Peer:
    """A pod (labels, its namespace's labels) or an address outside the cluster."""

    labels: dict[str, str] = field(default_factory=dict)
    namespace: str = ""
    ip: str | None = None

    @property
    def ns_labels(self) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": self.namespace}


def _port_ok(rule: dict[str, Any], port: int, protocol: str) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for q in ports:
        assert isinstance(q["port"], int), "named ports are not modelled here"
        if q.get("protocol", "TCP") == protocol and q["port"] <= port <= q.get("endPort", q["port"]):
            return True
    return False


def _peer_ok(rule_peers: list[dict[str, Any]] | None, peer: Peer, own_ns: str) -> bool:
    if not rule_peers:
        return True
    for spec in rule_peers:
        if "ipBlock" in spec:
            if peer.ip is None:
                continue  # pod addresses are not matched by ipBlock in this model
            address = ipaddress.ip_address(peer.ip)
            block = spec["ipBlock"]
            if address in ipaddress.ip_network(block["cidr"]) and not any(address in ipaddress.ip_network(e) for e in block.get("except", [])):
                return True
            continue
        if peer.ip is not None:
            continue
        ns_ok = peer.namespace == own_ns if "namespaceSelector" not in spec else matches(spec["namespaceSelector"], peer.ns_labels)
        if ns_ok and ("podSelector" not in spec or matches(spec["podSelector"], peer.labels)):
            return True
    return False


def allowed(policies: list[dict[str, Any]], own_ns: str, src: Peer, dst: Peer, port: int, protocol: str = "TCP") -> bool:
    def side(pod: Peer, kind: str, other: Peer) -> bool:
        if pod.ip is not None or pod.namespace != own_ns:
            return True  # only this namespace's policies are modelled
        selecting = [p for p in policies if kind in p["spec"].get("policyTypes", ["Ingress"]) and matches(p["spec"]["podSelector"], pod.labels)]
        if not selecting:
            return True
        key, peers_key = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
        return any(
            _port_ok(rule, port, protocol) and _peer_ok(rule.get(peers_key), other, own_ns)
            for p in selecting for rule in p["spec"].get(key) or []
        )

    return side(src, "Egress", dst) and side(dst, "Ingress", src)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_open_exactly_the_intended_paths(overlay: str) -> None:
    docs = rendered(overlay)
    ns = NAMESPACES[overlay]
    policies = of_kind(docs, "NetworkPolicy")
    pods = {w["metadata"]["name"]: Peer(pod_labels(w), ns) for w in workloads(docs)}
    (cluster,) = of_kind(docs, "Cluster")
    pg = Peer({"cnpg.io/cluster": cluster["metadata"]["name"], "cnpg.io/instanceRole": "primary"}, ns)
    pg_replica = Peer({"cnpg.io/cluster": cluster["metadata"]["name"], "cnpg.io/instanceRole": "replica"}, ns)
    operator = Peer({"app.kubernetes.io/name": "cloudnative-pg"}, "cnpg-system")
    dns = Peer({"k8s-app": "kube-dns"}, "kube-system")
    other_in_kube_system = Peer({"component": "kube-apiserver"}, "kube-system")
    collector = Peer({"app": "otel-collector"}, "observability")
    prometheus = Peer({"app.kubernetes.io/name": "prometheus"}, "monitoring")
    ingress_controller = Peer({"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx")
    outsider = Peer({"app": "curious"}, "elsewhere")
    internet = Peer(ip=PUBLIC_IP)

    def ok(src: Peer, dst: Peer, port: int, protocol: str = "TCP") -> bool:
        return allowed(policies, ns, src, dst, port, protocol)

    gw, nats, migrate = pods["gateway"], pods["nats"], pods["mgov-migrate"]
    # The front door: in production only through the ingress controller.
    assert ok(ingress_controller, gw, GATEWAY_DEFAULT_PORT)
    assert ok(outsider, gw, GATEWAY_DEFAULT_PORT) is (overlay == "dev"), "production: only the ingress controller"
    assert not ok(ingress_controller, gw, 9999)
    for name, info in SERVICES.items():
        svc = pods[name]
        assert ok(gw, svc, info.default_port), f"gateway -> {name}"
        for other in SERVICES:
            assert ok(pods[other], svc, info.default_port), f"{other} -> {name}"
        assert not ok(outsider, svc, info.default_port), f"outsider -> {name}"
        assert not ok(nats, svc, info.default_port), f"nats -> {name}"
        assert not ok(pg, svc, info.default_port), f"postgres -> {name}"
        assert ok(svc, nats, 4222), f"{name} -> nats"
        assert not ok(svc, nats, 6222), f"{name} -> nats routes"
        assert ok(svc, pg, 5432), f"{name} -> postgres"
        assert ok(svc, collector, 4317), f"{name} -> OTLP"
        assert ok(prometheus, svc, METRICS_PORT), f"prometheus -> {name}"
        assert not ok(outsider, svc, METRICS_PORT)
        # Outbound HTTPS: webhooks (identity), Web Push and SMS (notify), the payment provider
        # (payment); nobody else.
        assert ok(svc, internet, 443) is (name in ("identity", "notify", "payment")), f"{name} -> internet"
        assert not ok(svc, internet, 80), f"{name} -> internet :80"
        for inside in ("169.254.169.254", "10.1.2.3", "192.168.1.1", "172.20.0.1", "127.0.0.1"):
            assert not ok(svc, Peer(ip=inside), 443), f"{name} -> {inside}: a webhook URL must not reach inside"
    assert ok(gw, nats, 4222) and ok(gw, collector, 4317) and ok(prometheus, gw, METRICS_PORT)
    assert not ok(gw, pg, 5432), "the gateway owns no schema"
    assert not ok(gw, internet, 443)
    assert ok(nats, nats, 6222), "cluster routes"
    assert not ok(outsider, nats, 4222) and not ok(nats, internet, 443) and not ok(nats, pg, 5432)
    assert ok(migrate, pg, 5432) and not ok(migrate, nats, 4222) and not ok(migrate, internet, 443)
    # The dev overlay's payment simulator (a sidecar of payment) notifies the gateway; nothing else does.
    assert ok(pods["payment"], gw, GATEWAY_DEFAULT_PORT) is (overlay == "dev")
    assert not ok(pods["notify"], gw, GATEWAY_DEFAULT_PORT)
    reconcile = pods["payment-reconcile"]  # the daily reconciliation: the database and the provider, nothing else
    assert ok(reconcile, pg, 5432) and ok(reconcile, internet, 443) and not ok(reconcile, internet, 80)
    assert not ok(reconcile, nats, 4222) and not ok(reconcile, Peer(ip="10.1.2.3"), 443) and not ok(outsider, reconcile, 8000)
    assert not ok(outsider, pg, 5432) and not ok(outsider, migrate, 8000)
    assert ok(pg_replica, pg, 5432) and ok(pg, pg_replica, 8000), "replication and instance managers"
    assert ok(operator, pg, 8000) and ok(operator, pg, 5432), "the CloudNativePG operator"
    assert ok(pg, internet, 443) and ok(pg, internet, 6443), "Kubernetes API and object storage (backups)"
    assert ok(prometheus, pg, 9187)
    assert not ok(pg, gw, GATEWAY_DEFAULT_PORT)
    for pod in [*pods.values(), pg]:
        assert ok(pod, dns, 53, "UDP") and ok(pod, dns, 53, "TCP"), f"{pod.labels}: DNS"
        assert not ok(pod, other_in_kube_system, 443), "DNS only"
    for p in policies:
        selected = [peer for peer in [*pods.values(), pg] if matches(p["spec"]["podSelector"], peer.labels)]
        assert selected, f"NetworkPolicy {p['metadata']['name']} selects nothing"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_is_denied_both_ways_unless_a_policy_opens_it(overlay: str) -> None:
    docs = rendered(overlay)
    (deny,) = [p for p in of_kind(docs, "NetworkPolicy") if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def test_production_trusts_forwarded_addresses_only_from_the_ingress_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = rendered("production")
    (gw_policy,) = [p for p in of_kind(docs, "NetworkPolicy") if p["metadata"]["name"] == "gateway"]
    front = [r for r in gw_policy["spec"]["ingress"] if any(q["port"] == GATEWAY_DEFAULT_PORT for q in r.get("ports", []))]
    assert front and all(r.get("from") for r in front), "the HTTP port is open to the ingress controller only"
    config = next(d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"] == "mgov-config")["data"]
    gateway = next(w for w in workloads(docs) if w["metadata"]["name"] == "gateway")
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    assert "MGOV_GATEWAY_FORWARDED_ALLOW_IPS" not in {e["name"] for e in container.get("env", [])}, "an env entry would hide the ConfigMap's"
    assert {"configMapRef": {"name": "mgov-config"}} in container["envFrom"]
    monkeypatch.setenv("MGOV_GATEWAY_FORWARDED_ALLOW_IPS", config["MGOV_GATEWAY_FORWARDED_ALLOW_IPS"])
    proxies = [p.strip() for p in GatewaySettings().forwarded_allow_ips.split(",") if p.strip()]
    assert proxies, "behind the ingress every client would share the ingress's address"
    for proxy in proxies:
        network = ipaddress.ip_network(proxy)
        assert network.prefixlen >= 8 and not network.is_global, f"{proxy}: trust the ingress controller, not the world"
    base = next(d for d in rendered("dev") if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "mgov-config")["data"]
    assert base["MGOV_GATEWAY_FORWARDED_ALLOW_IPS"] == "", "without an ingress nobody may speak for the client"
