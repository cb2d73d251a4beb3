"""The 运营看板 in a real browser. The Hangzhou admin: from 我的 to the dashboard, the chart
of the counties' scores and the daily trend, the zombie list with its actions, then down
city → county → department → item, each screen its own URL with a breadcrumb, the figures
shown equal to the API's. A county's supervisor opening its sibling's URL gets the error
state, not figures; a clerk is told who may see the dashboard."""

from __future__ import annotations

import csv
import io
import math
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.browser.steps import HZ_ADMIN, STAFF_PASSWORD, App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD, DemoPlatform

pytestmark = pytest.mark.browser
DEFAULTS = {"item_unused_days": 90, "guide_stale_days": 365, "system_silent_days": 30, "account_idle_days": 90}
XIHU_SUPERVISOR = "13900000033"
DEPARTMENT = "养老服务科"  # 西湖区's own department in the demo catalogue


def pct(v: float) -> str:
    return "—" if v < 0 else f"{math.floor(v * 100 + 0.5)}%"


def avg(v: float) -> str:
    return "—" if v < 0 else f"{v:.1f}"


def expected_figures(q: dict[str, Any], department: dict[str, Any] | None = None) -> dict[str, str]:
    """What the screen should say for the API's figures (the app's formatting: % rounded, one decimal, — without data)."""
    out = {"申请": str(q["submitted"]), "办结": str(q["completed"]), "按时办结率": pct(q["on_time_rate"]),
           "好差评均分": avg(q["rating_average"]), "差评占比": pct(q["negative_share"]),
           "整改（未结 / 超期）": f"{q['rectifications_open']} / {q['rectifications_overdue']}"}
    if department is None:  # an item: its funnel too
        out.update({"浏览指南": str(q["guide_views"]), "开始填写": str(q["started"]), "放弃率": pct(q["abandonment_rate"]),
                    "办结工作日（中位 / P90）": f"{avg(q['median_working_days'])} / {avg(q['p90_working_days'])}",
                    "补正率": pct(q["supplement_rate"])})
    else:
        out.update({"在办件（无人可办）": f"{department['open_cases']} / {department['open_cases_unstaffed']}",
                    "可办理人员": str(department["staff_able_to_act"])})
    return out


def shown_figures(figures: Locator) -> dict[str, str]:
    expect(figures).to_be_visible()
    return figures.evaluate("dl => Object.fromEntries([...dl.querySelectorAll('dt')].map("  # type: ignore[no-any-return]
                            "dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))")


def usage_counted(platform: DemoPlatform, admin: str) -> dict[str, Any]:
    """Xihu's item of the department viewed and started from two addresses of their own; the item's row once insight counted them."""
    with platform.client(admin) as c:
        item = c.get("/v1/tenants/xihu/insight/items", params={"own_only": True, "department": DEPARTMENT}).json()["items"][0]
        before = item["quality"]
        for kind in ("guide_viewed", "application_started"):
            address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
            sent = c.post("/v1/insight/usage", json={"item_id": item["item_id"], "kind": kind}, headers={"X-Forwarded-For": address})
            assert sent.status_code == 204, sent.text
        deadline = time.monotonic() + 30
        while True:  # counted asynchronously (an event through insight's outbox and consumer)
            now = c.get(f"/v1/tenants/xihu/insight/items/{item['item_id']}").json()
            if now["quality"]["guide_views"] > before["guide_views"] and now["quality"]["started"] > before["started"]:
                return now  # type: ignore[no-any-return]
            assert time.monotonic() < deadline, "the usage reports were never counted"
            time.sleep(0.2)


def in_breadcrumb(page: Page, *steps: str) -> None:
    crumbs = page.get_by_role("navigation", name="当前位置")
    expect(crumbs.get_by_role("listitem")).to_have_text(list(steps))


def outside_reach(page: Page, path: str) -> None:
    """A screen beyond the person's subtree: said in their words, no figures, no retry (it would answer the same), a way home."""
    page.goto(path)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("不在您可查看的范围内")
    expect(alert.get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("insight-chart")).to_have_count(0)
    expect(page.locator("dl")).to_have_count(0)
    expect(page.get_by_role("link", name="回到本级看板")).to_be_visible()


def test_a_regions_answer_arriving_after_the_admin_went_on_does_not_replace_the_region_on_screen(app: App) -> None:
    """The admin taps 杭州市 in the breadcrumb and goes back to 西湖区 before Hangzhou's
    figures arrive: when they arrive, last, Xihu's screen stays Xihu's (the slower answer of
    a region left behind is dropped, not shown under another region's URL)."""
    ctx = app.context()
    page = ctx.new_page()
    held: list[Route] = []
    try:
        sign_in(page, HZ_ADMIN, DEMO_PASSWORD)
        page.goto("/insight/xihu")
        expect(page.get_by_role("img", name="部门申请量与办结量柱状图").locator("svg")).to_have_count(1)
        page.route(re.compile(r"/v1/tenants/hangzhou/insight/"), lambda route: held.append(route))
        page.get_by_role("navigation", name="当前位置").get_by_role("link", name="杭州市").click()
        expect(page).to_have_url(f"{app.url}/insight/hangzhou")
        deadline = time.monotonic() + 15
        while len(held) < 4:  # the rankings, departments, zombies and daily trend, each held as it is asked for
            assert time.monotonic() < deadline, f"Hangzhou's requests held: {[r.request.url for r in held]}"
            page.wait_for_timeout(50)  # Playwright hands the held requests over while it waits
        page.go_back()
        expect(page).to_have_url(f"{app.url}/insight/xihu")
        expect(page.get_by_role("img", name="部门申请量与办结量柱状图").locator("svg")).to_have_count(1)
        answered = []
        for route in held:
            with page.expect_response(route.request.url) as response:
                route.continue_()
            answered.append(response.value)
        for response in answered:
            response.finished()
        page.wait_for_function("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))")
        expect(page.get_by_role("img", name="下级地区综合得分柱状图")).to_have_count(0)
        expect(page.get_by_role("img", name="部门申请量与办结量柱状图").locator("svg")).to_have_count(1)
        expect(page.get_by_role("list", name="本级部门").get_by_role("link", name=re.compile(f"^{DEPARTMENT}"))).to_be_visible()
    finally:
        ctx.close()


def test_the_hangzhou_admin_sees_the_chart_and_the_zombie_list_and_drills_down_to_a_countys_department_and_item(app: App) -> None:
    admin = app.platform.sign_in(HZ_ADMIN)["access_token"]
    item = usage_counted(app.platform, admin)
    with app.platform.client(admin) as c:  # every item without an application today counts as unused
        assert c.put("/v1/tenants/hangzhou/insight/thresholds", json={**DEFAULTS, "item_unused_days": 0}).status_code == 200
    ctx = app.context()
    page = ctx.new_page()
    try:
        sign_in(page, HZ_ADMIN, DEMO_PASSWORD)
        page.get_by_role("button", name="运营看板").click()
        expect(page.get_by_role("heading", name="运营看板")).to_be_visible()
        chart = page.get_by_role("img", name="下级地区综合得分柱状图")
        expect(chart).to_be_visible()
        expect(chart.locator("svg")).to_have_count(1)
        expect(page.get_by_role("img", name="近 30 天每日申请量与办结量柱状图").locator("svg")).to_have_count(1)  # the trend
        zombies = page.get_by_role("list", name="僵尸清单")
        expect(zombies.get_by_role("listitem").first).to_be_visible()
        expect(zombies.get_by_role("button", name="下架事项").first).to_be_visible()
        expect(zombies).to_contain_text("无人申请")

        # City → county: its own URL, the breadcrumb from the admin's city, its departments' chart.
        page.get_by_role("list", name="下级排名（综合得分）").get_by_role("link", name=re.compile("西湖区")).click()
        expect(page).to_have_url(f"{app.url}/insight/xihu")
        in_breadcrumb(page, "杭州市", "西湖区")
        expect(page.get_by_text("xihu 及下级")).to_be_visible()
        expect(page.get_by_role("img", name="部门申请量与办结量柱状图").locator("svg")).to_have_count(1)

        # County → department: the figures are the API's.
        page.get_by_role("list", name="本级部门").get_by_role("link", name=re.compile(f"^{DEPARTMENT}")).click()
        expect(page).to_have_url(re.compile(r"/insight/xihu/departments/"))
        in_breadcrumb(page, "杭州市", "西湖区", DEPARTMENT)
        with app.platform.client(admin) as c:
            department = c.get(f"/v1/tenants/xihu/insight/departments/{DEPARTMENT}").json()
        assert shown_figures(page.locator('dl[aria-label="部门指标"]')) == expected_figures(department["quality"], department)
        # Its items as a spreadsheet: the API's CSV, saved by the browser.
        with page.expect_download() as download:
            page.get_by_role("button", name="导出 CSV：事项办理情况").click()
        assert download.value.suggested_filename == f"xihu-{DEPARTMENT}-items.csv"
        saved = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        with app.platform.client(admin) as c:
            listed = c.get("/v1/tenants/xihu/insight/items", params={"own_only": True, "department": DEPARTMENT}).json()["items"]
        assert [(r["item_id"], r["submitted"]) for r in saved] == [(i["item_id"], str(i["quality"]["submitted"])) for i in listed]

        # Department → item: the funnel chart and the figures, the API's.
        page.get_by_role("list", name="事项办理情况").get_by_role("link", name=re.compile(f"^{re.escape(item['name_zh'])}")).click()
        expect(page).to_have_url(f"{app.url}/insight/xihu/items/{item['item_id']}")
        in_breadcrumb(page, "杭州市", "西湖区", DEPARTMENT, item["name_zh"])
        expect(page.get_by_role("img", name="办理漏斗柱状图").locator("svg")).to_have_count(1)
        assert shown_figures(page.locator('dl[aria-label="事项指标"]')) == expected_figures(item["quality"])

        # Back up by the breadcrumb, and by the browser's back.
        page.get_by_role("navigation", name="当前位置").get_by_role("link", name="西湖区").click()
        expect(page).to_have_url(f"{app.url}/insight/xihu")
        page.go_back()
        expect(page).to_have_url(f"{app.url}/insight/xihu/items/{item['item_id']}")
    finally:
        ctx.close()
        with app.platform.client(admin) as c:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json=DEFAULTS)

    # Xihu's supervisor at Yuhang's URLs (links shared beyond its reach): the error state, no figures.
    with app.platform.client(admin) as c:
        yuhang_item = c.get("/v1/tenants/yuhang/insight/items").json()["items"][0]["item_id"]
    ctx = app.context()
    page = ctx.new_page()
    try:
        sign_in(page, XIHU_SUPERVISOR, DEMO_PASSWORD)
        outside_reach(page, "/insight/yuhang")
        outside_reach(page, f"/insight/yuhang/items/{yuhang_item}")
        outside_reach(page, "/insight/yuhang/departments/数字经济科")
        page.get_by_role("link", name="回到本级看板").click()
        expect(page).to_have_url(f"{app.url}/insight/xihu")
        expect(page.get_by_role("img", name="部门申请量与办结量柱状图")).to_be_visible()
    finally:
        ctx.close()

    # A clerk (no dashboard of its own) at /insight: told who may see it, not a spinner forever.
    ctx = app.context()
    page = ctx.new_page()
    try:
        sign_in(page, app.clerk_phone, STAFF_PASSWORD)
        page.goto("/insight")
        expect(page.get_by_text("仅管理员和监督员可查看运营看板")).to_be_visible()
    finally:
        ctx.close()
