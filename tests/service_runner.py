"""Run a service in-process with the real `serve()` (servers, bootstrap, gRPC) for a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mgov_common.runtime import Bootstrap, serve
from mgov_common.settings import ServiceSettings


@dataclass
class ServingService:
    target: str
    stop: asyncio.Event
    task: "asyncio.Task[None]"


async def wait_serving(target: str, task: "asyncio.Task[None] | None" = None, service: str = "", timeout: float = 15.0) -> None:
    """Until grpc.health reports SERVING; a service that died while starting raises its error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                if (await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=0.5)).status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if task is not None and task.done():
                task.result()
                raise RuntimeError(f"the service at {target} stopped before it was serving")
            if loop.time() > deadline:
                raise TimeoutError(f"the service at {target} was not SERVING within {timeout:.0f}s")
            await asyncio.sleep(0.05)


@asynccontextmanager
async def serving(settings: ServiceSettings, bootstrap: Bootstrap, *, migrations: Path | None = None) -> AsyncIterator[ServingService]:
    """The service serving on `settings.port` (migrated first); always stopped afterwards."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, bootstrap, migrations=migrations, stop=stop, migrate_first=True))
    running = ServingService(f"127.0.0.1:{settings.port}", stop, task)
    try:
        await wait_serving(running.target, task)
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 15)
