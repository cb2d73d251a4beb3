"""Structured JSON logs carry the trace ids and never personal data."""

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from mgov_common.telemetry import JsonFormatter


def render(record: logging.LogRecord) -> dict[str, object]:
    return json.loads(JsonFormatter("identity").format(record))


def make(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("mgov.test", logging.INFO, __file__, 1, msg, (), None)
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_a_log_line_inside_a_span_carries_its_trace_and_span_ids() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("op") as span:
        line = render(make("signed in", user_id="u1"))
    ctx = span.get_span_context()
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")
    assert line["service"] == "identity" and line["user_id"] == "u1" and line["message"] == "signed in"


def test_personal_fields_are_redacted() -> None:
    line = render(make("register", phone="13900000100", password="x", national_id="330106199001010011"))
    assert "13900000100" not in json.dumps(line)
    assert line["phone"] == line["password"] == line["national_id"] == "[redacted]"


def test_spans_are_exported_over_otlp_only_when_an_endpoint_is_configured() -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    from mgov_common.telemetry import build_tracer_provider

    def exporters(provider: TracerProvider) -> list[object]:
        processors = provider._active_span_processor._span_processors  # noqa: SLF001 - no public accessor
        return [getattr(p, "span_exporter", None) or getattr(getattr(p, "_batch_processor", None), "_exporter", None) for p in processors]

    assert exporters(build_tracer_provider("identity", {})) == []
    configured = build_tracer_provider("identity", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"})
    [exporter] = exporters(configured)
    assert isinstance(exporter, OTLPSpanExporter)
    configured.shutdown()
