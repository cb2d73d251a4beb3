"""Steps a user takes in the app, in the words of its screens, and the shared set-up of the
browser tests: the mobile app in a real browser, Debian's Chromium driven by Playwright, against the
demo platform the e2e tests start (`mgov up`, which serves the committed web/dist at /).

Staff of 西湖区 are invited once through the API by the Hangzhou admin and accept (the
demo seeds staff for the city only, and a case filed in 西湖区 is handled there).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DemoPlatform
from tests import sms_outbox
from tests.material_samples import PDF

CHROMIUM = os.environ.get("MGOV_CHROMIUM", "/usr/bin/chromium")
HZ_ADMIN = "13900000010"
STAFF_PASSWORD = "App-e2e-staff-2026"
MOBILE = {"width": 390, "height": 844}
expect.set_options(timeout=15_000)


@dataclass
class App:
    platform: DemoPlatform
    browser: Browser
    clerk_phone: str
    approver_phone: str

    @property
    def url(self) -> str:
        return self.platform.base_url

    def context(self, **options: object) -> BrowserContext:
        settings: dict[str, object] = {"viewport": MOBILE, "locale": "zh-CN", "base_url": self.url, **options}
        ctx = self.browser.new_context(**settings)  # type: ignore[arg-type]
        ctx.set_default_timeout(15_000)
        return ctx


def create_county_staff(platform: DemoPlatform) -> tuple[str, str]:
    """A clerk and an approver of 西湖区: invited by the Hangzhou admin, invitations accepted."""
    admin = platform.sign_in(HZ_ADMIN)["access_token"]
    phones = []
    for role in ("clerk", "approver"):
        phone = unique_phone()
        with platform.client(admin) as c:
            invited = c.post("/v1/tenants/xihu/staff", json={"phone": phone, "name": f"西湖区{role}", "password": STAFF_PASSWORD, "roles": [role]})
        assert invited.status_code == 202, invited.text
        with platform.client(platform.sign_in(phone, STAFF_PASSWORD)["access_token"]) as c:
            accepted = c.post(f"/v1/me/invitations/{invited.json()['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        phones.append(phone)
    return phones[0], phones[1]


def unique_phone() -> str:
    return "137" + f"{uuid.uuid4().int % 10**8:08d}"


# --- steps a user takes, in the words of the screen -------------------------------------------------


def sign_up(page: Page, platform: DemoPlatform, phone: str, password: str, name: str) -> None:
    """注册, then the SMS code (read from the demo SMS outbox, as the person reads their phone)."""
    page.goto("/signin")
    page.get_by_role("link", name="注册").click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_label("姓名").fill(name)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_label("验证码")).to_be_visible()
    [sms] = [m for m in sms_outbox.to(platform.home, phone) if m["template"] == "registration_code"]
    page.get_by_label("验证码").fill(re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", sms["content"]).group())  # type: ignore[union-attr]
    page.get_by_role("button", name="完成注册").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def sign_in(page: Page, phone: str, password: str) -> None:
    page.goto("/signin")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def switch_region(page: Page, *names: str) -> None:
    page.get_by_role("button", name="切换地区").first.click()
    for name in names:
        page.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("button", name="切换地区").first).to_contain_text(names[-1])


def open_item(page: Page, query: str, name: str) -> None:
    page.goto("/")
    box = page.get_by_role("searchbox", name="搜索事项")
    box.fill(query)
    box.press("Enter")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("button", name="在线办理")).to_be_visible()


BUSINESS_FORM = {"名称": "西湖小吃店", "经营者 / 法定代表人": "张小明", "经营者身份证号码": "330106199001011234",
                 "联系电话": "13912345678", "经营场所": "杭州市西湖区文二西路1号"}


def fill_form(page: Page, values: dict[str, str]) -> None:
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


def upload(page: Page, label: str, name: str = "application.pdf") -> None:
    page.get_by_label(label).set_input_files({"name": name, "mimeType": "application/pdf", "buffer": PDF})
    expect(page.get_by_text(f"✓ {name}").first).to_be_visible()


def staff_act(app: App, phone: str, case_number: str, action: str, comment: str = "") -> None:
    """A staff member signs in on their own browser context, claims the case under 待办 and acts."""
    ctx = app.context()
    try:
        page = ctx.new_page()
        sign_in(page, phone, STAFF_PASSWORD)
        page.get_by_role("link", name="待办").click()
        task = page.get_by_role("listitem").filter(has_text=case_number)
        expect(task).to_be_visible()
        claim = task.get_by_role("button", name=f"认领 {case_number}")
        if claim.count():
            claim.click()
            expect(task.get_by_text("已认领")).to_be_visible()
        task.get_by_role("button", name=case_number).click()
        if comment:
            page.get_by_label("意见").fill(comment)
        page.get_by_role("button", name=action, exact=True).click()
        expect(page.get_by_role("button", name=action, exact=True)).to_have_count(0)
    finally:
        ctx.close()


PASSWORD = "Citizen-app-2026"
BUSINESS = {"business_name": "西湖茶馆", "operator_name": "王小二", "id_number": "330106199001011234",
            "phone": "13912345678", "business_address": "杭州市西湖区龙井路1号"}


def registered_citizen(platform: DemoPlatform) -> str:
    """A citizen of 西湖区 registered through the API (form, SMS code, confirm)."""
    phone = unique_phone()
    platform.register(phone, PASSWORD, name="王小二", tenant="xihu")
    return phone


def case_filed_through_the_api(platform: DemoPlatform, phone: str) -> dict[str, str]:
    token = platform.sign_in(phone, PASSWORD)["access_token"]
    with platform.client(token) as c:
        item = c.get("/v1/tenants/xihu/services", params={"q": "营业执照"}).json()["items"][0]
        material = c.post("/v1/materials", files={"file": ("application.pdf", PDF, "application/pdf")}, data={"material_code": "application"})
        assert material.status_code == 201, material.text
        resp = c.post("/v1/applications", json={"service_id": item["id"], "tenant_id": "xihu", "form": BUSINESS,
                                                "material_ids": [material.json()["id"]]}, headers={"Idempotency-Key": phone})
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]
