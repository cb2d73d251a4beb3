"""随手拍 in the app, in a real browser: a citizen reports overflowing rubbish with a photo
from where the phone is (Chromium's geolocation, granted and set in the context), and a
西湖区 handler finds it in 待办 with a map link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.steps import App, sign_in
from tests.material_samples import PNG

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "mgov-demo-2026"
CITIZEN, XH_CLERK = "13900000100", "13900000031"
# Near 西湖 (West Lake), inside 西湖区.
HERE = {"latitude": 30.2751, "longitude": 120.1502}


def test_a_citizen_reports_overflowing_rubbish_with_a_photo_and_a_handler_finds_it_in_tasks_with_a_map_link(app: App) -> None:
    ctx = app.context(geolocation=HERE, permissions=["geolocation"])
    try:
        page = ctx.new_page()
        sign_in(page, CITIZEN, DEMO_PASSWORD)
        page.goto("/")
        page.get_by_role("button", name="随手拍").click()
        expect(page.get_by_role("status").filter(has_text="将由")).to_contain_text("西湖区")
        page.get_by_label("拍照或选择照片").set_input_files({"name": "rubbish.png", "mimeType": "image/png", "buffer": PNG})
        expect(page.get_by_text("✓")).to_be_visible()
        page.get_by_text("垃圾满溢", exact=True).click()
        expect(page.get_by_text(re.compile("由环境卫生管理处处理"))).to_be_visible()
        page.get_by_label("问题描述").fill("文三路口的垃圾桶满了，垃圾散落一地")
        page.get_by_label("详细地址").fill("文三路与学院路交叉口")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_role("heading", name="垃圾满溢")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="已派发")).to_be_visible()
        expect(page.get_by_text("西湖区 · 环境卫生管理处")).to_be_visible()
        number = page.locator(".number").inner_text()
        assert re.fullmatch(r"HZ-R-\d{4}-\d{6}", number), number
        page.goto("/reports")
        expect(page.get_by_text(number, exact=False).first).to_be_visible()
    finally:
        ctx.close()

    staff = app.context()
    try:
        page = staff.new_page()
        sign_in(page, XH_CLERK, DEMO_PASSWORD)
        page.get_by_role("link", name="待办").click()
        task = page.get_by_role("listitem").filter(has_text=number)
        expect(task).to_be_visible()
        task.get_by_role("button", name=f"垃圾满溢 {number}").click()
        link = page.get_by_role("link", name="在地图中查看")
        expect(link).to_have_attribute("href", re.compile(r"openstreetmap\.org/\?mlat=30\.2751&mlon=120\.1502"))
        expect(page.get_by_text("139****0100")).to_be_visible()
        page.get_by_role("button", name="接收处理").click()
        expect(page.get_by_role("status").filter(has_text="处理中")).to_be_visible()
    finally:
        staff.close()
