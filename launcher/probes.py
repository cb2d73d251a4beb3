"""Health probes the supervisor and `mgov health` use."""

from __future__ import annotations

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def grpc_serving(target: str, service: str = "", timeout: float = 1.0) -> bool:
    async with grpc.aio.insecure_channel(target) as channel:
        try:
            resp = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.aio.AioRpcError:
            return False
    return resp.status == health_pb2.HealthCheckResponse.SERVING


async def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False
