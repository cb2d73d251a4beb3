"""移动执法 in the app: an inspector starts an inspection online, loses the network, answers
the checklist, takes two evidence photos (拍照取证) with the phone's position, submits the
record (提交检查结果) and confirms it — all kept on the phone (IndexedDB). When the network
returns everything is uploaded once; an upload cut off after the server stored it is sent
again with its Idempotency-Key and not stored twice."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.sync_api import Route, expect

from services.enforcement.domain.uscc import check_character
from tests import material_samples as samples
from tests.e2e.browser.steps import App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD

HZ_ADMIN, INSPECTORS = "13900000010", ("13900000053", "13900000054")


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def _assigned_inspection(app: App) -> tuple[str, str, str]:
    """(inspection id, the phone of the inspector who takes it in the app, the other's token)."""
    p = app.platform
    tokens = {phone: p.sign_in(phone)["access_token"] for phone in INSPECTORS}
    ids = {}
    with p.client(p.sign_in(HZ_ADMIN)["access_token"]) as admin:
        for phone in INSPECTORS:
            with p.client(tokens[phone]) as me:
                ids[_ok(me.get("/v1/me"))["id"]] = phone
        for user_id in ids:
            _ok(admin.put(f"/v1/tenants/xihu/inspectors/{user_id}", json={"certificate": f"ZJ-APP-{uuid.uuid4().hex[:8]}",
                                                                             "categories": ["app_food"]}))
        body = f"91330106MA{uuid.uuid4().int % 10**7:07d}"
        _ok(admin.post("/v1/tenants/xihu/subjects", json={"name": "西湖区离线测试超市", "credit_code": body + check_character(body),
                                                          "category": "app_food", "address": "天目山路 1 号"}), 201)
        _ok(admin.post("/v1/tenants/hangzhou/checklists/app_food", json={"checks": [
            {"id": "licence", "text": "营业执照公示"}, {"id": "cold", "text": "冷藏温度"}]}), 201)
        plan = _ok(admin.post("/v1/tenants/xihu/plans", json={"name": "离线检查", "category": "app_food", "count": 1,
                                                             "start_date": "2026-12-01", "end_date": "2026-12-31",
                                                             "inspector_ids": list(ids)}), 201)
        pick = _ok(admin.post(f"/v1/plans/{plan['id']}/draws", json={}), 201)["picks"][0]
    me, other = (ids[u] for u in pick["inspector_ids"])
    with p.client(tokens[me]) as c:
        insp = next(i for i in _ok(c.get("/v1/inspections"))["items"] if i["subject"]["id"] == pick["subject_id"])
    return insp["id"], me, tokens[other]


def test_an_inspection_finished_offline_is_uploaded_once_when_the_network_returns(app: App) -> None:
    insp_id, phone, other_token = _assigned_inspection(app)
    ctx = app.context(geolocation={"latitude": 30.2741, "longitude": 120.1551, "accuracy": 8}, permissions=["geolocation"])
    page = ctx.new_page()
    sign_in(page, phone, DEMO_PASSWORD)
    page.get_by_role("link", name="执法检查").click()
    page.get_by_role("button", name="西湖区离线测试超市").click()
    page.get_by_role("button", name="开始检查").click()
    expect(page.get_by_role("button", name="拍照取证")).to_be_visible()

    ctx.set_offline(True)
    page.get_by_role("group", name="营业执照公示").get_by_label("符合", exact=True).check()
    page.get_by_role("group", name="冷藏温度").get_by_label("不符合").check()
    page.get_by_label("冷藏温度 情况说明").fill("冷藏柜 11℃")
    for n in range(2):
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="拍照取证").click()
        chooser.value.set_files({"name": f"photo-{n}.png", "mimeType": "image/png", "buffer": samples.png({"Comment": f"离线 {n}"})})
    page.get_by_label("责令限期整改").check()
    page.get_by_label("整改期限").fill("2026-12-20")
    page.get_by_role("button", name="提交检查结果").click()
    page.get_by_role("button", name="确认检查记录").click()
    expect(page.get_by_role("status").filter(has_text="待上传 4 项")).to_be_visible()

    # The first upload reaches the server, but its answer is lost on the way back.
    cut: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if not cut:
            cut.append(route.request.headers.get("idempotency-key", ""))
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route("**/v1/inspections/*/evidence", lose_the_first_answer)
    ctx.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="已全部上传")).to_be_visible(timeout=30_000)
    assert cut and cut[0]

    with app.platform.client(other_token) as c:
        entries = _ok(c.get(f"/v1/inspections/{insp_id}/evidence"))["items"]
        assert [e["seq"] for e in entries] == [1, 2] and entries[0]["request_id"] == cut[0]
        assert all(e["position"]["latitude"] == 30.2741 and e["device_time"] < e["receive_time"] for e in entries)
        insp = _ok(c.get(f"/v1/inspections/{insp_id}"))
        assert insp["status"] == "recorded" and insp["outcome"] == "rectify" and insp["answers"]["cold"]["note"] == "冷藏柜 11℃"
        assert len(insp["confirmed_by"]) == 1
        done = _ok(c.post(f"/v1/inspections/{insp_id}/confirmations", json={}))  # the second officer, on their phone
        assert done["status"] == "completed"
        assert _ok(c.get(f"/v1/inspections/{insp_id}/evidence/verification"))["ok"]
    ctx.close()
