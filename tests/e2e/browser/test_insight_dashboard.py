"""The 运营看板 in a real browser as the Hangzhou admin: from 我的 to the dashboard, the
chart of the counties' scores and the daily trend, the zombie list with its actions,
drill-down to a county."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.steps import HZ_ADMIN, App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
DEFAULTS = {"item_unused_days": 90, "guide_stale_days": 365, "system_silent_days": 30, "account_idle_days": 90}


def test_the_hangzhou_admin_sees_the_chart_and_the_zombie_list_and_drills_down_to_a_county(app: App) -> None:
    admin = app.platform.sign_in(HZ_ADMIN)["access_token"]
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

        page.get_by_role("link", name="西湖区").click()
        expect(page).to_have_url(f"{app.url}/insight/xihu")
        expect(page.get_by_text("xihu 及下级")).to_be_visible()
        expect(page.get_by_role("img", name="事项申请量与办结量柱状图")).to_be_visible()
    finally:
        ctx.close()
        with app.platform.client(admin) as c:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json=DEFAULTS)
