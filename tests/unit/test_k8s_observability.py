"""Metrics: what Prometheus scrapes and what the Grafana dashboard shows.

The processes' own /metrics endpoints are the code's business; here, the deployment's
side: every gateway and service pod is scraped on its `metrics` port, the PostgreSQL
instances on theirs, and the dashboard reads only `mgov_*` metrics, each of which
docs/deploy.md names (so the code and the dashboard have one list to agree on).
"""

from __future__ import annotations

import json
import re

import pytest

from launcher.topology import SERVICES
from tests.k8s_support import DOCS, K8S, containers, get, matches, of_kind, pod_labels, rendered, workloads

DASHBOARD = K8S / "overlays" / "production" / "dashboards" / "mgov.json"
# PromQL words that are not metric names.
PROMQL_WORDS = {
    "sum", "by", "rate", "increase", "max", "min", "avg", "histogram_quantile", "le", "without", "on", "ignoring",
    "group_left", "group_right", "and", "or", "unless", "count", "topk", "bottomk", "label_values",
}
# The topics the dashboard must cover, each by the metric that carries it.
REQUIRED = {
    "HTTP requests per route": "mgov_http_requests_total",
    "HTTP latency per route": "mgov_http_request_duration_seconds_bucket",
    "gRPC calls per RPC": "mgov_grpc_server_requests_total",
    "gRPC latency per RPC": "mgov_grpc_server_request_duration_seconds_bucket",
    "outbox backlog": "mgov_outbox_backlog",
    "outbox age": "mgov_outbox_oldest_age_seconds",
    "consumer lag": "mgov_consumer_pending_messages",
    "redeliveries": "mgov_consumer_redeliveries_total",
    "DLQ size": "mgov_dlq_messages",
    "SLA warnings": "mgov_sla_warnings_total",
    "SLA breaches": "mgov_sla_breaches_total",
    "notification deliveries by status": "mgov_notification_deliveries_total",
}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def expressions() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    grouped = set()
    for labels in re.findall(r"(?:by|without)\s*\(([^)]*)\)", without_ranges):
        grouped |= {w.strip() for w in labels.split(",")}
    return words - PROMQL_WORDS - grouped


def test_every_gateway_and_service_pod_is_scraped_on_its_metrics_port() -> None:
    docs = rendered("production")
    monitor = get(docs, "PodMonitor", "mgov")
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    port = int(get(docs, "ConfigMap", "mgov-config")["data"]["MGOV_METRICS_PORT"])
    scraped = {w["metadata"]["name"] for w in workloads(docs) if matches(monitor["spec"]["selector"], pod_labels(w))}
    assert scraped == {"gateway", *SERVICES}
    for name in scraped:
        (c,) = containers(get(docs, "Deployment", name))
        assert {"name": endpoint["port"], "containerPort": port} in c["ports"], name
    pg = get(docs, "PodMonitor", "mgov-pg")
    (cluster,) = of_kind(docs, "Cluster")
    assert matches(pg["spec"]["selector"], {"cnpg.io/cluster": cluster["metadata"]["name"]})


def test_the_dashboard_covers_every_topic_with_mgov_metrics_only() -> None:
    names = set().union(*(metric_names(e) for e in expressions()))
    assert names and all(n.startswith("mgov_") for n in names), sorted(names)
    for topic, metric in REQUIRED.items():
        assert metric in names, f"no panel for {topic} ({metric})"
    for expr in expressions():
        for open_, close in ("()", "{}", "[]"):
            assert expr.count(open_) == expr.count(close), expr


def test_the_guide_lists_every_metric_the_dashboard_expects() -> None:
    names = {n.removesuffix("_bucket") for e in expressions() for n in metric_names(e)}
    guide = DOCS.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\|\s*`(mgov_[a-z0-9_]+)`", guide, re.M))
    assert names == listed, f"dashboard only: {sorted(names - listed)}; guide only: {sorted(listed - names)}"


def test_the_dashboard_is_valid_and_shipped_to_grafana_as_is() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    variables = {v["name"] for v in board["templating"]["list"]}
    assert {"datasource", "namespace"} <= variables
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
    shipped = get(rendered("production"), "ConfigMap", "mgov-grafana-dashboard")
    assert shipped["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(shipped["data"]["mgov.json"]) == board


@pytest.mark.parametrize("expr, expected", [
    ('sum by (route) (rate(mgov_http_requests_total{namespace=~"$namespace", status=~"5.."}[5m]))', {"mgov_http_requests_total"}),
    ("histogram_quantile(0.95, sum by (le, service) (rate(mgov_x_bucket[5m])))", {"mgov_x_bucket"}),
])
def test_metric_names_are_read_from_promql(expr: str, expected: set[str]) -> None:
    assert metric_names(expr) == expected
