"""我的 and 移动办公 in a real browser: a stale case in the staff view, a rectification task
closed, Web Push that this headless browser cannot do (said clearly), preferences with
quiet hours, English."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.steps import PASSWORD, STAFF_PASSWORD, App, case_filed_through_the_api, registered_citizen, sign_in

pytestmark = pytest.mark.browser


def test_a_staff_member_acting_on_a_stale_case_is_told_and_sees_it_reloaded(app: App) -> None:
    case = case_filed_through_the_api(app.platform, registered_citizen(app.platform))
    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, app.clerk_phone, STAFF_PASSWORD)
    page.goto(f"/applications/{case['id']}")
    accept = page.get_by_role("button", name="受理", exact=True)
    expect(accept).to_be_visible()

    # Meanwhile the case changes elsewhere (here: the clerk claims it from another device).
    with app.platform.client(app.platform.sign_in(app.clerk_phone, STAFF_PASSWORD)["access_token"]) as c:
        assert c.post(f"/v1/tasks/{case['id']}/claim").status_code == 200

    accept.click()
    expect(page.get_by_role("alert")).to_have_text("办件已被他人更新，已为您重新加载，请确认后再操作")
    expect(page.get_by_text("认领 → 已提交")).to_be_visible()  # the reloaded timeline
    accept.click()
    expect(page.get_by_role("status").filter(has_text="审核中")).to_be_visible()
    ctx.close()


def test_push_preferences_quiet_hours_and_english_on_the_me_page(app: App) -> None:
    phone = registered_citizen(app.platform)
    ctx = app.context(permissions=["notifications"])
    page = ctx.new_page()
    sign_in(page, phone, PASSWORD)
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("button", name="开启推送通知").click()
    # Headless Chromium has no push service: the app says so instead of failing silently.
    expect(page.get_by_role("status").filter(has_text="推送")).to_contain_text("此浏览器无法订阅推送")

    page.get_by_role("button", name="消息设置").click()
    page.get_by_role("switch", name="开启免打扰").click()
    page.get_by_label("开始时间").fill("21:30")
    page.get_by_label("结束时间").fill("07:15")
    page.get_by_role("switch", name="办件进度 短信").click()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    token = json.loads(page.evaluate("localStorage.getItem('mgov.session')"))["access_token"]
    with app.platform.client(token) as c:
        prefs = c.get("/v1/me/preferences").json()
    assert {k: prefs["quiet_hours"][k] for k in ("enabled", "start", "end")} == {"enabled": True, "start": "21:30", "end": "07:15"}
    assert {"category": "case_progress", "channel": "sms", "enabled": True} in prefs["channels"]

    page.get_by_role("link", name="我的").click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Home")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # remembered
    ctx.close()


def test_a_poor_rating_becomes_a_rectification_task_closed_in_the_mobile_office(app: App) -> None:
    citizen = registered_citizen(app.platform)
    case = case_filed_through_the_api(app.platform, citizen)
    for phone, action in ((app.clerk_phone, "accept"), (app.approver_phone, "approve")):
        with app.platform.client(app.platform.sign_in(phone, STAFF_PASSWORD)["access_token"]) as c:
            etag = c.get(f"/v1/applications/{case['id']}").headers["etag"]
            assert c.post(f"/v1/applications/{case['id']}/actions", json={"action": action}, headers={"If-Match": etag}).status_code == 200
    with app.platform.client(app.platform.sign_in(citizen, PASSWORD)["access_token"]) as c:
        rating = c.post(f"/v1/applications/{case['id']}/rating", json={"score": 1, "comment": "等了太久"})
    assert rating.status_code == 201, rating.text

    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, app.clerk_phone, STAFF_PASSWORD)
    page.get_by_role("link", name="待办").click()
    page.get_by_role("button", name=f"{case['case_number']} · 整改任务").click()
    expect(page.get_by_text("非常不满意：等了太久")).to_be_visible()
    page.get_by_role("button", name="关闭整改").click()
    expect(page.locator(".van-field").filter(has=page.get_by_label("回访情况")).locator(".van-field__error-message")).to_have_text("必填")
    page.get_by_label("回访情况").fill("已电话回访申请人，致歉并说明原因")
    page.get_by_label("整改结果").fill("增加窗口人手，承诺时限内办结")
    page.get_by_role("button", name="关闭整改").click()
    expect(page.get_by_role("status").filter(has_text="已整改")).to_be_visible()
    with app.platform.client(app.platform.sign_in(app.clerk_phone, STAFF_PASSWORD)["access_token"]) as c:
        closed = c.get(f"/v1/rectifications/{rating.json()['rectification_id']}").json()
    assert closed["status"] == "closed" and closed["outcome"] == "增加窗口人手，承诺时限内办结"
    ctx.close()
