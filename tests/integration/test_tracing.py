"""One trace across gRPC → outbox → NATS → consumer: traceparent in gRPC metadata,
in the NATS headers and in the envelope."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.outbox import record
from mgov_common.grpc_client import create_channel
from mgov_common.ports import free_port
from mgov_common.runtime import Runtime, ServiceParts
from tests.conftest import ExampleServiceSettings, Servers
from tests.service_runner import serving

exporter = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def in_memory_tracing() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))


class RecordingServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, pool: asyncpg.Pool, tenant: str) -> None:
        self.pool = pool
        self.tenant = tenant

    async def MarkRead(self, request: notify_pb2.MarkReadRequest, context: grpc.aio.ServicerContext) -> notify_pb2.MarkReadResponse:
        async with self.pool.acquire() as conn, conn.transaction():
            await record(conn, CloudEvent.new(service="notify", entity="notification", verb="read", tenant=self.tenant, subject="n1", data={"n": 1}))
        return notify_pb2.MarkReadResponse()


@pytest.fixture
async def service(servers: Servers, tenant: str) -> AsyncIterator[tuple[str, list[CloudEvent]]]:
    port = free_port()
    settings = ExampleServiceSettings(database_url=servers.dsn, nats_url=servers.nats_url, port=port, health_interval_s=0.2)
    consumed: list[CloudEvent] = []

    async def note(conn: asyncpg.Connection, event: CloudEvent) -> None:
        consumed.append(event)

    async def bootstrap(runtime: Runtime) -> ServiceParts:
        consumer = EventConsumer(runtime.pool, runtime.js, ConsumerSpec(durable=f"trace-{tenant}", filter_subjects=[f"mgov.evt.{tenant}.>"]), note)
        return ServiceParts(
            registrations=[(notify_pb2_grpc.add_NotifyServiceServicer_to_server, RecordingServicer(runtime.pool, tenant), "mgov.notify.v1.NotifyService")],
            consumers=[consumer],
        )

    async with serving(settings, bootstrap) as running:
        yield running.target, consumed


async def test_a_request_its_event_and_the_consumer_share_one_trace(service: tuple[str, list[CloudEvent]]) -> None:
    target, consumed = service
    tracer = trace.get_tracer("gateway-standin")
    with tracer.start_as_current_span("POST /v1/notifications/n1/read") as root:
        async with create_channel(target) as ch:
            await notify_pb2_grpc.NotifyServiceStub(ch).MarkRead(notify_pb2.MarkReadRequest())
    trace_id = root.get_span_context().trace_id

    def finished() -> bool:
        """The relay's and the consumer's spans have ended (after the publish is
        acknowledged, after the event is acknowledged: both may follow `consumed`)."""
        spans = exporter.get_finished_spans()
        relayed = any(s.name == "publish outbox batch" and any(link.context.trace_id == trace_id for link in s.links) for s in spans)
        return relayed and any(s.name.startswith("consume mgov.evt.") and s.context.trace_id == trace_id for s in spans)

    for _ in range(200):
        if consumed and finished():
            break
        await asyncio.sleep(0.05)
    [event] = consumed
    assert event.traceparent is not None and int(event.traceparent.split("-")[1], 16) == trace_id
    spans = exporter.get_finished_spans()
    names = {s.name for s in spans if s.context.trace_id == trace_id}
    assert "/mgov.notify.v1.NotifyService/MarkRead" in names, names
    # One span per RPC on each side: the server's is the client's child, the client's the caller's.
    rpc = [s for s in spans if s.name == "/mgov.notify.v1.NotifyService/MarkRead" and s.context.trace_id == trace_id]
    [client] = [s for s in rpc if s.kind == SpanKind.CLIENT]
    [server] = [s for s in rpc if s.kind == SpanKind.SERVER]
    assert client.parent is not None and client.parent.span_id == root.get_span_context().span_id
    assert server.parent is not None and server.parent.span_id == client.context.span_id
    assert server.attributes["rpc.method"] == "/mgov.notify.v1.NotifyService/MarkRead"
    assert any(n.startswith("consume mgov.evt.") for n in names), names
    # The relay publishes in batches: its span links to every event's trace.
    assert any(s.name == "publish outbox batch" and any(link.context.trace_id == trace_id for link in s.links) for s in spans)


async def test_health_checks_are_not_traced(service: tuple[str, list[CloudEvent]]) -> None:
    target, _ = service
    async with create_channel(target) as ch:
        answer = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    assert not [s.name for s in exporter.get_finished_spans() if s.name.startswith("/grpc.")]


async def test_a_failed_rpc_ends_both_spans_with_its_status(service: tuple[str, list[CloudEvent]]) -> None:
    target, _ = service
    async with create_channel(target) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await notify_pb2_grpc.NotifyServiceStub(ch).MarkRead(notify_pb2.MarkReadRequest(), metadata=(("authorization", "Bearer not-a-token"),))
    assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    spans = [s for s in exporter.get_finished_spans() if s.name == "/mgov.notify.v1.NotifyService/MarkRead"
             and s.attributes.get("rpc.grpc.status_code") == grpc.StatusCode.UNAUTHENTICATED.value[0]]
    assert {s.kind for s in spans} == {SpanKind.CLIENT, SpanKind.SERVER}
    assert all(s.status.status_code == StatusCode.ERROR for s in spans)
