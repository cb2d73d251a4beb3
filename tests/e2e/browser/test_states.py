"""The app's harder moments in a real browser: a case sent back for correction (补正),
a server-side field error, an access token the gateway refuses, and no network at all."""

from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.steps import PASSWORD, PDF, App, case_filed_through_the_api, registered_citizen, sign_in, staff_act, unique_phone

pytestmark = pytest.mark.browser
def stored_tokens(page: Page) -> dict[str, str]:
    return json.loads(page.evaluate("localStorage.getItem('mgov.session')"))  # type: ignore[no-any-return]


def test_a_returned_case_shows_the_clerks_comment_and_is_corrected_and_resubmitted(app: App) -> None:
    phone = registered_citizen(app.platform)
    case = case_filed_through_the_api(app.platform, phone)
    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, phone, PASSWORD)
    page.goto(f"/applications/{case['id']}")
    status = page.get_by_role("status").filter(has_text=re.compile("已提交|待补正"))
    expect(status).to_have_text("已提交")

    staff_act(app, app.clerk_phone, case["case_number"], "退回补正", comment="请补充经营场所租赁合同")
    expect(status).to_have_text("待补正")  # live, without a reload
    expect(page.get_by_role("note")).to_contain_text("请补充经营场所租赁合同")

    page.get_by_label("上传经营场所使用证明").set_input_files({"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(page.get_by_text("✓ lease.pdf")).to_be_visible()
    name = page.get_by_role("region", name="更正申请信息").get_by_label("名称", exact=True)
    expect(name).to_have_value("西湖茶馆")  # prefilled with the case's form
    name.fill("西湖茶馆（龙井店）")
    page.get_by_label("意见").fill("已补充租赁合同")
    page.get_by_role("button", name="补正后重新提交").click()
    expect(status).to_have_text("已提交")
    expect(page.get_by_text("lease.pdf")).to_be_visible()
    expect(page.get_by_text("意见：已补充租赁合同")).to_be_visible()
    expect(page.get_by_text("更正申请信息", exact=True)).to_be_visible()  # the timeline's entry
    ctx.close()
    with app.platform.client(app.platform.sign_in(phone, PASSWORD)["access_token"]) as c:
        stored = c.get(f"/v1/applications/{case['id']}").json()
    assert stored["status"] == "submitted" and stored["form"]["business_name"] == "西湖茶馆（龙井店）"
    assert stored["form"]["operator_name"] == "王小二"


def test_a_form_error_from_the_server_is_shown_on_its_field(app: App) -> None:
    ctx = app.context()
    page = ctx.new_page()
    page.goto("/signup")
    page.get_by_label("手机号").fill(unique_phone())
    page.get_by_label("密码").fill("12345678")  # long enough for the app, too common for the server
    page.get_by_label("姓名").fill("赵六")
    page.get_by_role("button", name="注册").click()
    password_field = page.locator(".van-field").filter(has=page.get_by_label("密码"))
    expect(password_field.locator(".van-field__error-message")).to_contain_text("too common")
    expect(page.locator(".van-field").filter(has=page.get_by_label("手机号")).locator(".van-field__error-message")).to_have_count(0)
    ctx.close()


def test_a_refused_access_token_is_refreshed_without_the_user_noticing(app: App) -> None:
    phone = registered_citizen(app.platform)
    case = case_filed_through_the_api(app.platform, phone)
    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, phone, PASSWORD)
    before = stored_tokens(page)
    # The access token as it is once expired: its `exp` in the past (the signature no longer
    # matches either, so the gateway refuses it with 401 just the same).
    header, payload, signature = before["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = claims["iat"] - 60
    expired = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page.evaluate("t => localStorage.setItem('mgov.session', JSON.stringify(t))",
                  {"access_token": f"{header}.{expired}.{signature}", "refresh_token": before["refresh_token"]})
    with app.platform.client(f"{header}.{expired}.{signature}") as c:
        assert c.get("/v1/applications").status_code == 401

    page.goto("/applications")
    expect(page.get_by_role("link").filter(has_text=case["case_number"])).to_be_visible()
    expect(page.get_by_role("heading", name="登录")).to_have_count(0)
    after = stored_tokens(page)
    assert after["refresh_token"] != before["refresh_token"], "the refresh token rotated"
    with app.platform.client(after["access_token"]) as c:
        assert c.get("/v1/applications").status_code == 200
    ctx.close()


def test_offline_the_shell_still_opens_and_says_it_is_offline(app: App) -> None:
    ctx = app.context(service_workers="allow")
    page = ctx.new_page()
    page.goto("/")
    expect(page.get_by_role("searchbox", name="搜索事项")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => false)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    ctx.set_offline(True)
    page.reload()
    expect(page.get_by_role("status").filter(has_text="离线")).to_be_visible()
    expect(page.get_by_role("searchbox", name="搜索事项")).to_be_visible()
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    ctx.close()


def test_an_invited_staff_member_accepts_in_the_app_and_gets_the_task_inbox(app: App) -> None:
    phone = unique_phone()
    admin = app.platform.sign_in("13900000010")["access_token"]
    with app.platform.client(admin) as c:
        invited = c.post("/v1/tenants/xihu/staff", json={"phone": phone, "name": "西湖区受理员", "password": PASSWORD, "roles": ["clerk"]})
    assert invited.status_code == 202, invited.text
    ctx = app.context()
    page = ctx.new_page()
    sign_in(page, phone, PASSWORD)
    expect(page.get_by_role("link", name="待办")).to_have_count(0)
    expect(page.get_by_text("西湖区邀请您担任受理人员")).to_be_visible()
    page.get_by_role("button", name="接受").click()
    page.get_by_role("link", name="待办").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    ctx.close()
