"""`make screenshots`: the app's main screens at 390x844, into docs/app/ (shown in docs/app.md).

Starts a fresh demo platform, files two cases as the demo citizen (one accepted by the
Hangzhou clerk, one waiting), then photographs the citizen's and the clerk's screens in
Debian's Chromium.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import httpx
import pikepdf
from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.demo_platform import REPO, demo_platform  # noqa: E402

OUT = REPO / "docs" / "app"
CHROMIUM = os.environ.get("MGOV_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "mgov-demo-2026"
CITIZEN, CLERK, ADMIN = "13900000100", "13900000011", "13900000010"
FORM = {"business_name": "拱宸桥小面馆", "operator_name": "张小明", "id_number": "330106199001011234",
        "phone": "13900000100", "business_address": "杭州市拱墅区小河路1号"}


def pdf() -> bytes:
    doc = pikepdf.new()
    doc.add_blank_page()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def token(c: httpx.Client, phone: str) -> str:
    resp = c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD})
    resp.raise_for_status()
    return resp.json()["access_token"]  # type: ignore[no-any-return]


def file_cases(base: str) -> tuple[str, str]:
    with httpx.Client(base_url=base, timeout=15) as c:
        citizen = {"authorization": f"Bearer {token(c, CITIZEN)}"}
        item = c.get("/v1/tenants/hangzhou/services", params={"q": "营业执照"}).json()["items"][0]
        ids = []
        for n in range(2):
            m = c.post("/v1/materials", headers=citizen, files={"file": ("申请书.pdf", pdf(), "application/pdf")}, data={"material_code": "application"})
            m.raise_for_status()
            resp = c.post("/v1/applications", headers={**citizen, "Idempotency-Key": f"shot-{n}"},
                          json={"service_id": item["id"], "tenant_id": "hangzhou", "form": FORM, "material_ids": [m.json()["id"]]})
            resp.raise_for_status()
            ids.append(resp.json()["id"])
        clerk = {"authorization": f"Bearer {token(c, CLERK)}"}
        c.post(f"/v1/tasks/{ids[0]}/claim", headers=clerk).raise_for_status()
        case = c.get(f"/v1/applications/{ids[0]}", headers=clerk)
        c.post(f"/v1/applications/{ids[0]}/actions", headers={**clerk, "If-Match": case.headers["etag"]}, json={"action": "accept"}).raise_for_status()
    return ids[0], ids[1]


def sign_in(page: Page, phone: str) -> None:
    page.goto("/signin")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def shot(page: Page, name: str) -> None:
    # Not "networkidle": a signed-in app keeps its live stream open.
    page.wait_for_function("!document.querySelector('.van-loading') && document.fonts.status === 'loaded'")
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/app/{name}.png")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_platform() as base, sync_playwright() as p:
        accepted, waiting = file_cases(base)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN", base_url=base)
        page = ctx.new_page()
        page.goto("/")
        page.get_by_role("button", name="切换地区").click()
        page.get_by_role("button", name="杭州市", exact=True).click()
        page.get_by_role("button", name="西湖区", exact=True).click()
        shot(page, "home")
        page.get_by_role("button", name="切换地区").click()
        shot(page, "region")
        page.keyboard.press("Escape")
        page.goto("/search?q=营业执照")
        shot(page, "search")
        page.get_by_role("link", name="个体工商户营业执照办理").click()
        expect(page.get_by_role("button", name="在线办理")).to_be_visible()
        shot(page, "item")
        sign_in(page, CITIZEN)
        page.goto(page.url.split("/me")[0] + "/")
        page.get_by_role("link", name="首页").click()
        page.get_by_role("searchbox", name="搜索事项").fill("营业执照")
        page.get_by_role("searchbox", name="搜索事项").press("Enter")
        page.get_by_role("link", name="个体工商户营业执照办理").click()
        page.get_by_role("button", name="在线办理").click()
        expect(page.get_by_role("button", name="提交")).to_be_visible()
        shot(page, "apply")
        page.goto(f"/applications/{accepted}")
        expect(page.get_by_text("审核中").first).to_be_visible()
        shot(page, "case")
        page.goto("/applications")
        shot(page, "cases")
        page.goto("/inbox")
        shot(page, "inbox")
        page.goto("/me")
        shot(page, "me")
        staff = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN", base_url=base)
        page = staff.new_page()
        sign_in(page, CLERK)
        page.get_by_role("link", name="待办").click()
        expect(page.get_by_role("button", name="认领").first).to_be_visible()
        shot(page, "tasks")
        page.goto(f"/applications/{waiting}")
        expect(page.get_by_role("button", name="受理")).to_be_visible()
        shot(page, "staff-case")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
