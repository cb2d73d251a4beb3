"""随手拍 in the app, in a real browser: a citizen reports overflowing rubbish with a photo
from where the phone is (Chromium's geolocation, granted and set in the context), moving
the pin on the map (tiles served by the test: there is no internet here); a 西湖区 handler
finds it in 待办 with a map link, sees the photos and resolves it with a result photo it
then takes off the public map. Without an account, a person proves their phone by SMS
code and reports with the map tiles unreachable (the form falls back to the location and
a typed address), then, on this device and without signing in, reads their report,
answers the department's question, reopens the result and rates the second one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import sms_outbox
from tests.e2e.browser.steps import App, sign_in
from tests.material_samples import JPEG, PNG

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "mgov-demo-2026"
CITIZEN, XH_CLERK = "13900000100", "13900000031"
# Near 西湖 (West Lake), inside 西湖区.
HERE = {"latitude": 30.2751, "longitude": 120.1502}
TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


def photo_shown(page: Page, name: str) -> None:
    img = page.get_by_role("img", name=name)
    expect(img).to_have_js_property("complete", True)
    assert img.evaluate("i => i.naturalWidth") > 0, name


def test_a_citizen_reports_overflowing_rubbish_with_a_photo_and_a_handler_finds_it_in_tasks_with_a_map_link(app: App) -> None:
    ctx = app.context(geolocation=HERE, permissions=["geolocation"])
    ctx.route(TILES, lambda route: route.fulfill(body=PNG, content_type="image/png"))  # a map is available
    try:
        page = ctx.new_page()
        sign_in(page, CITIZEN, DEMO_PASSWORD)
        page.goto("/")
        page.get_by_role("button", name="随手拍").click()
        where = page.get_by_role("status").filter(has_text="将由")
        expect(where).to_contain_text("西湖区")
        expect(where).to_contain_text("30.27510, 120.15020")
        the_map = page.get_by_role("region", name=re.compile("地图"))
        expect(the_map).to_have_attribute("aria-busy", "false")  # Leaflet loaded and listening (a tap before is lost)
        the_map.click(position={"x": 250, "y": 150})  # the pin goes where the map is tapped
        expect(where).not_to_contain_text("30.27510, 120.15020")
        expect(where).to_contain_text("西湖区")
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
        photo_shown(page, "现场照片 1")
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
        expect(task.get_by_role("link", name=f"在地图中查看 {number}")).to_have_attribute("href", re.compile(r"openstreetmap\.org/\?mlat=30\.27"))
        task.get_by_role("button", name=f"垃圾满溢 {number}").click()
        link = page.get_by_role("link", name="在地图中查看")
        expect(link).to_have_attribute("href", re.compile(r"openstreetmap\.org/\?mlat=30\.27\d*&mlon=120\.1"))
        expect(page.get_by_text("139****0100")).to_be_visible()
        photo_shown(page, "现场照片 1")
        page.get_by_role("button", name="接收处理").click()
        expect(page.get_by_role("status").filter(has_text="处理中")).to_be_visible()
        page.get_by_label("上传处理结果照片").set_input_files({"name": "cleared.jpg", "mimeType": "image/jpeg", "buffer": JPEG})
        expect(page.get_by_text("✓ cleared.jpg")).to_be_visible()
        page.get_by_label("意见", exact=True).fill("已清运，垃圾桶已更换")
        page.get_by_role("button", name="办结").click()
        expect(page.get_by_role("status").filter(has_text="已办结")).to_be_visible()
        photo_shown(page, "处理结果照片 1")
        shown = page.get_by_role("checkbox", name="在公开地图展示处理结果照片 1")
        expect(shown).to_be_checked()
        shown.uncheck()
        expect(page.get_by_role("status").filter(has_text="已取消公开展示")).to_be_visible()
        expect(page.get_by_role("checkbox", name="在公开地图展示处理结果照片 1")).not_to_be_checked()
    finally:
        staff.close()


def test_without_an_account_a_phone_proven_by_sms_reports_with_the_map_unreachable_and_reads_its_report(app: App) -> None:
    ctx = app.context(geolocation=HERE, permissions=["geolocation"])
    ctx.route(TILES, lambda route: route.abort("internetdisconnected"))  # the tile server cannot be reached
    try:
        page = ctx.new_page()
        page.goto("/reports/new")
        expect(page.get_by_role("status").filter(has_text="将由")).to_contain_text("西湖区")
        expect(page.get_by_role("status").filter(has_text="地图暂不可用")).to_be_visible()
        page.get_by_label("手机号").fill("13812346002")
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_role("status").filter(has_text="验证码已发送")).to_be_visible()
        [sms] = [m for m in sms_outbox.to(app.platform.home, "13812346002") if m["template"] == "phone_code"]
        page.get_by_label("短信验证码").fill(sms_outbox.registration_code(app.platform.home, sms["message_id"], template="phone_code"))
        page.get_by_role("button", name="验证", exact=True).click()
        expect(page.get_by_role("status").filter(has_text="已验证手机号 138****6002")).to_be_visible()
        page.get_by_label("拍照或选择照片").set_input_files({"name": "lane.png", "mimeType": "image/png", "buffer": PNG})
        expect(page.get_by_text("✓")).to_be_visible()
        page.get_by_text("垃圾满溢", exact=True).click()
        expect(page.get_by_role("alert").filter(has_text="该类问题需登录后反映")).to_be_visible()
        page.get_by_text("消防通道堵塞", exact=True).click()
        page.get_by_label("问题描述").fill("小区消防通道被车辆堵塞")
        page.get_by_label("详细地址").fill("文三路 100 号小区北门")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_role("heading", name="消防通道堵塞")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="已派发")).to_be_visible()
        number = page.locator(".number").inner_text()
        photo_shown(page, "现场照片 1")
        report_id = page.url.rsplit("/", 1)[-1]
        staff = app.platform.sign_in(XH_CLERK)["access_token"]
        staff_act(app, staff, report_id, "accept")
        staff_act(app, staff, report_id, "ask", "请说明是哪个小区")
        page.reload()  # the department asks: the reporter answers with this device's report token
        page.get_by_label("意见").fill("翠苑三区北门")
        page.get_by_role("button", name="补充说明").click()
        expect(page.get_by_role("status").filter(has_text="处理中")).to_be_visible()
        staff_act(app, staff, report_id, "resolve", "车辆已移走")
        page.reload()
        page.get_by_label("意见").fill("车又停回来了")
        page.get_by_role("button", name="不满意，重新办理").click()
        expect(page.get_by_role("status").filter(has_text="已重新办理")).to_be_visible()
        staff_act(app, staff, report_id, "resolve", "已张贴禁停告示")
        page.reload()
        page.get_by_text("满意", exact=True).click()
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_role("status").filter(has_text="感谢")).to_be_visible()
        page.goto("/reports")
        expect(page.get_by_text(number, exact=False).first).to_be_visible()
    finally:
        ctx.close()


def staff_act(app: App, token: str, report_id: str, action: str, comment: str = "") -> None:
    with app.platform.client(token) as c:
        current = c.get(f"/v1/reports/{report_id}")
        resp = c.post(f"/v1/reports/{report_id}/actions", json={"action": action, "comment": comment},
                      headers={"If-Match": current.headers["etag"]})
    assert resp.status_code == 200, resp.text
