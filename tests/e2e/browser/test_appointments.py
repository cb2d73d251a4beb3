"""网上预约 in the app: a citizen books a slot at 西湖区政务服务中心 from the item's guide
(预约办理, hall, date, slot, 确认预约) and sees the QR code and booking code; on the slot's
day (the demo clock moved there) a 西湖区 clerk at the desk checks the citizen in by the
code (签到) and calls tickets (叫号), and the citizen's open appointment page shows the
queue place move without a reload."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.steps import PASSWORD, STAFF_PASSWORD, App, open_item, registered_citizen, sign_in

pytestmark = [pytest.mark.browser]
ITEM = "482f791f-ec73-5751-8d4d-887d7dfd4159"  # 个体工商户营业执照办理


def _book_through_the_api(app: App, phone: str, hall_id: str, start: str) -> dict:
    with app.platform.client(app.platform.sign_in(phone, PASSWORD)["access_token"]) as c:
        made = c.post("/v1/appointments", json={"hall_id": hall_id, "service_id": ITEM, "slot_start_time": start})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def _wait_for_the_day(app: App, hall_id: str, start: datetime) -> None:
    """Until the services' demo clock (looked at anew on every reading) is on the slot's day: the hall's
    first bookable date is then after it."""
    day = start.astimezone(timezone(timedelta(hours=8))).date().isoformat()
    deadline = time.monotonic() + 20
    with app.platform.client() as c:
        while c.get(f"/v1/halls/{hall_id}/slots", params={"service_id": ITEM}).json()["bookable_dates"][0] <= day:
            assert time.monotonic() < deadline, "the demo clock did not move"


def _check_in(desk: Page, code: str) -> None:
    desk.get_by_label("预约码").fill(code)
    desk.get_by_role("button", name="签到").click()
    expect(desk.get_by_role("status").filter(has_text="已签到")).to_be_visible()


def test_book_check_in_by_code_and_follow_the_queue_live(app: App) -> None:
    citizen, earlier = registered_citizen(app.platform), registered_citizen(app.platform)
    clock = app.platform.home / "workflow-clock.json"
    me, staff = app.context(), app.context()
    try:
        page = me.new_page()
        sign_in(page, citizen, PASSWORD)
        open_item(page, "营业执照", "个体工商户营业执照办理")
        page.get_by_role("button", name="预约办理").click()
        page.get_by_role("radio", name=re.compile("西湖区政务服务中心")).click()
        page.get_by_role("radiogroup", name="日期").get_by_role("radio").first.click()
        slot = page.get_by_role("radiogroup", name="时段").get_by_role("radio", name=re.compile("余")).first
        slot.click()
        expect(slot).to_have_attribute("aria-checked", "true")
        page.get_by_role("button", name="确认预约").click()
        expect(page.get_by_role("status").filter(has_text="已预约")).to_be_visible()
        expect(page.get_by_role("img", name="预约二维码")).to_be_visible()
        code = page.get_by_label(re.compile("^预约码 ")).inner_text().strip()
        appointment_id = page.url.rsplit("/", 1)[-1]
        with app.platform.client(app.platform.sign_in(citizen, PASSWORD)["access_token"]) as c:
            mine = c.get(f"/v1/appointments/{appointment_id}").json()
        assert mine["code"] == code and mine["status"] == "booked"
        other = _book_through_the_api(app, earlier, mine["hall_id"], mine["start_time"])  # someone checks in first

        start = datetime.fromisoformat(mine["start_time"].replace("Z", "+00:00"))
        clock.write_text(json.dumps({"offset_s": (start + timedelta(minutes=5) - datetime.now(timezone.utc)).total_seconds()}))
        _wait_for_the_day(app, mine["hall_id"], start)
        desk = staff.new_page()
        sign_in(desk, app.clerk_phone, STAFF_PASSWORD)
        desk.goto("/desk")
        expect(desk.get_by_label("大厅")).to_have_value(mine["hall_id"])
        _check_in(desk, other["code"])
        _check_in(desk, code)

        expect(page.get_by_text("前面还有 1 人")).to_be_visible()  # live, no reload
        page.get_by_text("排队号").wait_for()
        desk.get_by_role("button", name="叫号").click()
        expect(page.get_by_text("下一位就是您")).to_be_visible()
        desk.get_by_role("button", name="叫号").click()
        expect(page.get_by_text("已叫号，请到窗口办理")).to_be_visible()
        expect(desk.get_by_text("暂无排队")).to_be_visible()
    finally:
        clock.unlink(missing_ok=True)
        me.close()
        staff.close()


def test_another_tenants_staff_have_no_desk_for_this_hall_and_a_citizen_cancels(app: App) -> None:
    citizen = registered_citizen(app.platform)
    ctx = app.context()
    try:
        page = ctx.new_page()
        sign_in(page, citizen, PASSWORD)
        page.goto(f"/items/{ITEM}/book")
        page.get_by_role("radio", name=re.compile("西湖区政务服务中心")).click()
        page.get_by_role("radiogroup", name="时段").get_by_role("radio", name=re.compile("余")).first.click()
        page.get_by_role("button", name="确认预约").click()
        expect(page.get_by_role("status").filter(has_text="已预约")).to_be_visible()
        page.get_by_role("button", name="取消预约").click()
        expect(page.get_by_role("status").filter(has_text="已取消")).to_be_visible()
        expect(page.get_by_role("button", name="取消预约")).to_have_count(0)
        page.goto("/appointments")
        expect(page.get_by_role("link").filter(has_text="已取消").first).to_be_visible()
    finally:
        ctx.close()
    nb = app.context()
    try:
        page = nb.new_page()
        sign_in(page, "13900000021", "mgov-demo-2026")  # 宁波市受理员
        page.goto("/desk")
        expect(page.get_by_text("您所在单位没有办事大厅")).to_be_visible()
    finally:
        nb.close()
