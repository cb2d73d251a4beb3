"""The application form is rendered from the item's JSON Schema: every seeded item's fields
are labelled controls named by their titles, and a schema with every feature the renderer
supports (integer, date, enum, boolean, an array of objects, `x-property-order`) is filled
in and arrives at the server as typed JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_forms import RICH_SCHEMA
from tests.e2e.browser.steps import App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
CITIZEN = "13900000100"
HZ_ADMIN = "13900000010"
RICH_ITEM = {
    "name": {"zh": "家庭成员信息登记"}, "type": "公共服务", "agency": "杭州市民政局", "department": "社会事务处",
    "guide": {"conditions": ["户籍在本市"], "free": True, "statutory_limit_days": 5, "promised_limit_days": 2,
              "processing_kind": "promised", "channels": ["app"], "visits": 0},
    "keywords": ["家庭成员登记"], "workflow_id": "standard",
    "form_schema": RICH_SCHEMA,
}


def published_rich_item(app: App) -> str:
    token = app.platform.sign_in(HZ_ADMIN)["access_token"]
    with app.platform.client(token) as c:
        draft = c.post("/v1/tenants/hangzhou/services", json=RICH_ITEM)
        assert draft.status_code == 201, draft.text
        published = c.post(f"/v1/services/{draft.json()['id']}/publish", headers={"If-Match": draft.headers["etag"]})
        assert published.status_code == 200, published.text
    return draft.json()["id"]  # type: ignore[no-any-return]


def test_every_field_of_every_seeded_form_is_a_control_named_by_its_title(app: App) -> None:
    seeded = json.loads((Path(__file__).resolve().parents[3] / "services/catalog/seed/demo_forms.json").read_text())
    with app.platform.client() as c:
        items = c.get("/v1/tenants/xihu/services", params={"page_size": 100}).json()["items"]
        schemas, fields = [], set()
        for item in items:  # enough items to show every distinct field once
            schema = c.get(f"/v1/services/{item['id']}").json()["form_schema"]
            new = {json.dumps(p, sort_keys=True) for p in schema["properties"].values()} - fields
            if new:
                fields |= new
                schemas.append((item["id"], schema))
    titles_seen = {p["title"] for _, s in schemas for p in s["properties"].values()}
    for template in (v for k, v in seeded.items() if not k.startswith("_")):
        assert {p["title"] for p in template["properties"].values()} <= titles_seen, template["title"]

    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, CITIZEN, DEMO_PASSWORD)
    for item_id, schema in schemas:
        page.goto(f"/items/{item_id}/apply")
        expect(page.get_by_role("button", name="提交")).to_be_visible()
        for name in schema["x-property-order"]:
            expect(page.get_by_label(schema["properties"][name]["title"], exact=True)).to_have_count(1)
    ctx.close()


def test_a_form_with_every_supported_feature_is_filled_in_and_sent_as_typed_json(app: App) -> None:
    item_id = published_rich_item(app)
    ctx = app.context(viewport={"width": 360, "height": 640})
    page = ctx.new_page()
    sign_in(page, CITIZEN, DEMO_PASSWORD)
    page.goto(f"/items/{item_id}/apply")
    expect(page.get_by_role("button", name="提交")).to_be_visible()
    labels = page.locator("form label, form legend").all_inner_texts()
    order = [t for t in ("户主姓名", "家庭成员", "家庭人口", "住房类型", "迁入日期") if any(x.strip().startswith(t) for x in labels)]
    assert order == ["户主姓名", "家庭成员", "家庭人口", "住房类型", "迁入日期"], labels  # x-property-order

    page.get_by_role("button", name="提交").click()  # the client's checks, before anything is sent
    expect(page.locator(".van-field").filter(has=page.get_by_label("户主姓名")).locator(".van-field__error-message")).to_have_text("必填")
    expect(page.get_by_role("group", name="家庭成员").get_by_role("alert")).to_have_text("必填")

    page.get_by_label("户主姓名").fill("陈")
    page.get_by_role("button", name="添加家庭成员").click()
    page.get_by_label("成员姓名").fill("陈小红")
    page.get_by_label("与户主关系").select_option("子女")
    page.get_by_label("家庭人口").fill("30")
    page.get_by_label("住房类型").select_option("租赁住房")
    page.get_by_label("迁入日期").fill("2024-05-01")
    page.get_by_role("switch", name="承诺所填信息真实").click()
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".van-field").filter(has=page.get_by_label("户主姓名")).locator(".van-field__error-message")).to_have_text("至少 2 个字符")
    expect(page.locator(".van-field").filter(has=page.get_by_label("家庭人口")).locator(".van-field__error-message")).to_have_text("不能大于 20")

    page.get_by_label("户主姓名").fill("陈大明")
    page.get_by_label("家庭人口").fill("3")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".case-number")).to_have_text(re.compile(r"^[A-Z]+-\d{4}-\d{6}$"))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360  # fits a 360 px phone

    token = json.loads(page.evaluate("localStorage.getItem('mgov.session')"))["access_token"]
    with app.platform.client(token) as c:
        case = c.get("/v1/applications", params={"service_id": item_id}).json()["items"][0]
        form = c.get(f"/v1/applications/{case['id']}").json()["form"]
    assert form == {"householder": "陈大明", "members": [{"name": "陈小红", "relation": "子女"}], "household_size": 3,
                    "housing": "租赁住房", "move_in_date": "2024-05-01", "agree": True}
    ctx.close()
