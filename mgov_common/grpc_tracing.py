"""One span per RPC on each side, W3C trace context in the call's metadata.

Written out instead of OpenTelemetry's grpc auto-instrumentation, which cost a quarter
of a millisecond per call and filtered health and reflection with `isinstance` checks
against Protocol classes on every call. Here:

- the client side (`start_client_span`, `client_metadata`, `end_with`, used by the
  method wrappers of `mgov_common.grpc_client`) starts a CLIENT span named after the
  method, adds `traceparent` to the metadata and ends the span with the call's status;
- the server side (`server_span`, outermost in `mgov_common.grpc_server.ServerCalls`)
  takes `traceparent` from the invocation metadata, makes a SERVER span current for the
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


def server_span(method: str, context: grpc.aio.ServicerContext) -> Any:
    """A SERVER span for one call, child of the caller's `traceparent`, made current for
    the handler (a context manager; `mgov_common.grpc_server.ServerCalls` uses it)."""
    parent = context_from_traceparent(_incoming_traceparent(context.invocation_metadata()))
    return _tracer.start_as_current_span(method, context=parent, kind=SpanKind.SERVER, attributes={"rpc.system": "grpc", "rpc.method": method},
                                         record_exception=False, set_status_on_exception=False)


def end_server_span(span: trace.Span, context: grpc.aio.ServicerContext) -> None:
    """Mark `span` with the status the caller sees, when it is not OK."""
    code = context.code()
    if isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK:
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        span.set_status(Status(StatusCode.ERROR, code.name))
