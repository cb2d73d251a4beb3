"""A citizen's day in the app, in a real browser, against the real platform: sign up,
choose 西湖区, find 营业执照, apply (one upload; a double tap makes one case), follow the
case live while staff act on their own phones, count the notifications, rate it."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.steps import (BUSINESS_FORM, App, fill_form, open_item, sign_up, staff_act,
                                   switch_region, unique_phone, upload)

pytestmark = pytest.mark.browser
PASSWORD = "Citizen-app-2026"
ITEM = "个体工商户营业执照办理"


def tokens(page: Page) -> dict[str, str]:
    return json.loads(page.evaluate("localStorage.getItem('mgov.session')"))  # type: ignore[no-any-return]


def my_cases(app: App, page: Page) -> list[dict[str, object]]:
    with app.platform.client(tokens(page)["access_token"]) as c:
        resp = c.get("/v1/applications")
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]  # type: ignore[no-any-return]


def apply_for_a_business_licence(page: Page) -> str:
    open_item(page, "营业执照", ITEM)
    page.get_by_role("button", name="在线办理").click()
    fill_form(page, BUSINESS_FORM)
    upload(page, "上传个体工商户登记（备案）申请书")
    page.get_by_role("button", name="提交").dblclick()
    number = page.locator(".case-number")
    expect(number).to_have_text(re.compile(r"^[A-Z]+-\d{4}-\d{6}$"))
    return number.inner_text()


def test_a_citizen_applies_follows_the_case_live_and_rates_it(app: App) -> None:
    ctx = app.context()
    page = ctx.new_page()
    sign_up(page, app.platform, unique_phone(), PASSWORD, "张小明")
    page.goto("/")
    switch_region(page, "杭州市", "西湖区")
    case_number = apply_for_a_business_licence(page)

    cases = my_cases(app, page)
    assert [c["case_number"] for c in cases] == [case_number], "the double tap made one case"

    page.get_by_role("button", name="查看办件").click()
    status = page.get_by_role("status").filter(has_text=re.compile("已提交|审核中|已办结"))
    expect(status).to_have_text("已提交")
    expect(page.get_by_text("application.pdf")).to_be_visible()

    staff_act(app, app.clerk_phone, case_number, "受理")
    expect(status).to_have_text("审核中")  # no reload: the live stream brought it
    staff_act(app, app.approver_phone, case_number, "审批通过")
    expect(status).to_have_text("已办结")

    with app.platform.client(tokens(page)["access_token"]) as c:
        unread = c.get("/v1/notifications").json()["unread_count"]
    assert unread >= 3  # submitted, accepted, completed
    expect(page.get_by_role("link", name=re.compile(rf"^消息 {unread} 未读$"))).to_be_visible()

    page.get_by_role("button", name="评价", exact=True).click()
    page.get_by_role("radio", name="非常满意", exact=True).click()
    page.get_by_label("评价内容").fill("办理很快，全程网办")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status").filter(has_text="办理很快")).to_contain_text("非常满意")
    rating = my_cases(app, page)[0]
    assert rating["status"] == "completed"

    # 退出登录 revokes the refresh token on the server, not only on this phone.
    refresh_token = tokens(page)["refresh_token"]
    page.get_by_role("link", name="我的").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert page.evaluate("localStorage.getItem('mgov.session')") is None
    resp = httpx.post(f"{app.url}/v1/auth/refresh", json={"refresh_token": refresh_token}, timeout=10)
    assert resp.status_code in (400, 401), resp.text
    ctx.close()
