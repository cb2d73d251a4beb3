"""Bad input through the real gateway and services is a 4xx problem naming the field.

Each case is one that fuzzing the HTTP API once answered with a 500: a NUL that reached
a PostgreSQL query.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DemoPlatform

HZ_ADMIN, CITIZEN = "13900000010", "13900000100"


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
])
def test_bad_paths_and_queries_are_named(demo_platform: DemoPlatform, tokens: dict[str, str], path: str, field: str) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        problem(c.get(path), 422, field)


def test_a_nul_in_a_sign_in_is_named(demo_platform: DemoPlatform) -> None:
    with demo_platform.client() as c:
        problem(c.post("/v1/auth/token", json={"username": HZ_ADMIN, "password": "x\x00"}), 422, "password")
