"""Client-side load balancing: a channel from `create_channel` spreads its calls over
every address its target resolves to, as it must over a headless Service's pods."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from mgov_common.grpc_client import create_channel


class CountingHealth(health.aio.HealthServicer):
    """A replica of one service that counts the calls it answers."""

    def __init__(self, name: str, counts: Counter[str], arrived: asyncio.Event) -> None:
        super().__init__()
        self.name = name
        self.counts = counts
        self.arrived = arrived

    async def Check(self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext) -> health_pb2.HealthCheckResponse:  # noqa: N802
        self.counts[self.name] += 1
        self.arrived.set()
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[str, Counter[str], asyncio.Event]]:
    counts: Counter[str] = Counter()
    arrived = asyncio.Event()
    servers, ports = [], []
    for name in ("a", "b"):
        server = grpc.aio.server()
        health_pb2_grpc.add_HealthServicer_to_server(CountingHealth(name, counts, arrived), server)
        ports.append(server.add_insecure_port("127.0.0.1:0"))
        await server.start()
        servers.append(server)
    try:
        yield f"ipv4:127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}", counts, arrived
    finally:
        await asyncio.gather(*(s.stop(None) for s in servers))


async def test_calls_on_one_channel_reach_every_replica_behind_its_target(replicas: tuple[str, Counter[str], asyncio.Event]) -> None:
    target, counts, arrived = replicas
    channel = create_channel(target)
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        # Both replicas answer once each has a connection: call until both have been reached.
        async with asyncio.timeout(10):
            while len(counts) < 2:
                arrived.clear()
                await stub.Check(health_pb2.HealthCheckRequest(), wait_for_ready=True)
                await arrived.wait()
        before = counts.copy()
        for _ in range(20):
            await stub.Check(health_pb2.HealthCheckRequest())
        shares = counts - before
        # Round robin over two ready connections: the calls alternate.
        assert shares["a"] == shares["b"] == 10, shares
    finally:
        await channel.close()


async def test_a_server_ends_each_connection_at_its_maximum_age_so_clients_resolve_replicas_again() -> None:
    from mgov_common.grpc_server import build_server

    server, health_servicer, port = build_server([], address="127.0.0.1:0", max_connection_age_s=0.5)
    await server.start()
    channel = create_channel(f"127.0.0.1:{port}")
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        await stub.Check(health_pb2.HealthCheckRequest(), wait_for_ready=True)
        assert channel.get_state() == grpc.ChannelConnectivity.READY
        # The server's GOAWAY at the maximum age takes the channel out of READY (without it
        # the channel stays READY and this wait times out); its next call connects again,
        # after resolving the target again. (The state is not read again afterwards: the
        # channel may already be connecting anew by then.)
        async with asyncio.timeout(10):
            await channel.wait_for_state_change(grpc.ChannelConnectivity.READY)
        await stub.Check(health_pb2.HealthCheckRequest(), wait_for_ready=True, timeout=10)
    finally:
        await channel.close()
        await server.stop(None)
