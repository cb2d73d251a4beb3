"""The CloudEvents envelope."""

import json
import uuid

import pytest

from mgov_common.events.envelope import CloudEvent, EnvelopeError


def event(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "mgov/workflow",
        "type": "mgov.workflow.application.submitted.v1",
        "subject": "app-1",
        "time": "2026-11-29T08:00:00Z",
        "datacontenttype": "application/json",
        "data": {"case_number": "HZ-2026-000123"},
        "tenant": "hangzhou",
    }
    base.update(overrides)
    return base


def test_a_platform_event_goes_to_the_subject_with_its_tenant_in_a_fixed_position() -> None:
    e = CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="xihu", subject="a1", data={})
    assert e.type == "mgov.workflow.application.submitted.v1"
    assert e.source == "mgov/workflow"
    assert e.platform_subject() == "mgov.evt.xihu.workflow.application.submitted"


def test_an_envelope_survives_a_round_trip_through_json() -> None:
    e = CloudEvent.new(service="catalog", entity="item", verb="published", tenant="hangzhou", subject="i1", data={"name": "营业执照"})
    again = CloudEvent.parse(e.to_json().encode())
    assert again == e
    assert json.loads(e.to_json())["data"]["name"] == "营业执照"


def test_a_tenant_system_may_be_the_source() -> None:
    e = CloudEvent.parse(event(source="tenant/hangzhou/permit-office", type="mgov.case.status_changed.v1"))
    assert e.source == "tenant/hangzhou/permit-office"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"specversion": "0.3"}, "specversion"),
        ({"id": "not-a-uuid"}, "id"),
        ({"type": "workflow.submitted"}, "type"),
        ({"source": "somewhere else"}, "source"),
        ({"tenant": "Hangzhou!"}, "tenant"),
        ({"time": "2026-11-29T08:00:00"}, "time"),
        ({"traceparent": "garbage"}, "traceparent"),
    ],
)
def test_a_malformed_envelope_is_refused_naming_the_field(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(EnvelopeError, match=named):
        CloudEvent.parse(event(**overrides))


def test_missing_fields_are_all_named() -> None:
    raw = event()
    del raw["tenant"], raw["type"]
    with pytest.raises(EnvelopeError) as info:
        CloudEvent.parse(raw)
    assert "tenant" in str(info.value) and "type" in str(info.value)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_bytes_that_are_not_a_json_object_are_refused(raw: bytes) -> None:
    with pytest.raises(EnvelopeError):
        CloudEvent.parse(raw)


def test_the_current_trace_context_is_stamped_on_new_events() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("work") as span:
        e = CloudEvent.new(service="notify", entity="notification", verb="delivered", tenant="ningbo", subject=None, data=None)
    assert e.traceparent is not None
    assert e.traceparent.split("-")[1] == format(span.get_span_context().trace_id, "032x")
