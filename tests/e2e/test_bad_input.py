"""Bad input through the real gateway and services is a 4xx problem naming the field.

Each case is one that fuzzing the HTTP API once answered with a 500: a NUL that reached
a PostgreSQL query, a number past its protobuf field's range, a lone surrogate that no
protobuf string can carry, an If-Match no version can have.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DemoPlatform

HZ_ADMIN, CITIZEN = "13900000010", "13900000100"
HUGE = 99_999_999_999_999


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (HZ_ADMIN, CITIZEN)}


@pytest.fixture(scope="module")
def service_id(demo_platform: DemoPlatform, tokens: dict[str, str]) -> str:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        resp = c.get("/v1/tenants/hangzhou/services")
    assert resp.status_code == 200, resp.text
    return resp.json()["items"][0]["id"]  # type: ignore[no-any-return]


def problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = resp.json()
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


@pytest.mark.parametrize(("path", "field"), [
    ("/v1/tenants/%00/services", "tenant_id"),
    ("/v1/tenants/hangzhou/services?q=%00", "q"),
    ("/v1/tenants/hangzhou/workflows/%00", "definition_id"),
    ("/v1/tenants/hangzhou/calendar/99999999999", "year"),
    ("/v1/tenants/hangzhou/calendar/1999", "year"),
    (f"/v1/tenants/hangzhou/workflows/default?version={HUGE}", "version"),
    ("/v1/tenants/hangzhou/rating-stats?start_time=0001-01-01T00:00:00%2B14:00", "start_time"),
])
def test_bad_paths_and_queries_are_named(demo_platform: DemoPlatform, tokens: dict[str, str], path: str, field: str) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        problem(c.get(path), 422, field)


def test_an_unknown_huge_id_is_404_not_429(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        body = problem(c.get("/v1/services/" + "a" * 10_000), 404)
    assert body["code"] == "item_not_found" and len(body["detail"]) <= 300


def test_a_notice_time_with_no_utc_equivalent_is_named(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    notice = {"title": {"zh": "通知"}, "body": {"zh": "正文"}, "category": "news", "publish_time": "0001-01-01T00:00:00+14:00"}
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        problem(c.post("/v1/tenants/hangzhou/notices", json=notice), 422, "publish_time")


def test_a_nul_in_a_sign_in_is_named(demo_platform: DemoPlatform) -> None:
    with demo_platform.client() as c:
        problem(c.post("/v1/auth/token", json={"username": HZ_ADMIN, "password": "x\x00"}), 422, "password")


def test_bad_service_item_input_is_named(demo_platform: DemoPlatform, tokens: dict[str, str], service_id: str) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        problem(c.get(f"/v1/services/{service_id}", params={"version": HUGE}), 422, "version")
        problem(c.patch(f"/v1/services/{service_id}", params={"version": HUGE}, json={}), 422, "version")
        resp = c.patch(f"/v1/services/{service_id}", content=b'{"name": {"zh": "\\ud800"}}',
                       headers={"content-type": "application/json", "If-Match": '"x"'})
        problem(resp, 422, "name.zh")
        deep = '{"a": ' * 900 + "1" + "}" * 900  # refused at the gateway's door, before any parser recurses
        resp = c.post("/v1/tenants/hangzhou/services", content=('{"form_schema": %s}' % deep).encode(),
                      headers={"content-type": "application/json"})
        assert problem(resp, 422, "body")["code"] == "json_too_deep"


def test_bad_workflow_definition_input_is_named(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        for if_match in (b'"99999999999999999999999"', b'"\xb2"'):  # latin-1 "²": a digit to str.isdigit
            problem(c.put("/v1/tenants/hangzhou/workflows/fuzz", json={}, headers={"If-Match": if_match}), 412)
        resp = c.put("/v1/tenants/hangzhou/workflows/fuzz", content=b'{"states": [{"name": "\\ud800"}]}',
                     headers={"content-type": "application/json"})
        problem(resp, 422, "definition.states[0].name")


def test_bad_applications_are_named(demo_platform: DemoPlatform, tokens: dict[str, str], service_id: str) -> None:
    with demo_platform.client(tokens[CITIZEN]) as c:
        problem(c.post("/v1/applications", json={"service_id": service_id, "service_version": HUGE, "form": {}}), 422, "service_version")
        problem(c.post("/v1/applications", json={"service_id": service_id, "form": {"applicant_name": "x\x00"}}), 422, "form.applicant_name")
        resp = c.post("/v1/applications", content=('{"service_id": "%s", "form": {"a": "\\ud800"}}' % service_id).encode(),
                      headers={"content-type": "application/json"})
        problem(resp, 422, "form")
        deep = '{"a": ' + "[" * 900 + "]" * 900 + "}"
        resp = c.post("/v1/applications", content=('{"service_id": "%s", "form": %s}' % (service_id, deep)).encode(),
                      headers={"content-type": "application/json"})
        assert problem(resp, 422, "body")["code"] == "json_too_deep"
        resp = c.post("/v1/applications/00000000-0000-0000-0000-000000000000/actions", json={"action": "cancel"}, headers={"If-Match": b'"\xb2"'})
        problem(resp, 412)
