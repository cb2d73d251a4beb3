"""A tenant system's token does what its registration grants and nothing a staff member,
an administrator or a person does — each attack here once succeeded with a Hangzhou
system's token."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import CITIZEN, HZ_ADMIN, NB_ADMIN_PROVINCE, register, submitted_case, system_token

CASE, ITEM, NOTICE = "mgov.case.status_changed.v1", "mgov.catalog.item.updated.v1", "mgov.notice.published.v1"


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (CITIZEN, HZ_ADMIN, NB_ADMIN_PROVINCE)}


@pytest.fixture(scope="module")
def system(demo_platform: DemoPlatform, tokens: dict[str, str]) -> str:
    """The access token of a Hangzhou system registered for every event type."""
    creds = register(demo_platform, tokens[HZ_ADMIN], types=[CASE, ITEM, NOTICE])
    return system_token(demo_platform, creds).json()["access_token"]  # type: ignore[no-any-return]


def refused(resp, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    if code:
        assert resp.json()["code"] == code, resp.text


def test_a_system_token_cannot_replace_a_workflow(demo_platform: DemoPlatform, system: str) -> None:
    with demo_platform.client(system) as c:
        current = c.get("/v1/tenants/hangzhou/workflows/standard")
        assert current.status_code == 200, current.text
        body = {k: current.json()[k] for k in ("name", "start_state", "states", "actions")}
        for action in body["actions"]:
            if action["name"] == "approve":
                action["roles"] = [*action["roles"], "owner"]  # the attack: the applicant approves their own case
        refused(c.put("/v1/tenants/hangzhou/workflows/standard", json=body, headers={"If-Match": current.headers["etag"]}),
                "role_not_allowed")
        after = c.get("/v1/tenants/hangzhou/workflows/standard")
    assert after.headers["etag"] == current.headers["etag"] and after.json()["actions"] == current.json()["actions"]


def test_a_system_token_cannot_change_the_calendar_or_the_settings_or_read_rating_statistics(demo_platform: DemoPlatform,
                                                                                               system: str) -> None:
    with demo_platform.client(system) as c:
        refused(c.put("/v1/tenants/hangzhou/calendar/2026", json={"days": [{"date": "2026-12-01", "working": False, "name": "假"}]}))
        refused(c.put("/v1/tenants/hangzhou/workflow-settings", json={"case_number_prefix": "XX", "rectification_days": 60}))
        refused(c.get("/v1/tenants/hangzhou/rating-stats"))
        days = c.get("/v1/tenants/hangzhou/calendar/2026").json()
    # (not a search of the whole text: its update_time can fall on that very date)
    assert "2026-12-01" not in [d["date"] for d in days.get("days", [])]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/notifications", None),
    ("POST", "/v1/notifications/read-all", None),
    ("GET", "/v1/notifications/stream", None),
    ("GET", "/v1/devices", None),
    ("POST", "/v1/devices", {"platform": "android", "token": "a-system-is-not-a-phone"}),
    ("GET", "/v1/me", None),
    ("GET", "/v1/me/preferences", None),
    ("PUT", "/v1/me/preferences", {}),
    ("POST", "/v1/auth/logout", {"all_sessions": True}),
    ("GET", "/v1/applications", None),
    ("GET", "/v1/tasks", None),
])
def test_a_system_token_is_refused_on_routes_for_people(demo_platform: DemoPlatform, system: str, method: str, path: str,
                                                        body: dict | None) -> None:
    with demo_platform.client(system) as c:
        refused(c.request(method, path, json=body), "user_only")


def test_a_system_acts_on_cases_only_when_registered_for_case_actions(demo_platform: DemoPlatform, tokens: dict[str, str],
                                                                       system: str) -> None:
    notices_only = register(demo_platform, tokens[HZ_ADMIN], types=[NOTICE])
    narrow = system_token(demo_platform, notices_only).json()["access_token"]
    case = submitted_case(demo_platform, tokens)
    etag = {"If-Match": f'"{case["version"]}"'}
    with demo_platform.client(narrow) as c:
        assert c.get(f"/v1/applications/{case['id']}").status_code == 404  # not even seen
        assert c.post(f"/v1/applications/{case['id']}/actions", json={"action": "accept"}, headers=etag).status_code == 404
    with demo_platform.client(system) as c:
        assert c.get(f"/v1/applications/{case['id']}").status_code == 200
        moved = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "accept"}, headers=etag)
    assert moved.status_code == 200 and moved.json()["status"] == "under_review", moved.text


def test_a_system_publishes_notices_only_when_registered_for_them(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    cases_only = register(demo_platform, tokens[HZ_ADMIN], types=[CASE])
    token = system_token(demo_platform, cases_only).json()["access_token"]
    notice = {"title": {"zh": "系统越权公告"}, "body": {"zh": "正文"}, "category": "announcement"}
    with demo_platform.client(token) as c:
        refused(c.post("/v1/tenants/hangzhou/notices", json=notice), "not_tenant_admin")
