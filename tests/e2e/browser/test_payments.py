"""网上支付 in the app: a citizen's case waits for its fee (待缴费); on the case the citizen
sees the fees and presses 立即缴费, confirms on the payment simulator's page (确认支付),
comes back to 支付成功 and opens the receipt (查看票据) with its verification QR code.
A city's finance staff open 财务对账 from 我的, see a reconciliation finding and give part
of that order's fee back (部分退款)."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.steps import App, sign_in
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.payment_support import CITIZEN, HZ_FINANCE, Payments, mgov, paid_case, wait_for

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


def test_finance_staff_see_a_finding_and_refund_part_of_its_order_in_the_app(app: App) -> None:
    pay = Payments(app.platform)
    paid = paid_case(pay)
    httpx.post(pay.paysim + "/sim/bill-amount", json={"out_trade_no": paid["out_trade_no"], "amount_fen": 7777}).raise_for_status()
    run = mgov(pay, "payment", "reconcile", "--date", datetime.now(timezone(timedelta(hours=8))).date().isoformat())
    assert paid["out_trade_no"] in run.stdout, run.stdout + run.stderr
    ctx = app.context()
    try:
        page = ctx.new_page()
        sign_in(page, HZ_FINANCE, DEMO_PASSWORD)
        page.get_by_role("button", name="财务对账").click()
        findings = page.get_by_role("list", name="对账差异")
        expect(findings.get_by_text(paid["out_trade_no"])).to_be_visible()
        expect(findings.get_by_text("账单 ¥77.77 / 平台 ¥90.00")).to_be_visible()
        findings.get_by_role("button", name=f"退款 {paid['out_trade_no']}").click()

        form = page.get_by_role("region", name="部分退款")
        expect(form.get_by_label("缴费单号")).to_have_value(paid["order"]["id"])
        form.get_by_label("退款金额（元）").fill("0")
        form.get_by_role("button", name="提交退款").click()
        expect(form.get_by_text("请输入大于 0 的金额，最多两位小数")).to_be_visible()  # checked before anything is sent
        form.get_by_label("退款金额（元）").fill("12.50")
        form.get_by_label("退款原因").fill("多收部分退还")
        form.get_by_role("button", name="提交退款").click()
        expect(form.get_by_role("status").filter(has_text="已提交退款 ¥12.50")).to_be_visible()
    finally:
        ctx.close()
    done = wait_for("the refund completed", lambda: (o := pay.order(paid["case"]["id"]))["refunded_fen"] == 1250 and o)
    assert done["status"] == "paid"
    with ThreadPoolExecutor(1) as other:  # Playwright's loop runs in this thread; the query gets its own
        rows = other.submit(pay.sql, "SELECT kind, reason FROM payment.refunds WHERE order_id = $1", uuid.UUID(paid["order"]["id"])).result()
    assert [(r["kind"], r["reason"]) for r in rows] == [("partial", "多收部分退还")]
