"""网上支付 in the app: a citizen's case waits for its fee (待缴费); on the case the citizen
sees the fees and presses 立即缴费, confirms on the payment simulator's page (确认支付),
comes back to 支付成功 and opens the receipt (查看票据) with its verification QR code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.steps import App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.payment_support import CITIZEN, Payments

pytestmark = [pytest.mark.browser]


def test_a_citizen_pays_a_fee_in_the_app_and_sees_the_receipt(app: App) -> None:
    case = Payments(app.platform).case_awaiting_payment()
    ctx = app.context()
    try:
        page = ctx.new_page()
        sign_in(page, CITIZEN, DEMO_PASSWORD)
        page.goto(f"/applications/{case['id']}")
        panel = page.get_by_role("region", name="缴费")
        expect(panel.get_by_text("¥90.00")).to_be_visible()
        expect(panel.get_by_text("住宅类不动产登记费")).to_be_visible()
        panel.get_by_role("button", name="立即缴费").click()

        # The provider's page (the simulator in demo mode), then back to the case.
        expect(page.get_by_role("heading", name="微信支付")).to_be_visible()
        page.get_by_role("button", name="确认支付").click()
        expect(page.get_by_role("heading", name="支付成功")).to_be_visible()
        page.get_by_role("link", name="返回").click()

        expect(page).to_have_url(re.compile(f"/applications/{case['id']}$"))
        expect(page.get_by_role("status").filter(has_text="支付成功")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="制证中")).to_be_visible()  # the case advanced
        page.get_by_role("link", name="查看票据").click()

        expect(page.get_by_role("heading", name="¥90.00")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="验签通过")).to_be_visible()
        expect(page.get_by_text(case["case_number"])).to_be_visible()
        expect(page.get_by_role("img", name="票据验证二维码")).to_be_visible()
    finally:
        ctx.close()
