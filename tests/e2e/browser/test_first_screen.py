"""The first seconds of the app on a phone: something is drawn before the JavaScript runs,
and nothing on screen jumps while the home screen's data and the icon font arrive (a jump
is what a user taps wrongly on, and what Lighthouse counts as layout shift)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.steps import App

pytestmark = pytest.mark.browser

# Every layout shift the page makes, summed as the Layout Instability API reports it.
RECORD_SHIFTS = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


def test_the_first_screen_is_drawn_before_any_javascript_runs(app: App) -> None:
    ctx = app.context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto("/items/anything")
    expect(page.get_by_text("浙里办", exact=True)).to_be_visible()
    for tab in ("首页", "办件", "消息", "我的"):
        expect(page.get_by_text(tab, exact=True)).to_be_visible()
    ctx.close()


def test_nothing_on_the_home_screen_moves_while_its_lists_and_icons_arrive(app: App) -> None:
    ctx = app.context()  # a first visit: no region chosen yet, so the region's name arrives late too
    ctx.add_init_script(RECORD_SHIFTS)
    page = ctx.new_page()
    held: list[Route] = []
    # The popular items are held back until the screen has drawn its loading state, so the
    # test sees the late arrival a slow network gives, whatever this machine's speed.
    page.route("**/v1/tenants/*/services?*", lambda route: held.append(route))
    page.goto("/")
    expect(page.get_by_role("searchbox", name="搜索事项")).to_be_visible()
    expect(page.get_by_role("region", name="热门事项").get_by_role("status")).to_be_visible()
    page.wait_for_function("document.fonts.ready.then(() => document.fonts.check('16px vant-icon'))")
    expect(page.get_by_role("button", name="切换地区")).not_to_contain_text("…")
    page.wait_for_function("document.querySelectorAll('.van-collapse-item').length > 0")  # the notices
    assert held, "the popular items were never asked for"
    for route in held:
        route.continue_()
    expect(page.get_by_role("region", name="热门事项").get_by_role("link")).to_have_count(8)
    page.wait_for_function("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))")
    assert page.evaluate("window.__layoutShift") < 0.01
    ctx.close()
