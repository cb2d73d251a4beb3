"""The gateway's one span per request: named by route template, with the status, a
caller's traceparent honoured, health probes untraced, and current for the handler
(so the RPCs it makes are its children)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway.app import FASTAPI_TELEMETRY_OFF, create_app
from gateway.tracing import TracingMiddleware

pytestmark = pytest.mark.unit
exporter = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def in_memory_tracing() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))


def app() -> FastAPI:
    application = FastAPI(telemetry=FASTAPI_TELEMETRY_OFF)
    seen: dict[str, int] = {}

    @application.get("/v1/cases/{case_id}")
    async def case(case_id: str) -> dict[str, int]:
        seen["span_id"] = trace.get_current_span().get_span_context().span_id
        return seen

    @application.get("/v1/broken")
    async def broken() -> None:
        raise RuntimeError("boom")

    @application.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    application.add_middleware(TracingMiddleware)
    return application


async def call(path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        return await client.get(path, headers=headers)


async def test_a_request_is_one_server_span_named_by_its_route_template_and_current_for_the_handler() -> None:
    exporter.clear()
    resp = await call("/v1/cases/c-123?x=1")
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /v1/cases/{case_id}" and "c-123" not in span.name
    assert span.kind == SpanKind.SERVER
    assert span.attributes["http.route"] == "/v1/cases/{case_id}" and span.attributes["http.response.status_code"] == 200
    assert resp.json()["span_id"] == span.context.span_id


async def test_a_callers_traceparent_makes_the_span_its_child() -> None:
    exporter.clear()
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await call("/v1/cases/c-1", traceparent=parent)
    [span] = exporter.get_finished_spans()
    assert format(span.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert span.parent is not None and format(span.parent.span_id, "016x") == "b7ad6b7169203331"


async def test_a_server_error_marks_the_span_and_an_unknown_path_keeps_the_raw_path_out_of_the_name() -> None:
    exporter.clear()
    assert (await call("/v1/broken")).status_code == 500
    assert (await call("/v1/no/such/thing/secret-id")).status_code == 404
    broken, unknown = exporter.get_finished_spans()
    assert broken.name == "GET /v1/broken" and broken.status.status_code == StatusCode.ERROR
    assert unknown.name == "GET" and unknown.attributes["http.response.status_code"] == 404


async def test_health_probes_are_not_traced() -> None:
    exporter.clear()
    assert (await call("/healthz")).status_code == 200
    assert exporter.get_finished_spans() == ()


async def test_the_gateway_makes_no_spans_of_its_own_beside_the_edge_span() -> None:
    """FastAPI's own telemetry (several spans per request once a provider is set) is off."""
    exporter.clear()
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        assert (await client.get("/v1/no/such/route")).status_code == 404
    assert [s.name for s in exporter.get_finished_spans()] == ["GET"]
