"""执法监管 for supervisors in a real browser: Xihu's supervisor makes a 双随机 plan (双随机抽查),
draws it, redraws with a reason and verifies both draws; the drawn inspector starts the
inspection and shares their position, which the supervisor finds under 执法队伍 (map and
list); the subject's representative signs on the inspector's screen, and the signature is
uploaded into the evidence chain, named by the confirmation and shown in the record."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from services.enforcement.domain.uscc import check_character
from tests.e2e.browser.steps import HZ_ADMIN, App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD
from tests.material_samples import PNG

pytestmark = pytest.mark.browser
XH_SUPERVISOR, INSPECTORS = "13900000033", ("13900000051", "13900000052", "13900000053", "13900000054")
CATEGORY, SUBJECT = "app_team", "西湖区队伍测试茶馆"
HERE = {"latitude": 30.2588, "longitude": 120.1302}
TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def _registry(app: App) -> dict[str, str]:
    """Xihu's inspectors hold the category; one subject and a checklist. {user id: phone}."""
    p = app.platform
    with p.client(p.sign_in(HZ_ADMIN)["access_token"]) as admin:
        phones = {}
        for phone in INSPECTORS:
            with p.client(p.sign_in(phone)["access_token"]) as me:
                phones[_ok(me.get("/v1/me"))["id"]] = phone
        for user_id in phones:
            _ok(admin.put(f"/v1/tenants/xihu/inspectors/{user_id}", json={"certificate": f"ZJ-SUP-{uuid.uuid4().hex[:8]}",
                                                                             "categories": [CATEGORY]}))
        body = f"91330106MC{uuid.uuid4().int % 10**7:07d}"
        _ok(admin.post("/v1/tenants/xihu/subjects", json={"name": SUBJECT, "credit_code": body + check_character(body), "category": CATEGORY,
                                                          "address": "龙井路 2 号"}), 201)
        _ok(admin.post(f"/v1/tenants/hangzhou/checklists/{CATEGORY}", json={"checks": [{"id": "licence", "text": "证照公示"}]}), 201)
    return phones


def _sign(page: Page) -> None:
    """The representative's signature: two strokes on the pad."""
    box = page.get_by_role("img", name="当事人签名板").bounding_box()
    assert box
    for y in (0.4, 0.6):
        page.mouse.move(box["x"] + 30, box["y"] + box["height"] * y)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(box["x"] + 30 + step * 25, box["y"] + box["height"] * (y + (0.15 if step % 2 else -0.15)))
        page.mouse.up()


def test_a_supervisor_plans_draws_and_watches_the_team_and_the_representatives_signature_lands_in_the_evidence_chain(app: App) -> None:
    phones = _registry(app)
    sup = app.context()
    sup.route(TILES, lambda route: route.fulfill(body=PNG, content_type="image/png"))  # the tiles of the map
    field = app.context(geolocation=HERE, permissions=["geolocation"])
    try:
        # 双随机抽查: plan, draw, redraw with a reason, verify.
        page = sup.new_page()
        sign_in(page, XH_SUPERVISOR, DEMO_PASSWORD)
        page.get_by_role("button", name="双随机抽查").click()
        page.get_by_label("计划名称").fill("茶馆双随机抽查")
        page.get_by_label("检查类别").select_option(CATEGORY)
        page.get_by_label("抽取对象数量").fill("1")
        expect(page.get_by_text("每组执法人员")).to_be_visible()
        page.get_by_role("button", name="创建计划").click()
        expect(page.get_by_role("heading", name="茶馆双随机抽查", level=2)).to_be_visible()
        plan_id = page.url.rsplit("/", 1)[-1]
        page.get_by_role("button", name="抽取", exact=True).click()
        first = page.get_by_role("article", name="第 1 次抽取")
        expect(first).to_contain_text(SUBJECT)
        expect(first).to_contain_text("现行")
        page.get_by_role("button", name="重新抽取").click()
        expect(page.get_by_role("alert")).to_contain_text("5 至 500 字")  # no reason: nothing is sent
        page.get_by_label("重新抽取原因").fill("原执法员临时外出，重新抽取")
        page.get_by_role("button", name="重新抽取").click()
        redraw = page.get_by_role("article", name="第 2 次抽取（重新抽取）")
        expect(redraw).to_contain_text("原因：原执法员临时外出，重新抽取")
        expect(redraw).to_contain_text("现行")
        expect(first).to_contain_text("已被替换")
        page.get_by_role("button", name="验证抽取结果").click()
        expect(page.get_by_role("status").filter(has_text="验证通过")).to_be_visible()

        with app.platform.client(app.platform.sign_in(XH_SUPERVISOR)["access_token"]) as c:
            [pick] = [d for d in _ok(c.get(f"/v1/plans/{plan_id}/draws"))["items"] if d["current"]][0]["picks"]
        mine, other = (phones[u] for u in pick["inspector_ids"])

        # The drawn inspector starts and shares their position.
        insp = field.new_page()
        sign_in(insp, mine, DEMO_PASSWORD)
        insp.get_by_role("link", name="执法检查").click()
        insp.get_by_role("button", name=SUBJECT).click()
        insp.get_by_role("button", name="开始检查").click()
        insp.get_by_label("向监督人员共享我的位置").check()
        expect(insp.get_by_role("status").filter(has_text="位置已共享")).to_be_visible()

        # 执法队伍: the team on the map and in the list.
        page.goto("/me")
        page.get_by_role("button", name="执法队伍").click()
        team = page.get_by_role("listitem").filter(has_text=SUBJECT)
        expect(team).to_contain_text("报告位置")
        expect(team).to_contain_text(f"{HERE['latitude']:.5f}, {HERE['longitude']:.5f}")
        expect(page.get_by_role("region", name="地图：执法队伍的位置")).to_be_visible()
        expect(page.get_by_title(re.compile(SUBJECT))).to_have_count(1)  # the team's marker

        # The record, the representative's signature, the confirmation.
        insp.get_by_role("group", name="证照公示").get_by_label("符合", exact=True).check()
        insp.get_by_role("button", name="提交检查结果").click()
        _sign(insp)
        insp.set_viewport_size({"width": 390, "height": 640})  # the address bar or keyboard appears: the signature stays
        insp.get_by_role("button", name="保存签名").click()
        expect(insp.get_by_role("status").filter(has_text="签名已保存")).to_be_visible()
        insp.get_by_role("button", name="确认检查记录").click()
        expect(insp.get_by_role("status").filter(has_text="已全部上传")).to_be_visible()
        # The record's copy (the pad's own preview may still be on screen as the record appears).
        shown = insp.get_by_role("region", name="检查记录").get_by_role("img", name="当事人签名", exact=True)
        expect(shown).to_be_visible()
        assert shown.evaluate("i => i.naturalWidth") > 0
        insp.get_by_role("button", name="校验证据链").click()
        expect(insp.get_by_role("status").filter(has_text="证据链完整（1 项）")).to_be_visible()
    finally:
        sup.close()
        field.close()

    # In the chain: a PNG of kind signature, named by the completed inspection; the chain verifies.
    with app.platform.client(app.platform.sign_in(other)["access_token"]) as c:
        inspection = next(i for i in _ok(c.get("/v1/inspections"))["items"] if i["subject"]["id"] == pick["subject_id"])
        done = _ok(c.post(f"/v1/inspections/{inspection['id']}/confirmations", json={}))
        [entry] = _ok(c.get(f"/v1/inspections/{inspection['id']}/evidence"))["items"]
        stored = c.get(f"/v1/inspections/{inspection['id']}/evidence/1/file").content
        assert entry["kind"] == "signature" and stored.startswith(b"\x89PNG") and hashlib.sha256(stored).hexdigest() == entry["sha256"]
        assert done["status"] == "completed" and done["representative_signature_sha256"] == entry["sha256"]
        assert _ok(c.get(f"/v1/inspections/{inspection['id']}/evidence/verification"))["ok"]
