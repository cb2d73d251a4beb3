"""One span per RPC on each side, W3C trace context in the call's metadata.

Written out instead of OpenTelemetry's grpc auto-instrumentation, which cost a quarter
of a millisecond per call and filtered health and reflection with `isinstance` checks
against Protocol classes on every call. Here:

- the client side (`traced_call`, used by `mgov_common.grpc_client`'s one interceptor per
  call type) starts a CLIENT span named after the method, adds `traceparent` to the
  metadata and ends the span with the call's status;
- the server side (`TracingInterceptor`, outermost in `mgov_common.grpc_server`) takes
  `traceparent` from the invocation metadata, makes a SERVER span current for the
  handler (so the outbox stamps its events with it) and ends it with the status the
  caller sees;
- health and reflection are never traced, decided by one `str.startswith` on the
  method name: probes every few seconds would drown the calls that matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from mgov_common.telemetry import context_from_traceparent

UNTRACED_PREFIXES = ("/grpc.health.", "/grpc.reflection.")
_tracer = trace.get_tracer("mgov.grpc")


def traced(method: str) -> bool:
    return not method.startswith(UNTRACED_PREFIXES)


def start_client_span(method: str) -> trace.Span:
    return _tracer.start_span(method, kind=SpanKind.CLIENT, attributes={"rpc.system": "grpc", "rpc.method": method})


def end_with(span: trace.Span, code: grpc.StatusCode | None) -> None:
    name = code.name if code is not None else "OK"
    span.set_attribute("rpc.grpc.status_code", code.value[0] if code is not None else 0)
    if code is not None and code is not grpc.StatusCode.OK:
        span.set_status(Status(StatusCode.ERROR, name))
    span.end()


def traceparent_of(span: trace.Span) -> str:
    """The W3C `traceparent` naming `span` (formatted directly: no propagator, no context switch)."""
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def client_metadata(span: trace.Span, metadata: Any) -> grpc.aio.Metadata:
    """The call's metadata carrying `span` as the caller's context (any `traceparent` it
    already had replaced)."""
    out = grpc.aio.Metadata(*(item for item in (metadata or ()) if item[0] != "traceparent"))
    out.add("traceparent", traceparent_of(span))
    return out


def _incoming_traceparent(metadata: Sequence[tuple[str, Any]] | None) -> str | None:
    for key, value in metadata or ():
        if key == "traceparent":
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """A SERVER span around each unary (and server-streaming) call, child of the caller's."""

    async def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        method = details.method
        if handler is None or not traced(method):
            return handler
        parent = context_from_traceparent(_incoming_traceparent(details.invocation_metadata))
        attributes = {"rpc.system": "grpc", "rpc.method": method}
        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                with _tracer.start_as_current_span(method, context=parent, kind=SpanKind.SERVER, attributes=attributes,
                                                   record_exception=False, set_status_on_exception=False) as span:
                    try:
                        return await inner_uu(request, context)
                    finally:
                        _server_status(span, context)

            return grpc.unary_unary_rpc_method_handler(unary_unary, handler.request_deserializer, handler.response_serializer)
        if handler.unary_stream:
            inner_us = handler.unary_stream

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                with _tracer.start_as_current_span(method, context=parent, kind=SpanKind.SERVER, attributes=attributes,
                                                   record_exception=False, set_status_on_exception=False) as span:
                    try:
                        async for item in inner_us(request, context):
                            yield item
                    finally:
                        _server_status(span, context)

            return grpc.unary_stream_rpc_method_handler(unary_stream, handler.request_deserializer, handler.response_serializer)
        return handler


def _server_status(span: trace.Span, context: grpc.aio.ServicerContext) -> None:
    code = context.code()
    if isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK:
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        span.set_status(Status(StatusCode.ERROR, code.name))
