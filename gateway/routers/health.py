"""Liveness and readiness for ops.

`/readyz` tells ready from degraded (`mgov_common.health`): 200 while every service can
serve requests, with `"status": "degraded"`, the reasons and the outbox backlog while a
dependency the write path can do without (NATS) is away; 503 only when a service cannot
serve (its database is unreachable, or it is down).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.backends import GRPC_SERVICE
from gateway.deps import BackendsDep, SettingsDep
from gateway.problems import problem_response
from gateway.schemas import INTEGER, obj, returns, string
from mgov_common.health import BACKLOG_KEY, DEGRADED_KEY

router = APIRouter(tags=["ops"])


@router.get("/healthz", responses=returns(obj("Health", {"status": string(enum=["ok"])})), summary="Liveness: the gateway process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@dataclass
class _Health:
    status: str
    degraded: list[str] = field(default_factory=list)
    backlog: int = 0


async def _health(channel: grpc.aio.Channel, service: str, timeout: float) -> _Health:
    call = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    try:
        resp = await call
        metadata = dict(await call.initial_metadata() or ())
    except grpc.aio.AioRpcError as exc:
        return _Health("UNREACHABLE" if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) else exc.code().name)
    reasons = [r for r in str(metadata.get(DEGRADED_KEY, "")).split(",") if r]
    try:
        backlog = max(0, int(str(metadata.get(BACKLOG_KEY, "0"))))
    except ValueError:
        backlog = 0
    return _Health(health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status), reasons, backlog)


@router.get("/readyz", summary="Readiness: every service can serve requests (degraded while events are delayed)", response_model=None,
            responses={**returns(obj("Ready", {"status": string(enum=["ready", "degraded"]),
                                               "services": {"type": "object", "additionalProperties": string()},
                                               "reasons": {"type": "array", "items": string()}, "outbox_backlog": INTEGER})),
                       503: {"description": "a service is not serving (`services` names each one's status)"}})
async def readyz(request: Request, backends: BackendsDep, settings: SettingsDep) -> dict[str, object] | JSONResponse:
    names = list(backends.channels)
    results = await asyncio.gather(*(_health(backends.channels[n], GRPC_SERVICE[n], settings.readiness_timeout_s) for n in names))
    services = {n: h.status for n, h in zip(names, results, strict=True)}
    reasons = [f"{n}: {r}" for n, h in zip(names, results, strict=True) for r in h.degraded]
    live = getattr(request.app.state, "live", None)
    if live is not None and live.url and not live.connected:
        reasons.append("gateway: nats_disconnected")
    body: dict[str, object] = {"services": services, "reasons": reasons, "outbox_backlog": sum(h.backlog for h in results)}
    if all(s == "SERVING" for s in services.values()):
        return {"status": "degraded" if reasons else "ready", **body}
    down = ", ".join(n for n, s in services.items() if s != "SERVING")
    return problem_response(request, 503, "not_ready", f"not serving: {down}", **body, headers={"Retry-After": "1"})
