"""Prometheus metrics of every process: one registry, the platform's metric names, a server.

The names and labels are the ones docs/deploy.md lists and the Grafana dashboard reads;
`tests/unit/test_metrics.py` keeps the three in step. No label carries a tenant, user or
case id, and every label value comes from a bounded set (a route template, an RPC name,
a status), so the number of series does not grow with the data or with what a client
sends.

Recording sits on hot paths (every request, every RPC, every message), so callers keep
the labelled child of a metric (`children`) instead of calling `.labels()` each time:
that call takes a lock and checks its arguments, a dict lookup does not.

Each process serves its metrics on its own port (`MGOV_METRICS_PORT`; 0, the default,
serves none): on Kubernetes 9464 in every pod; on one machine each process needs a port
of its own (`mgov up` takes them from `MGOV_<PROCESS>_METRICS_PORT`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics, start_http_server

log = logging.getLogger(__name__)

# The `_created` series double every counter's and histogram's series for a value that
# Prometheus rarely needs; the dashboard does not.
disable_created_metrics()

# Latency buckets from a cached read (a few ms) to the callers' 5 s deadline and past it.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter("mgov_http_requests_total", "Gateway requests", ["route", "method", "status"])
HTTP_DURATION = Histogram("mgov_http_request_duration_seconds", "Gateway request latency", ["route", "method"],
                          buckets=LATENCY_BUCKETS)
GRPC_REQUESTS = Counter("mgov_grpc_server_requests_total", "RPCs handled by a service", ["service", "method", "code"])
GRPC_DURATION = Histogram("mgov_grpc_server_request_duration_seconds", "RPC latency", ["service", "method"],
                          buckets=LATENCY_BUCKETS)
OUTBOX_BACKLOG = Gauge("mgov_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge("mgov_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"])
CONSUMER_PENDING = Gauge("mgov_consumer_pending_messages", "Messages the durable consumer has not yet received (lag)",
                         ["stream", "consumer"])
CONSUMER_REDELIVERIES = Counter("mgov_consumer_redeliveries_total",
                                "Messages delivered again (not acknowledged in time, or negatively acknowledged)",
                                ["stream", "consumer"])
# Outcomes: handled, skipped (a repeat of an event already applied), retried, failed (dead-lettered).
CONSUMER_MESSAGES = Counter("mgov_consumer_messages_total", "Messages a consumer settled, by outcome",
                            ["stream", "consumer", "outcome"])
DLQ_MESSAGES = Gauge("mgov_dlq_messages", "Messages in the dead-letter stream", ["stream"])
SLA_WARNINGS = Counter("mgov_sla_warnings_total", "SLA warnings raised on cases")
SLA_BREACHES = Counter("mgov_sla_breaches_total", "SLA breaches on cases")
NOTIFICATION_DELIVERIES = Counter("mgov_notification_deliveries_total", "Notification delivery attempts by outcome",
                                  ["channel", "status"])
CATALOG_CACHE_REQUESTS = Counter("mgov_catalog_cache_requests_total", "Public catalogue reads at the gateway, by cache result",
                                 ["result"])
CATALOG_CACHE_INVALIDATIONS = Counter("mgov_catalog_cache_invalidations_total", "Times the gateway dropped its catalogue cache, by cause",
                                      ["cause"])
CATALOG_CACHE_BYTES = Gauge("mgov_catalog_cache_bytes", "Bytes of catalogue responses the gateway keeps")
# Findings of the payment reconciliation (and late payments) recorded in the last 24 hours,
# by kind: above 0 is the alert that a tenant's finance staff have something to check.
PAYMENT_FINDINGS = Gauge("mgov_payment_reconciliation_findings", "Payment reconciliation findings recorded in the last 24 hours",
                         ["kind"])

# The insight service's headline figures, platform-wide over the last 30 days (-1: no data).
INSIGHT_ON_TIME = Gauge("mgov_insight_on_time_ratio", "Finished cases finished within their promised limit, last 30 days")
INSIGHT_RATING = Gauge("mgov_insight_rating_average", "Average 好差评 score (1-5), last 30 days")
INSIGHT_ONLINE = Gauge("mgov_insight_online_share", "Completed cases completed in the app, last 30 days")
INSIGHT_ZOMBIES = Gauge("mgov_insight_zombies", "Zombies under the tenants' thresholds, by kind", ["kind"])

ALL = (HTTP_REQUESTS, HTTP_DURATION, GRPC_REQUESTS, GRPC_DURATION, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, CONSUMER_PENDING,
       CONSUMER_REDELIVERIES, CONSUMER_MESSAGES, DLQ_MESSAGES, SLA_WARNINGS, SLA_BREACHES, NOTIFICATION_DELIVERIES,
       CATALOG_CACHE_REQUESTS, CATALOG_CACHE_INVALIDATIONS, CATALOG_CACHE_BYTES, PAYMENT_FINDINGS,
       INSIGHT_ON_TIME, INSIGHT_RATING, INSIGHT_ONLINE, INSIGHT_ZOMBIES)

M = TypeVar("M")


class Children(Generic[M]):
    """The labelled children of one metric, made once per label combination.

    `get(("a", "b"))` is a dict lookup after the first time; callers pass label values
    from bounded sets only (see the module's docstring)."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self._made: dict[Hashable, M] = {}

    def get(self, labels: tuple[str, ...]) -> M:
        child = self._made.get(labels)
        if child is None:
            child = self._made[labels] = self.metric.labels(*labels)
        return child


def serve(port: int, host: str = "127.0.0.1") -> Callable[[], None] | None:
    """Serve /metrics on `host:port` in a thread of its own; returns how to stop it, or
    None when `port` is 0 (metrics off). A busy port is an error naming it, at start."""
    if not port:
        return None
    try:
        server, thread = start_http_server(port, addr=host, registry=REGISTRY)
    except OSError as exc:
        raise OSError(f"cannot serve metrics on {host}:{port} (MGOV_METRICS_PORT): {exc.strerror or exc}") from exc
    log.info("serving metrics", extra={"address": f"{host}:{port}"})

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2.0)

    return stop


Sampler = Callable[[], Awaitable[None]]


async def sample_forever(samplers: Sequence[Sampler], interval_s: float) -> None:
    """Refresh the gauges that must be asked for (outbox backlog, consumer lag, DLQ size)
    every `interval_s`. A failing sampler leaves its gauge at the last value it read and
    is tried again next time: metrics never take a process down."""
    while True:
        results = await asyncio.gather(*(s() for s in samplers), return_exceptions=True)
        for sampler, result in zip(samplers, results, strict=True):
            if isinstance(result, Exception):
                log.debug("metrics sample failed", extra={"sampler": getattr(sampler, "__qualname__", "?"), "error": repr(result)})
        await asyncio.sleep(interval_s)
