"""The gRPC server bootstrap: health that tells the truth, error mapping, deadlines, shutdown."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.grpc_errors import error_detail
from launcher.embedded import EmbeddedNats
from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.errors import NotFound
from mgov_common.grpc_client import create_channel
from mgov_common.health import BACKLOG_KEY, DEGRADED_KEY, EVENTS, LIVENESS
from mgov_common.ports import free_port
from mgov_common.runtime import Runtime, ServiceParts
from tests.conftest import ExampleServiceSettings, Servers
from tests.service_runner import serving

SERVICE = "mgov.notify.v1.NotifyService"


class ExampleServicer(notify_pb2_grpc.NotifyServiceServicer):
    async def GetUnreadCount(self, request: notify_pb2.GetUnreadCountRequest, context: grpc.aio.ServicerContext) -> notify_pb2.GetUnreadCountResponse:
        raise NotFound("no inbox for this user", field="user_id", code="inbox_not_found")

    async def MarkRead(self, request: notify_pb2.MarkReadRequest, context: grpc.aio.ServicerContext) -> notify_pb2.MarkReadResponse:
        raise RuntimeError("password=hunter2 leaked in a bug")

    async def GetPreferences(self, request: notify_pb2.GetPreferencesRequest, context: grpc.aio.ServicerContext) -> notify_pb2.Preferences:
        # What a query sees when PostgreSQL was killed under it.
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    async def ListDevices(self, request: notify_pb2.ListDevicesRequest, context: grpc.aio.ServicerContext) -> notify_pb2.ListDevicesResponse:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    async def ListNotifications(self, request: notify_pb2.ListNotificationsRequest, context: grpc.aio.ServicerContext) -> notify_pb2.ListNotificationsResponse:
        await asyncio.sleep(5)
        return notify_pb2.ListNotificationsResponse()


@dataclass
class Running:
    target: str
    nats: EmbeddedNats
    stop: asyncio.Event
    task: "asyncio.Task[None]"


@pytest.fixture
async def running(servers: Servers, tmp_path: Path) -> AsyncIterator[Running]:
    """A service on its own NATS server, so the test may stop that server."""
    nats = EmbeddedNats(tmp_path / "nats", free_port())
    nats.start()
    port = free_port()
    settings = ExampleServiceSettings(database_url=servers.dsn, nats_url=nats.url, port=port, health_interval_s=0.1, shutdown_grace_s=1)

    async def bootstrap(runtime: Runtime) -> ServiceParts:
        return ServiceParts(registrations=[(notify_pb2_grpc.add_NotifyServiceServicer_to_server, ExampleServicer(), SERVICE)])

    try:
        async with serving(settings, bootstrap) as running:
            yield Running(running.target, nats, running.stop, running.task)
    finally:
        nats.stop()


async def health_status(target: str, service: str = SERVICE) -> int | None:
    return (await health_check(target, service))[0]


async def health_check(target: str, service: str = SERVICE) -> tuple[int | None, dict[str, str]]:
    """The status of `service` and the answer's metadata (degraded reasons, outbox backlog)."""
    async with grpc.aio.insecure_channel(target) as ch:
        call = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
        try:
            status = (await call).status
        except grpc.aio.AioRpcError:
            return None, {}
        return status, {k: str(v) for k, v in (await call.initial_metadata() or ())}


async def wait_for_status(target: str, status: int, service: str = SERVICE, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await health_status(target, service) != status:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{service or 'the server'} never became {health_pb2.HealthCheckResponse.ServingStatus.Name(status)}")
        await asyncio.sleep(0.05)


async def test_while_nats_is_down_the_service_stays_serving_and_reports_itself_degraded(running: Running) -> None:
    SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
    await wait_for_status(running.target, SERVING, EVENTS)
    status, metadata = await health_check(running.target, "")
    assert status == SERVING and DEGRADED_KEY not in metadata and int(metadata[BACKLOG_KEY]) >= 0
    running.nats.stop()
    await wait_for_status(running.target, NOT_SERVING, EVENTS)
    for name in ("", SERVICE, LIVENESS):
        status, metadata = await health_check(running.target, name)
        assert status == SERVING, f"{name!r} must not follow NATS: the outbox keeps the events"
        assert metadata[DEGRADED_KEY] == "nats_disconnected"
    running.nats.start()  # same port, same store
    await wait_for_status(running.target, SERVING, EVENTS)
    assert DEGRADED_KEY not in (await health_check(running.target, ""))[1]


async def test_a_domain_error_becomes_its_status_with_the_code_and_field(running: Running) -> None:
    async with create_channel(running.target) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await notify_pb2_grpc.NotifyServiceStub(ch).GetUnreadCount(notify_pb2.GetUnreadCountRequest())
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert info.value.details() == "no inbox for this user"
    detail = error_detail(info.value)
    assert detail.code == "inbox_not_found"
    assert [v.field for v in detail.field_violations] == ["user_id"]


async def test_an_unexpected_error_is_internal_and_does_not_leak_its_text(running: Running) -> None:
    async with create_channel(running.target) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await notify_pb2_grpc.NotifyServiceStub(ch).MarkRead(notify_pb2.MarkReadRequest())
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in (info.value.details() or "")


async def test_a_lost_database_is_unavailable_with_a_retry_hint_not_an_internal_error(running: Running) -> None:
    async with create_channel(running.target) as ch:
        stub = notify_pb2_grpc.NotifyServiceStub(ch)
        for call in (stub.GetPreferences(notify_pb2.GetPreferencesRequest()), stub.ListDevices(notify_pb2.ListDevicesRequest())):
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await call
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
            detail = error_detail(info.value)
            assert detail.code == "database_unavailable" and detail.retry_after_seconds >= 1
            assert "5432" not in (info.value.details() or "")


async def test_a_call_without_a_timeout_still_has_the_channels_deadline(running: Running) -> None:
    async with create_channel(running.target, default_deadline_s=0.3) as ch:
        started = asyncio.get_running_loop().time()
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await notify_pb2_grpc.NotifyServiceStub(ch).ListNotifications(notify_pb2.ListNotificationsRequest())
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert asyncio.get_running_loop().time() - started < 4


async def test_shutdown_reports_not_serving_before_it_stops(running: Running) -> None:
    seen: list[int] = []
    async with grpc.aio.insecure_channel(running.target) as ch:
        watch = health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(service=SERVICE))

        first = asyncio.Event()

        async def follow() -> None:
            try:
                async for resp in watch:
                    seen.append(resp.status)
                    first.set()
            except grpc.aio.AioRpcError:
                pass

        follower = asyncio.create_task(follow())
        await asyncio.wait_for(first.wait(), 10)  # the watch is established: it sent the current status
        running.stop.set()
        await asyncio.wait_for(running.task, 10)
        await asyncio.wait_for(follower, 5)
    assert seen[0] == health_pb2.HealthCheckResponse.SERVING
    assert seen[-1] == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_reflection_lists_the_service(running: Running) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    async with grpc.aio.insecure_channel(running.target) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for resp in responses:
            names = {s.name for s in resp.list_services_response.service}
            break
    assert SERVICE in names and "grpc.health.v1.Health" in names


async def test_each_rpc_is_counted_by_the_status_its_caller_saw_and_timed(running: Running) -> None:
    from prometheus_client import REGISTRY

    def calls(method: str, code: str) -> float:
        return REGISTRY.get_sample_value("mgov_grpc_server_requests_total", {"service": SERVICE, "method": method, "code": code}) or 0.0

    before = {m: calls(m, c) for m, c in (("GetUnreadCount", "NOT_FOUND"), ("MarkRead", "INTERNAL"))}
    timed = REGISTRY.get_sample_value("mgov_grpc_server_request_duration_seconds_count", {"service": SERVICE, "method": "MarkRead"}) or 0.0
    async with create_channel(running.target) as ch:
        stub = notify_pb2_grpc.NotifyServiceStub(ch)
        for call in (stub.GetUnreadCount(notify_pb2.GetUnreadCountRequest()), stub.MarkRead(notify_pb2.MarkReadRequest())):
            with pytest.raises(grpc.aio.AioRpcError):
                await call
        await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
    assert calls("GetUnreadCount", "NOT_FOUND") == before["GetUnreadCount"] + 1
    assert calls("MarkRead", "INTERNAL") == before["MarkRead"] + 1
    assert REGISTRY.get_sample_value("mgov_grpc_server_request_duration_seconds_count", {"service": SERVICE, "method": "MarkRead"}) == timed + 1
    # Health checks (probes, every second) are not counted.
    assert REGISTRY.get_sample_value("mgov_grpc_server_requests_total",
                                     {"service": "grpc.health.v1.Health", "method": "Check", "code": "OK"}) is None
