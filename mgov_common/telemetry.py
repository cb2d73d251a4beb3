"""Tracing and structured logs.

One tracer provider per process. Spans are exported over OTLP only when
`OTEL_EXPORTER_OTLP_ENDPOINT` is set; otherwise spans still exist (so logs carry
trace ids and context propagates) but nothing is exported.

Spans are few and explicit, never auto-instrumentation (which cost a third of a
catalogue search's CPU): one per HTTP request at the gateway's edge
(`gateway.tracing`), one per RPC on each side (`mgov_common.grpc_tracing`), one per
consumed event (`mgov_common.events.consumer`) and one per outbox batch published. W3C
trace context travels in gRPC metadata, NATS headers and the event envelope's
`traceparent` extension (helpers below).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_configured = False

# LogRecord attributes that are not user-supplied `extra` fields.
_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# Never logged, whatever a caller passes in `extra` (personal data stays out of logs).
REDACTED_KEYS = frozenset({"phone", "password", "national_id", "id_number", "token", "refresh_token", "secret"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the current trace and span ids."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            out["trace_id"] = format(ctx.trace_id, "032x")
            out["span_id"] = format(ctx.span_id, "016x")
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                out[key] = "[redacted]" if key in REDACTED_KEYS else value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("asyncio", "nats", "grpc._cython", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def build_tracer_provider(service: str, environ: Mapping[str, str] | None = None) -> TracerProvider:
    """A provider that exports over OTLP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set."""
    env = os.environ if environ is None else environ
    provider = TracerProvider(resource=Resource.create({"service.name": f"mgov-{service}"}))
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def setup_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider (once)."""
    global _configured
    current = trace.get_tracer_provider()
    if _configured and isinstance(current, TracerProvider):
        return current
    provider = build_tracer_provider(service)
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context:
    return _propagator.extract({"traceparent": traceparent} if traceparent else {})


def context_from_headers(headers: Mapping[str, str] | None) -> otel_context.Context:
    return _propagator.extract(dict(headers or {}))


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)
