"""Bad input found by fuzzing the HTTP API is a 4xx naming the field, never a 500."""

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from google.protobuf import struct_pb2

from gateway.app import create_app
from gateway.limits import INT32_MAX, INT64_MAX, version_number
from gateway.problems import Problem
from gateway.settings import GatewaySettings
from gateway.workflow_json import expected_version
from mgov.catalog.v1 import catalog_pb2
from mgov.workflow.v1 import workflow_pb2
from mgov_common import protojson
from mgov_common.errors import FieldViolation, InvalidArgument, NotFound
from mgov_common.grpc_server import MAX_ERROR_DETAIL_BYTES, _reject_nul, detail_of, nul_violations
from mgov_common.ports import free_port

LONE_SURROGATE = "\ud800"


def test_a_nul_in_any_string_of_a_request_is_named() -> None:
    req = workflow_pb2.GetDefinitionRequest(tenant_id="hangzhou", definition_id="a\x00b")
    assert [v.field for v in nul_violations(req)] == ["definition_id"]
    cal = workflow_pb2.SetHolidayCalendarRequest(tenant_id="hangzhou", year=2026, days=[
        workflow_pb2.CalendarDay(date="2026-01-01", name="元旦"), workflow_pb2.CalendarDay(date="2026-01-02", name="x\x00")])
    assert [v.field for v in nul_violations(cal)] == ["days[1].name"]
    apply = workflow_pb2.SubmitApplicationRequest(service_id="s", material_ids=["m1", "\x00"])
    apply.form.update({"applicant": {"names": ["ok", "bad\x00"]}, "k\x00": 1})
    assert sorted(v.field for v in nul_violations(apply)) == ["form.applicant.names[1]", "form.k\x00", "material_ids[1]"]
    assert nul_violations(catalog_pb2.ListServicesRequest(tenant_id="hangzhou", q="营业执照")) == []


def test_the_interceptor_check_is_invalid_argument_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as raised:
        _reject_nul(catalog_pb2.ListServicesRequest(tenant_id="hangzhou", q="\x00"))
    assert raised.value.field == "q" and raised.value.code == "nul_character"
    _reject_nul(catalog_pb2.ListServicesRequest(tenant_id="hangzhou", q="x"))


def test_an_error_echoing_huge_input_still_fits_in_trailing_metadata() -> None:
    # An unknown 10 000-character id once came back as 429 (metadata past gRPC's limit), not 404.
    detail = detail_of(NotFound("no service item '" + "a" * 20_000 + "'", field="service_id"))
    assert detail.code == "not_found" and detail.message.startswith("no service item 'aaa") and len(detail.message) <= 300
    many = InvalidArgument("invalid form", violations=[FieldViolation("form." + "字" * 500, "required", "必填" * 500) for _ in range(200)])
    detail = detail_of(many)
    assert 1 <= len(detail.field_violations) < 200 and detail.ByteSize() <= MAX_ERROR_DETAIL_BYTES


def test_version_numbers_are_ascii_digits_within_the_field_range() -> None:
    assert version_number("3") == 3 and version_number("0") == 0
    assert version_number(str(INT32_MAX)) == INT32_MAX
    for bad in ("", "x", "-1", "²", "３", str(INT32_MAX + 1), "9" * 40):
        assert version_number(bad) is None, bad
    assert version_number(str(INT64_MAX), INT64_MAX) == INT64_MAX


@pytest.mark.parametrize("header", ['"²"', "99999999999999999999999", f'"{INT64_MAX + 1}"'])
def test_an_if_match_no_version_can_have_is_stale_not_a_crash(header: str) -> None:
    with pytest.raises(Problem) as raised:
        expected_version(header)
    assert raised.value.status == 412


def test_a_lone_surrogate_in_json_is_named() -> None:
    with pytest.raises(InvalidArgument) as raised:
        protojson.from_json({"name": {"zh": LONE_SURROGATE}}, catalog_pb2.ServiceItem)
    assert [v.field for v in raised.value.violations] == ["name.zh"]
    with pytest.raises(InvalidArgument) as raised:
        protojson.from_json({"applicant_name": LONE_SURROGATE}, struct_pb2.Struct, path="form")
    assert raised.value.field == "form"


def test_json_nested_deeper_than_protobuf_allows_is_named() -> None:
    deep: list[object] = []
    for _ in range(100_000):  # deeper than Python's recursion limit, too
        deep = [deep]
    just_too_deep: object = 1
    for _ in range(protojson.MAX_JSON_DEPTH):
        just_too_deep = [just_too_deep]
    for form in ({"a": deep}, {"a": just_too_deep}):
        with pytest.raises(InvalidArgument) as raised:
            protojson.from_json(form, struct_pb2.Struct, path="form")
        assert raised.value.field == "form" and raised.value.code == "validation_failed"
        assert raised.value.violations[0].code == "too_deep"
    ok: dict[str, object] = {}
    for _ in range(protojson.MAX_JSON_DEPTH - 1):
        ok = {"a": ok}
    workflow_pb2.SubmitApplicationRequest(form=protojson.from_json(ok, struct_pb2.Struct))


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_with_no_utc_equivalent_is_named(when: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        protojson.datetime_to_timestamp(datetime.fromisoformat(when), field="start_time")
    assert raised.value.field == "start_time"
    with pytest.raises(InvalidArgument) as raised:
        protojson.from_json({"start_time": when}, workflow_pb2.GetRatingStatsRequest)
    assert raised.value.field == "start_time"


probe = APIRouter()


@probe.get("/v1/probe-surrogate")
async def surrogate() -> None:
    workflow_pb2.CalendarDay(name=LONE_SURROGATE)  # what any route would do with such text


@pytest.fixture
def client() -> Iterator[TestClient]:
    closed = f"127.0.0.1:{free_port()}"
    settings = GatewaySettings(identity_addr=closed, catalog_addr=closed, workflow_addr=closed, notify_addr=closed, readiness_timeout_s=0.3)
    app = create_app(settings)
    app.include_router(probe)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_text_protobuf_cannot_carry_is_a_422_problem_anywhere(client: TestClient) -> None:
    resp = client.get("/v1/probe-surrogate")
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "invalid_unicode"
