"""Every process of `mgov up` serves the Prometheus metrics docs/deploy.md lists, with
the labels it documents and values that follow what the platform did: a citizen applies,
a clerk sends the case back (an event the notify service turns into an SMS) and a stale
second attempt is refused."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_notify_e2e import HZ_CLERK, apply, new_citizen, service_id, tokens  # noqa: F401 - fixtures
from tests.metrics_support import Samples, scrape, value, wait_for_samples

SERVICES = ("IDENTITY", "CATALOG", "WORKFLOW", "NOTIFY")
ACTIONS = "/v1/applications/{application_id}/actions"
WORKFLOW = "mgov.workflow.v1.WorkflowService"


def grew(before: Samples, name: str, by: float = 1, **labels: str) -> Callable[[Samples], bool]:
    start = value(before, name, **labels) or 0.0
    return lambda now: (value(now, name, **labels) or 0.0) >= start + by


def test_each_process_counts_requests_rpcs_events_and_deliveries_with_the_documented_labels(
        demo_platform: DemoPlatform, tokens: dict[str, str], service_id: str) -> None:  # noqa: F811
    ports = {name: demo_platform.ports[f"{name}_METRICS"] for name in ("GATEWAY", *SERVICES)}
    before = {name: scrape(port) for name, port in ports.items()}

    _, token = new_citizen(demo_platform)
    case = apply(demo_platform, token, service_id)
    with demo_platform.client(tokens[HZ_CLERK]) as c:
        path = f"/v1/applications/{case['id']}/actions"
        returned = c.post(path, json={"action": "return", "comment": "请补充户口簿首页"}, headers={"If-Match": f'"{case["version"]}"'})
        assert returned.status_code == 200, returned.text
        stale = c.post(path, json={"action": "return", "comment": "again"}, headers={"If-Match": f'"{case["version"]}"'})
        assert stale.status_code == 412, stale.text

    # The gateway: by route template and status, never by the case's own path.
    gw = wait_for_samples(ports["GATEWAY"], lambda s: grew(before["GATEWAY"], "mgov_http_requests_total", route=ACTIONS, method="POST", status="200")(s)
                          and grew(before["GATEWAY"], "mgov_http_requests_total", route=ACTIONS, method="POST", status="412")(s), "the two actions")
    assert grew(before["GATEWAY"], "mgov_http_request_duration_seconds_count", by=2, route=ACTIONS, method="POST")(gw)
    assert (value(gw, "mgov_http_request_duration_seconds_bucket", route=ACTIONS, method="POST", le="+Inf")
            == value(gw, "mgov_http_request_duration_seconds_count", route=ACTIONS, method="POST"))
    assert grew(before["GATEWAY"], "mgov_http_requests_total", route="/v1/applications", method="POST", status="201")(gw)
    assert not any(case["id"] in dict(labels).get("route", "") for _, labels in gw), "a raw path became a label"

    # The workflow service: each RPC by its status name, latency by RPC.
    wf = wait_for_samples(ports["WORKFLOW"], lambda s: grew(before["WORKFLOW"], "mgov_grpc_server_requests_total",
                                                           service=WORKFLOW, method="PerformAction", code="ABORTED")(s), "the refused action")
    assert grew(before["WORKFLOW"], "mgov_grpc_server_requests_total", service=WORKFLOW, method="PerformAction", code="OK")(wf)
    assert grew(before["WORKFLOW"], "mgov_grpc_server_requests_total", service=WORKFLOW, method="SubmitApplication", code="OK")(wf)
    assert grew(before["WORKFLOW"], "mgov_grpc_server_request_duration_seconds_count", by=2, service=WORKFLOW, method="PerformAction")(wf)
    assert value(wf, "mgov_sla_warnings_total") is not None and value(wf, "mgov_sla_breaches_total") is not None
    # Health checks (probes, every second) are not counted.
    assert not any(n == "mgov_grpc_server_requests_total" and dict(labels)["service"].startswith("grpc.") for n, labels in wf)

    # The event reached notify, which sent the SMS; its consumer has nothing left to receive.
    nt = wait_for_samples(ports["NOTIFY"], lambda s: grew(before["NOTIFY"], "mgov_notification_deliveries_total", channel="sms", status="delivered")(s)
                          and value(s, "mgov_consumer_pending_messages", stream="MGOV_EVENTS", consumer="notify-events") == 0, "the SMS")
    assert value(nt, "mgov_consumer_redeliveries_total", stream="MGOV_EVENTS", consumer="notify-events") is not None

    # Every service: its outbox drained (backlog and age 0 once published) and the DLQ's size.
    for name in SERVICES:
        schema = name.lower()
        s = wait_for_samples(ports[name], lambda s, schema=schema: value(s, "mgov_outbox_backlog", service=schema) == 0
                             and value(s, "mgov_outbox_oldest_age_seconds", service=schema) == 0, f"{schema}'s outbox drained")
        assert value(s, "mgov_dlq_messages", stream="MGOV_DLQ") is not None, name
