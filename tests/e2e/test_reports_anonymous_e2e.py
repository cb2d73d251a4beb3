"""随手拍 without an account, against the real processes of `mgov up` (demo mode): a
phone proven by SMS code reports where the category allows it, then — with the token
its report answered — reads the report, answers the department's question, rates and
reopens it, and is told of each step by SMS (the demo outbox); one phone files at
most the tenant's daily number of reports, even all at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests import material_samples as samples
from tests import sms_outbox
from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_reports_e2e import CITIZEN, PROVINCE_ADMIN, XH_CLERK, act, get, photo, report
from tests.e2e.test_systems_e2e import eventually

# Spots of this module: apart from test_reports_e2e's, so that no report merges with another module's.
SPOTS = iter([(30.2220 + i * 0.004, 120.0850 + (i % 5) * 0.01) for i in range(40)])
ADDRESSES = iter(f"198.51.100.{i}" for i in range(1, 200))  # each proof from its own address: the registration limits stay clear


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (CITIZEN, PROVINCE_ADMIN, XH_CLERK)}


def prove(p: DemoPlatform, phone: str) -> str:
    """A phone token for `phone`, by the SMS code as its holder reads it."""
    with p.client() as c:
        headers = {"X-Forwarded-For": next(ADDRESSES)}
        started = c.post("/v1/report-verifications", json={"tenant_id": "xihu", "phone": phone}, headers=headers)
        assert started.status_code == 202, started.text
        vid = started.json()["verification_id"]
        code = sms_outbox.registration_code(p.home, vid, template="phone_code")
        proof = c.post("/v1/report-verifications/confirm", json={"verification_id": vid, "code": code}, headers=headers)
    assert proof.status_code == 200, proof.text
    return proof.json()["phone_token"]  # type: ignore[no-any-return]


def shot(c: httpx.Client, phone_token: str) -> str:
    resp = c.post("/v1/materials", files={"file": ("scene.png", samples.PNG, "image/png")}, headers={"Phone-Token": phone_token})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]  # type: ignore[no-any-return]


def file(c: httpx.Client, phone_token: str, at: tuple[float, float], photo_id: str = "") -> httpx.Response:
    return c.post("/v1/reports", json={"category": "fire_lane", "description": "消防通道被车辆堵塞", "location": {"lat": at[0], "lng": at[1]},
                                       "photo_ids": [photo_id or shot(c, phone_token)], "phone_token": phone_token})


def texts(p: DemoPlatform, phone: str, template: str) -> list[str]:
    return [m["content"] for m in sms_outbox.to(p.home, phone) if m["template"] == template]


def mine(c: httpx.Client, report_id: str, access: str) -> dict[str, Any]:
    resp = c.get(f"/v1/reports/{report_id}", headers={"Report-Token": access})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_without_an_account_a_phone_proven_by_sms_reports_where_allowed_and_reads_it_by_its_token(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p, at = demo_platform, next(SPOTS)
    phone = prove(p, "13812346001")
    with p.client() as c:
        assert c.get("/v1/me", headers={"Authorization": f"Bearer {phone}"}).status_code == 401  # never an access token
        body = {"description": "消防通道被车辆堵塞", "location": {"lat": at[0], "lng": at[1]}, "photo_ids": [shot(c, phone)],
                "phone_token": phone}
        refused = c.post("/v1/reports", json=body | {"category": "rubbish_overflow"})  # this category names its reporter
        assert refused.status_code == 422 and refused.json()["code"] == "anonymous_not_allowed", refused.text
        made = c.post("/v1/reports", json=body | {"category": "fire_lane"})
        assert made.status_code == 201, made.text
        report_id, access = made.json()["id"], made.json()["access_token"]
        assert made.json()["anonymous"] and access
        assert c.get(f"/v1/reports/{report_id}").status_code == 401
        assert c.get(f"/v1/reports/{report_id}", headers={"Report-Token": access + "x"}).status_code == 404
    seen = get(p, tokens[XH_CLERK], report_id).json()
    assert [(r["user_id"], r["phone_masked"]) for r in seen["reporters"]] == [("", "138****6001")]
    assert "13812346001" not in json.dumps(seen) and seen["timeline"][0]["actor"]["id"] == ""
    act(p, tokens[XH_CLERK], report_id, "accept")
    act(p, tokens[XH_CLERK], report_id, "resolve", "车辆已移走", material_ids=[photo(p, tokens[XH_CLERK], f"/v1/reports/{report_id}/photos")])
    other = report(p, tokens[CITIZEN], next(SPOTS)).json()["id"]
    with p.client() as c:
        resolved = mine(c, report_id, access)
        assert resolved["status"] == "resolved" and resolved["timeline"][-1]["comment"] == "车辆已移走"
        result = resolved["timeline"][-1]["material_ids"][0]
        assert c.get(f"/v1/reports/{report_id}/photos/{result}", headers={"Report-Token": access}).content == samples.PNG
        assert c.get(f"/v1/reports/{other}", headers={"Report-Token": access}).status_code == 404  # bound to its report


def test_a_reporter_without_an_account_answers_a_question_reopens_and_rates_by_the_reports_token_and_is_told_by_sms(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p, number = demo_platform, "13812346101"
    phone = prove(p, number)
    with p.client() as c:
        made = file(c, phone, next(SPOTS))
    assert made.status_code == 201, made.text
    report_id, access = made.json()["id"], made.json()["access_token"]
    case_number = made.json()["report_number"]
    dispatched = eventually(lambda: texts(p, number, "report.dispatched"), "the SMS telling of the dispatch")
    assert case_number in dispatched[0]
    act(p, tokens[XH_CLERK], report_id, "accept")
    act(p, tokens[XH_CLERK], report_id, "ask", "请说明被堵的是哪个小区的通道")
    asked = eventually(lambda: texts(p, number, "report.info_requested"), "the SMS asking for information")
    assert "哪个小区" in asked[0]
    with p.client() as c:
        page = mine(c, report_id, access)
        assert page["status"] == "needs_info" and page["available_actions"] == ["supplement"]
        staff_only = c.post(f"/v1/reports/{report_id}/actions", json={"action": "resolve", "comment": "x"},
                            headers={"Report-Token": access, "If-Match": f'"{page["version"]}"'})
        assert staff_only.status_code == 403, staff_only.text
        answered = c.post(f"/v1/reports/{report_id}/actions", json={"action": "supplement", "comment": "翠苑三区东门"},
                          headers={"Report-Token": access, "If-Match": f'"{page["version"]}"'})
        assert answered.status_code == 200 and answered.json()["status"] == "handling", answered.text
    done = act(p, tokens[XH_CLERK], report_id, "resolve", "已联系车主移车")
    eventually(lambda: texts(p, number, "report.resolved"), "the SMS telling of the resolution")
    with p.client() as c:
        page = mine(c, report_id, access)
        assert page["can_rate"] and page["can_reopen"]
        again = c.post(f"/v1/reports/{report_id}/reopen", json={"comment": "车又停回来了"},
                       headers={"Report-Token": access, "If-Match": f'"{done["version"]}"'})
        assert again.status_code == 200 and again.json()["status"] == "handling", again.text
    seen = get(p, tokens[XH_CLERK], report_id).json()
    assert [(t["action"], t["actor"]["id"]) for t in seen["timeline"] if t["action"] in ("supplement", "reopen")] == [
        ("supplement", ""), ("reopen", "")]  # handlers learn no pseudonym of the phone
    assert number not in json.dumps(seen)
    act(p, tokens[XH_CLERK], report_id, "resolve", "已张贴禁停告示")
    with p.client() as c:
        rated = c.post(f"/v1/reports/{report_id}/rating", json={"score": 4, "comment": "处理及时"}, headers={"Report-Token": access})
        assert rated.status_code == 200 and not rated.json()["can_rate"] and not rated.json()["can_reopen"], rated.text
        twice = c.post(f"/v1/reports/{report_id}/rating", json={"score": 5}, headers={"Report-Token": access})
        assert twice.status_code == 409 and twice.json()["code"] == "already_rated", twice.text
    assert [r["score"] for r in get(p, tokens[XH_CLERK], report_id).json()["reporters"]] == [4]


def test_a_reports_token_acts_on_its_own_report_only_and_not_beside_an_access_token(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    mine_token, theirs_token = prove(p, "13812346201"), prove(p, "13812346202")
    with p.client() as c:
        first, second = file(c, mine_token, next(SPOTS)), file(c, theirs_token, next(SPOTS))
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    for made in (first.json(), second.json()):
        act(p, tokens[XH_CLERK], made["id"], "accept")
        act(p, tokens[XH_CLERK], made["id"], "resolve", "已处理")
    theirs, access = second.json()["id"], first.json()["access_token"]
    account_report = report(p, tokens[CITIZEN], next(SPOTS)).json()["id"]
    with p.client() as c:
        for target in (theirs, account_report):  # another phone's report, a report by an account holder
            h = {"Report-Token": access, "If-Match": '"1"'}
            assert c.post(f"/v1/reports/{target}/rating", json={"score": 1}, headers=h).status_code == 404
            assert c.post(f"/v1/reports/{target}/reopen", json={"comment": "x"}, headers=h).status_code == 404
            assert c.post(f"/v1/reports/{target}/actions", json={"action": "supplement", "comment": "x"}, headers=h).status_code == 404
        both = c.post(f"/v1/reports/{first.json()['id']}/rating", json={"score": 5},
                      headers={"Report-Token": access, "Authorization": f"Bearer {tokens[CITIZEN]}"})
        assert both.status_code == 422, both.text
    assert [r["score"] for r in get(p, tokens[XH_CLERK], theirs).json()["reporters"]] == [0]


def test_a_phone_files_at_most_the_tenants_daily_number_of_reports_even_all_at_once(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p, limit = demo_platform, 3
    with p.client(tokens[PROVINCE_ADMIN]) as c:
        before = c.get("/v1/tenants/xihu/workflow-settings").json()
        own = {"case_number_prefix": before.get("case_number_prefix") or None, "rectification_days": before.get("rectification_days") or None}
        put = c.put("/v1/tenants/xihu/workflow-settings", json=own | {"phone_reports_per_day": limit})
        assert put.status_code == 200 and put.json()["effective_phone_reports_per_day"] == limit, put.text
    try:
        phone = prove(p, "13812346301")
        with p.client() as c:
            photos = [shot(c, phone) for _ in range(limit + 3)]
            unheld = file(c, phone, next(SPOTS), "00000000-0000-4000-8000-000000000000")  # refused after its count was taken
        assert unheld.status_code == 422, unheld.text  # ... which its rollback gives back
        spots = [next(SPOTS) for _ in photos]

        def one(i: int) -> httpx.Response:
            with p.client() as c:
                return file(c, phone, spots[i], photos[i])

        with ThreadPoolExecutor(max_workers=limit + 2) as pool:
            answers = list(pool.map(one, range(limit + 2)))
        assert sorted(a.status_code for a in answers) == [201] * limit + [429] * 2, [a.text for a in answers]
        with p.client() as c:
            over = file(c, phone, spots[-1], photos[-1])
        assert over.status_code == 429 and over.headers["content-type"].startswith("application/problem+json"), over.text
        assert over.json()["code"] == "report_quota_exceeded"
        with p.client() as c:  # another phone is not held back by this one
            assert file(c, prove(p, "13812346302"), next(SPOTS)).status_code == 201
    finally:
        with p.client(tokens[PROVINCE_ADMIN]) as c:
            assert c.put("/v1/tenants/xihu/workflow-settings", json=own).status_code == 200
