"""Health in two levels: ready (can serve requests) and degraded (serving, something delayed).

A service needs its database for every request, so the database decides readiness. It
does not need NATS to take writes: events wait in the outbox and are published once NATS
is back. Taking a replica out of its Service (or `/readyz` answering 503) while NATS is
down would turn a blip of a component the write path does not need into an outage, so
NATS only makes a service *degraded*.

The grpc.health.v1 names a service reports:

- `""` and each gRPC service's full name: readiness, SERVING while the database pool
  answers (readiness probes, the gateway's `/readyz`, the supervisor);
- `mgov.liveness`: SERVING as long as the process answers at all (liveness probes: a
  restart cures a wedged process, not a database outage);
- `mgov.events`: SERVING while events flow (NATS connected); NOT_SERVING means degraded.

Every Check answer also carries initial metadata: `mgov-degraded` (the reasons,
comma-separated, absent when there are none) and `mgov-outbox-backlog` (events waiting to
be published; -1 when unknown). On shutdown everything goes NOT_SERVING first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg
from grpc_health.v1 import health_pb2
from grpc_health.v1.health import aio as health_aio

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
LIVENESS = "mgov.liveness"
EVENTS = "mgov.events"
DEGRADED_KEY = "mgov-degraded"
BACKLOG_KEY = "mgov-outbox-backlog"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ReportingHealthServicer(health_aio.HealthServicer):
    """grpc.health.v1 whose answers also say why a service is degraded and how many
    events wait in its outbox (initial metadata, so any health client still works)."""

    def __init__(self) -> None:
        super().__init__()
        self.degraded: list[str] = []
        self.backlog = -1

    async def Check(self, request: health_pb2.HealthCheckRequest, context: Any) -> Any:  # noqa: N802 - gRPC's name
        metadata = [(BACKLOG_KEY, str(self.backlog))]
        if self.degraded:
            metadata.append((DEGRADED_KEY, ",".join(self.degraded)))
        await context.send_initial_metadata(tuple(metadata))
        return await super().Check(request, context)


async def outbox_backlog(pool: asyncpg.Pool, timeout: float = 2.0) -> int:
    """Events written but not yet published (the outbox's unpublished rows)."""
    return int(await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL", timeout=timeout))


class HealthReporter:
    """Keeps the health names in step with the checks, every `interval_s`.

    `ready_checks` must all pass for the service to be ready; each failing
    `degraded_checks` entry (reason → check) makes it degraded instead.
    """

    def __init__(
        self,
        servicer: ReportingHealthServicer,
        names: Sequence[str],
        *,
        ready_checks: Sequence[Check],
        degraded_checks: Mapping[str, Check] | None = None,
        backlog: Callable[[], Awaitable[int]] | None = None,
        interval_s: float = 1.0,
    ) -> None:
        self.servicer = servicer
        self.names = ["", *names]
        self.ready_checks = ready_checks
        self.degraded_checks = dict(degraded_checks or {})
        self.backlog = backlog
        self.interval_s = interval_s
        self.status: int | None = None
        self.degraded: list[str] | None = None

    async def check_once(self) -> int:
        ready, degraded = await asyncio.gather(
            asyncio.gather(*(c() for c in self.ready_checks), return_exceptions=True),
            asyncio.gather(*(c() for c in self.degraded_checks.values()), return_exceptions=True),
        )
        status = SERVING if all(r is True for r in ready) else NOT_SERVING
        reasons = [reason for reason, ok in zip(self.degraded_checks, degraded, strict=True) if ok is not True]
        if self.status is None:  # the process answers: true from the first check on
            await self.servicer.set(LIVENESS, SERVING)
        if status != self.status:
            for name in self.names:
                await self.servicer.set(name, status)
            if self.status is not None or status != SERVING:
                log.warning("health changed", extra={"status": health_pb2.HealthCheckResponse.ServingStatus.Name(status)})
            self.status = status
        if reasons != self.degraded:
            await self.servicer.set(EVENTS, NOT_SERVING if reasons else SERVING)
            if self.degraded is not None or reasons:
                log.warning("degraded" if reasons else "no longer degraded", extra={"reasons": reasons})
            self.degraded = reasons
        self.servicer.degraded = reasons
        if self.backlog is not None and status == SERVING:
            try:
                self.servicer.backlog = await self.backlog()
            except Exception:  # noqa: BLE001 - an unknown backlog is reported as -1, not a failure
                self.servicer.backlog = -1
        else:  # no database to count in: unknown, as the metadata promises
            self.servicer.backlog = -1
        return status

    async def run(self) -> None:
        while True:
            await self.check_once()
            await asyncio.sleep(self.interval_s)
