"""Liveness and readiness for ops."""

from __future__ import annotations

import asyncio

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.backends import GRPC_SERVICE
from gateway.deps import BackendsDep, SettingsDep
from gateway.problems import problem_response
from gateway.schemas import obj, returns, string

router = APIRouter(tags=["ops"])


@router.get("/healthz", responses=returns(obj("Health", {"status": string(enum=["ok"])})), summary="Liveness: the gateway process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _status(channel: grpc.aio.Channel, service: str, timeout: float) -> str:
    try:
        resp = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        return "UNREACHABLE" if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) else exc.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)


@router.get("/readyz", summary="Readiness: every service reports SERVING over grpc.health.v1", response_model=None,
            responses={**returns(obj("Ready", {"status": string(enum=["ready"]), "services": {"type": "object", "additionalProperties": string()}})),
                       503: {"description": "a service is not serving (`services` names each one's status)"}})
async def readyz(request: Request, backends: BackendsDep, settings: SettingsDep) -> dict[str, object] | JSONResponse:
    names = list(backends.channels)
    results = await asyncio.gather(*(_status(backends.channels[n], GRPC_SERVICE[n], settings.readiness_timeout_s) for n in names))
    services = dict(zip(names, results, strict=True))
    if all(s == "SERVING" for s in services.values()):
        return {"status": "ready", "services": services}
    down = ", ".join(n for n, s in services.items() if s != "SERVING")
    return problem_response(request, 503, "not_ready", f"not serving: {down}", services=services, headers={"Retry-After": "1"})
