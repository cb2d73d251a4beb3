"""随手拍 against the real processes of `mgov up` (demo mode): the gateway's /v1/reports,
the workflow service's routing, notify's messages to every linked reporter, and a city
back-office system (a separate process with its own NATS credentials) that receives a
dispatched report and resolves it by ingest."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import material_samples as samples
from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import CitySystem, eventually

CITIZEN, PROVINCE_ADMIN = "13900000100", "13900000000"
XH_CLERK, XH_DISPATCHER, XH_SUPERVISOR, YH_CLERK, NB_CLERK = "13900000031", "13900000032", "13900000033", "13900000041", "13900000021"
REPORT_ACTION = "mgov.report.action.v1"
# Each test reports at its own spot so that reports of one test never merge with another's.
SPOTS = iter([(30.2200 + i * 0.004, 120.0800 + (i % 5) * 0.01) for i in range(40)])
YUHANG = (30.4000, 120.0000)
SHANGHAI = (31.2304, 121.4737)


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    out = {who: demo_platform.sign_in(who)["access_token"]
           for who in (CITIZEN, PROVINCE_ADMIN, XH_CLERK, XH_DISPATCHER, XH_SUPERVISOR, YH_CLERK, NB_CLERK)}
    for name, phone in (("second", "13900007001"), ("third", "13900007002")):
        out[name] = demo_platform.register(phone, "Reports-2026-pass", name=f"居民{name}", tenant="hangzhou")["access_token"]
    return out


def photo(p: DemoPlatform, token: str, path: str = "/v1/materials") -> str:
    with p.client(token) as c:
        resp = c.post(path, files={"file": ("scene.png", samples.PNG, "image/png")})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]  # type: ignore[no-any-return]


def report(p: DemoPlatform, token: str, at: tuple[float, float], category: str = "rubbish_overflow", **extra: Any) -> Any:
    body = {"category": category, "description": "垃圾桶满了，垃圾散落一地", "location": {"lat": at[0], "lng": at[1]},
            "photo_ids": [photo(p, token)], **extra}
    with p.client(token) as c:
        return c.post("/v1/reports", json=body)


def get(p: DemoPlatform, token: str, report_id: str) -> Any:
    with p.client(token) as c:
        return c.get(f"/v1/reports/{report_id}")


def act(p: DemoPlatform, token: str, report_id: str, action: str, comment: str = "", **extra: Any) -> dict[str, Any]:
    current = get(p, token, report_id)
    assert current.status_code == 200, current.text
    with p.client(token) as c:
        resp = c.post(f"/v1/reports/{report_id}/actions", json={"action": action, "comment": comment, **extra},
                      headers={"If-Match": current.headers["etag"]})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def offset(at: tuple[float, float], north_m: float) -> tuple[float, float]:
    return at[0] + north_m / 111_195.0, at[1]


def test_a_citizen_in_xihu_reports_rubbish_it_reaches_sanitation_is_resolved_with_a_photo_and_rated(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    resp = report(p, tokens[CITIZEN], next(SPOTS))
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["tenant_id"] == "xihu" and made["department"] == "环境卫生管理处" and made["status"] == "dispatched"
    assert made["report_number"].startswith("HZ-R-") and len(made["photos"]) == 1 and not made["linked"]
    seen = get(p, tokens[XH_CLERK], made["id"]).json()
    assert [r["phone_masked"] for r in seen["reporters"]] == ["139****0100"] and "13900000100" not in json.dumps(seen)
    with p.client(tokens[XH_CLERK]) as c:
        tasks = c.get("/v1/tasks", params={"kind": "report"}).json()["items"]
    assert made["id"] in {t["application_id"] for t in tasks}
    act(p, tokens[XH_CLERK], made["id"], "accept")
    result = photo(p, tokens[XH_CLERK], f"/v1/reports/{made['id']}/photos")
    done = act(p, tokens[XH_CLERK], made["id"], "resolve", "已清运，垃圾桶已更换", material_ids=[result])
    assert done["status"] == "resolved"
    mine = get(p, tokens[CITIZEN], made["id"]).json()
    assert mine["timeline"][-1]["comment"] == "已清运，垃圾桶已更换" and mine["timeline"][-1]["material_ids"] == [result]
    assert mine["can_rate"] and mine["can_reopen"]
    with p.client(tokens[CITIZEN]) as c:
        shown = c.get(f"/v1/reports/{made['id']}/photos/{result}")
    assert shown.status_code == 200 and shown.content == samples.PNG, shown.text
    assert shown.headers["content-type"] == "image/png" and shown.headers["x-content-type-options"] == "nosniff"
    with p.client() as c:  # anyone, through the map feed: the public result photo, never the reporter's own
        assert c.get(f"/v1/tenants/hangzhou/reports/public/{made['id']}/photos/{result}").content == samples.PNG
        assert c.get(f"/v1/tenants/hangzhou/reports/public/{made['id']}/photos/{made['photos'][0]['id']}").status_code == 404
    assert get(p, tokens[YH_CLERK], made["id"]).status_code == 404
    with p.client(tokens[CITIZEN]) as c:
        rated = c.post(f"/v1/reports/{made['id']}/rating", json={"score": 5, "comment": "很快"})
        assert rated.status_code == 200, rated.text
        assert rated.json()["reporters"][0]["score"] == 5 and not rated.json()["can_rate"]
        assert c.post(f"/v1/reports/{made['id']}/rating", json={"score": 4}).status_code == 409
        assert made["id"] in {r["id"] for r in c.get("/v1/reports").json()["items"]}


def test_a_point_in_yuhang_goes_to_yuhang_and_one_outside_zhejiang_is_422_on_the_location_field(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    resp = report(demo_platform, tokens[CITIZEN], YUHANG, category="streetlight")
    assert resp.status_code == 201 and resp.json()["tenant_id"] == "yuhang", resp.text
    refused = report(demo_platform, tokens[CITIZEN], SHANGHAI)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in body["errors"]] == ["location"] and body["errors"][0]["code"] == "outside_service_area"
    with demo_platform.client() as c:
        where = c.get("/v1/report-categories", params={"lat": YUHANG[0], "lng": YUHANG[1]}).json()
    assert where["tenant_id"] == "yuhang" and "rubbish_overflow" in {x["code"] for x in where["categories"]}


def test_a_dispatcher_moves_a_report_and_another_tenants_staff_get_404(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    made = report(p, tokens[CITIZEN], next(SPOTS), category="road_damage").json()
    with p.client(tokens[XH_DISPATCHER]) as c:
        no_version = c.post(f"/v1/reports/{made['id']}/move", json={"department": "环境卫生管理处", "reason": "路面有垃圾"})
        assert no_version.status_code == 428, no_version.text
        moved = c.post(f"/v1/reports/{made['id']}/move", json={"department": "环境卫生管理处", "reason": "路面散落垃圾，属环卫"},
                       headers={"If-Match": f'"{made["version"]}"'})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["department"] == "环境卫生管理处" and body["status"] == "dispatched" and body["state_due_time"]
    assert [(t["action"], t["comment"]) for t in body["timeline"]][-1] == ("move", "路面散落垃圾，属环卫")
    with p.client(tokens[XH_CLERK]) as c:
        assert c.post(f"/v1/reports/{made['id']}/move", json={"department": "市政设施管理处", "reason": "x"},
                      headers={"If-Match": f'"{body["version"]}"'}).status_code == 403
    for other in (YH_CLERK, NB_CLERK, "second"):
        assert get(p, tokens[other], made["id"]).status_code == 404


def test_a_report_20_m_away_is_linked_one_200_m_away_is_not_and_both_linked_reporters_hear_of_the_resolution(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    spot = next(SPOTS)
    first = report(p, tokens[CITIZEN], spot).json()
    second = report(p, tokens["second"], offset(spot, 20))
    assert second.status_code == 201 and second.json()["linked"] and second.json()["id"] == first["id"], second.text
    third = report(p, tokens["third"], offset(spot, 200)).json()
    assert not third["linked"] and third["id"] != first["id"]
    act(p, tokens[XH_CLERK], first["id"], "accept")
    act(p, tokens[XH_CLERK], first["id"], "resolve", "已清理")

    def told(token: str) -> bool:
        with p.client(token) as c:
            items = c.get("/v1/notifications").json()["items"]
        return any(n["link"] == f"/reports/{first['id']}" and n["data"].get("status") == "resolved" for n in items)

    eventually(lambda: told(tokens[CITIZEN]), "the first reporter hearing of the resolution")
    eventually(lambda: told(tokens["second"]), "the linked reporter hearing of the resolution")
    assert not told(tokens["third"])


def test_reopen_within_7_days_works_and_after_them_is_refused(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    made = report(p, tokens[CITIZEN], next(SPOTS)).json()
    act(p, tokens[XH_CLERK], made["id"], "accept")
    done = act(p, tokens[XH_CLERK], made["id"], "resolve", "已处理")
    with p.client(tokens[CITIZEN]) as c:
        again = c.post(f"/v1/reports/{made['id']}/reopen", json={"comment": "还是满的"}, headers={"If-Match": f'"{done["version"]}"'})
    assert again.status_code == 200 and again.json()["status"] == "handling", again.text
    done = act(p, tokens[XH_CLERK], made["id"], "resolve", "再次清运")
    clock = p.home / "workflow-clock.json"
    clock.write_text(json.dumps({"offset_s": 8 * 86400}))
    try:
        def window_closed() -> bool:  # the service reads the moved clock (it looks at the file on every reading)
            with p.client(tokens[CITIZEN]) as c:
                return not c.get(f"/v1/reports/{made['id']}").json().get("can_reopen")

        eventually(window_closed, "the report no longer offering a reopen")
        with p.client(tokens[CITIZEN]) as c:
            resp = c.post(f"/v1/reports/{made['id']}/reopen", json={"comment": "又满了"}, headers={"If-Match": f'"{done["version"]}"'})
        assert resp.status_code == 409 and resp.json()["code"] == "reopen_window_closed", resp.text
    finally:
        clock.unlink()


def test_a_city_system_receives_the_dispatch_over_nats_and_resolves_the_report_by_ingest(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    with p.client(tokens[PROVINCE_ADMIN]) as c:
        resp = c.post("/v1/tenants/xihu/systems", json={"name": f"xihu-12345-{uuid.uuid4().hex[:6]}", "event_types": [REPORT_ACTION]})
    assert resp.status_code == 201, resp.text
    creds = resp.json()
    system = CitySystem(creds["nats"])
    try:
        assert system("subscribe", subject="mgov.evt.xihu.workflow.report.>") == {"ok": True}
        made = report(p, tokens[CITIZEN], next(SPOTS), category="illegal_dumping").json()
        while True:
            seen = system("next", timeout=30)
            assert seen["ok"], seen
            if seen["data"]["subject"] == made["id"] and seen["subject"] == "mgov.evt.xihu.workflow.report.dispatched":
                break
        data = seen["data"]["data"]
        assert data["category"] == "illegal_dumping" and data["reporter_phone_masked"] == "139****0100"
        assert data["location"] == {"lat": pytest.approx(made["location"]["lat"]), "lng": pytest.approx(made["location"]["lng"])}
        subject = f"mgov.ingest.xihu.{creds['system_id']}.report.action.v1"
        for action, comment in (("accept", "12345 平台已接单"), ("resolve", "城管已清理")):
            ev = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"tenant/xihu/{creds['system_id']}", "type": REPORT_ACTION,
                  "time": datetime.now(UTC).isoformat(), "subject": made["id"], "datacontenttype": "application/json",
                  "data": {"action": action, "comment": comment}}
            assert system("publish", subject=subject, event=ev)["ok"]
            eventually(lambda: get(p, tokens[CITIZEN], made["id"]).json()["timeline"][-1]["comment"] == comment, f"the system's {action}")
        final = get(p, tokens[CITIZEN], made["id"]).json()
        assert final["status"] == "resolved" and final["timeline"][-1]["actor"]["kind"] == "system"
    finally:
        system.close()


def test_the_public_feed_has_no_phone_name_or_precise_place_and_supervisors_get_figures(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    p = demo_platform
    precise = (30.261234, 120.141987)
    made = report(p, tokens[CITIZEN], precise, category="noise", address="曙光路某小区3幢", description="张小明家楼下施工，电话13900000100").json()
    act(p, tokens[XH_CLERK], made["id"], "accept")
    with p.client() as c:  # no token: the map is public
        feed = c.get("/v1/tenants/hangzhou/reports/public", params={"page_size": 100})
    assert feed.status_code == 200, feed.text
    [item] = [i for i in feed.json()["items"] if i["id"] == made["id"]]
    assert item["location"] == {"lat": 30.261, "lng": 120.142} and item["status"] == "handling"
    text = feed.text
    for secret in ("13900000100", "139****0100", "张小明", "3幢", "30.261234", "120.141987", "reporter", "description"):
        assert secret not in text
    with p.client(tokens[XH_SUPERVISOR]) as c:
        stats = c.get("/v1/tenants/xihu/report-stats")
    assert stats.status_code == 200, stats.text
    rows = {(r["department"], r["category"]): r for r in stats.json()["items"]}
    assert rows[("环境卫生管理处", "rubbish_overflow")]["received"] >= 1
    with p.client(tokens[XH_CLERK]) as c:
        assert c.get("/v1/tenants/xihu/report-stats").status_code == 403
