"""网上支付 for a tenant's finance staff, end to end on `mgov up` (demo mode) with the
simulator: reconciliation findings listed for the tenant's finance staff only (paged,
404 for another city's) with an alert (a gauge and an in-app notification); an expired
order never paid, its case given a new order and a late payment given back; partial
refunds by key, each completed by its own provider notification; a case withdrawn by its
applicant refunded, or its fee kept, as the city's setting says."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DemoPlatform
from tests.e2e.payment_support import CITIZEN, HZ_CLERK, HZ_FINANCE, NB_FINANCE, Payments, mgov, paid_case, wait_for

CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def pay(demo_platform: DemoPlatform) -> Payments:
    p = Payments(demo_platform)
    p.tokens |= {who: demo_platform.sign_in(who)["access_token"] for who in (HZ_FINANCE, NB_FINANCE)}
    return p


def findings(pay: Payments, who: str, tenant: str = "hangzhou", **params: Any) -> httpx.Response:
    with pay.client(who) as c:
        return c.get(f"/v1/tenants/{tenant}/reconciliation-findings", params=params)


@pytest.fixture(scope="module")
def mismatch(pay: Payments) -> dict[str, Any]:
    """A paid Hangzhou case whose bill line was tampered with, reconciled."""
    paid = paid_case(pay)
    httpx.post(pay.paysim + "/sim/bill-amount", json={"out_trade_no": paid["out_trade_no"], "amount_fen": 8888}).raise_for_status()
    run = mgov(pay, "payment", "reconcile", "--date", datetime.now(CST).date().isoformat())
    assert run.returncode == 1 and paid["out_trade_no"] in run.stdout, run.stdout + run.stderr
    return paid


def test_finance_staff_page_through_their_citys_findings_and_another_citys_get_404(pay: Payments, mismatch: dict[str, Any]) -> None:
    seen: list[dict[str, Any]] = []
    token = ""
    for _ in range(50):
        resp = findings(pay, HZ_FINANCE, page_size=1, page_token=token)
        assert resp.status_code == 200 and resp.headers["cache-control"] == "private, no-store", resp.text
        body = resp.json()
        assert len(body["items"]) <= 1
        seen += body["items"]
        token = body["next_page_token"]
        if not token:
            break
    mine = [f for f in seen if f["out_trade_no"] == mismatch["out_trade_no"]]
    assert [(f["kind"], f["tenant_id"], f["merchant"]) for f in mine] == [("amount_mismatch", "hangzhou", "wechatpay")], seen
    assert mine[0]["detail"]["bill_amount_fen"] == 8888 and mine[0]["create_time"].endswith("Z")
    assert mine[0]["detail"]["order_id"] == mismatch["order"]["id"]  # the app's finance screen offers a refund of that order
    for who in (NB_FINANCE, HZ_CLERK, CITIZEN):  # another city's finance staff, staff without the role, a citizen
        resp = findings(pay, who)
        assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json"), resp.text
        assert resp.json()["code"] == "tenant_not_found"
    assert findings(pay, NB_FINANCE, tenant="ningbo").status_code == 200
    bad = findings(pay, HZ_FINANCE, page_token="forged")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_page_token"


def test_a_mismatch_alerts_the_citys_finance_staff_in_the_app_and_in_the_metrics(pay: Payments, mismatch: dict[str, Any]) -> None:
    def told() -> list[dict[str, Any]]:
        with pay.client(HZ_FINANCE) as c:
            items = c.get("/v1/notifications", params={"page_size": 100}).json()["items"]
        return [n for n in items if (n.get("data") or {}).get("out_trade_no") == mismatch["out_trade_no"]]

    [note] = wait_for("the finance staff told", told)
    assert note["title"] == "对账差异" and mismatch["out_trade_no"] in note["body"] and note["tenant_id"] == "hangzhou"
    assert note["link"] == "/finance/hangzhou"  # opens the app's finance screen
    with pay.client(NB_FINANCE) as c:  # another city's finance staff hear nothing of it
        assert not [n for n in c.get("/v1/notifications").json()["items"]
                    if (n.get("data") or {}).get("out_trade_no") == mismatch["out_trade_no"]]
    metrics = f"http://127.0.0.1:{pay.p.ports['PAYMENT_METRICS']}/metrics"

    def gauge() -> float:
        for line in httpx.get(metrics).text.splitlines():
            if line.startswith('mgov_payment_reconciliation_findings{kind="amount_mismatch"}'):
                return float(line.split()[-1])
        return 0.0

    assert wait_for("the alert's gauge", gauge) >= 1


def test_an_expired_order_is_never_paid_its_case_gets_a_new_order_and_a_late_payment_is_given_back(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    started = pay.start(order["id"])
    # Its expiry passes (days, staged here) while the provider's page is still open.
    pay.sql("UPDATE payment.orders SET expire_time = now() - interval '1 second', update_time = now() - interval '1 hour' WHERE id = $1",
            uuid.UUID(order["id"]))
    renewed = wait_for("the case's new order", lambda: (o := pay.order(case["id"]))["id"] != order["id"] and o)
    assert renewed["status"] == "created" and renewed["amount_fen"] == order["amount_fen"]
    assert [r["status"] for r in pay.sql("SELECT status FROM payment.orders WHERE application_id = $1 ORDER BY create_time",
                                         uuid.UUID(case["id"]))] == ["expired", "created"]
    with pay.client(CITIZEN) as c:
        again = c.post(f"/v1/payments/{order['id']}/pay")
    assert again.status_code == 409 and again.json()["code"] == "order_expired", again.text

    pay.confirm(started["pay_url"])  # the payer pays the expired order anyway: the money goes back

    def refunded() -> list[Any]:
        return pay.sql("SELECT r.status FROM payment.refunds r JOIN payment.transactions t USING (out_trade_no)"
                       " WHERE r.out_trade_no = $1 AND r.kind = 'late' AND r.status = 'success' AND t.status = 'late'",
                       started["out_trade_no"])

    wait_for("the late payment given back", refunded)
    assert pay.order(case["id"])["status"] == "created" and pay.case(case["id"])["status"] == "awaiting_payment"
    late = [f for f in findings(pay, HZ_FINANCE, page_size=500).json()["items"] if f["out_trade_no"] == started["out_trade_no"]]
    assert [f["kind"] for f in late] == ["late_payment"] and late[0]["detail"]["order_id"] == order["id"]
    # The new order pays as any other, and the case advances once.
    pay.confirm(pay.start(renewed["id"])["pay_url"])
    advanced = wait_for("the case advanced", lambda: (c := pay.case(case["id"]))["status"] == "issuing" and c)
    assert len([t for t in advanced["timeline"] if t["action"] == "pay"]) == 1


def test_partial_refunds_are_idempotent_by_key_never_exceed_the_fee_and_each_completes_once(pay: Payments) -> None:
    paid = paid_case(pay)
    oid = paid["order"]["id"]

    def refund(who: str, amount: int, key: str) -> httpx.Response:
        with pay.client(who) as c:
            return c.post(f"/v1/payments/{oid}/refunds", json={"amount_fen": amount, "reason": "多收部分退还"},
                          headers={"Idempotency-Key": key})

    first = refund(HZ_FINANCE, 3000, "k-1")
    assert first.status_code == 200 and first.json()["kind"] == "partial" and first.json()["amount_fen"] == 3000, first.text
    assert refund(HZ_FINANCE, 3000, "k-1").json()["out_refund_no"] == first.json()["out_refund_no"]  # a repeat is the same refund
    assert refund(HZ_FINANCE, 2999, "k-1").json()["code"] == "refund_key_reused"
    assert refund(HZ_FINANCE, 2000, "k-2").status_code == 200
    too_much = refund(HZ_FINANCE, 4001, "k-3")  # 9000 paid, 5000 given back or on its way
    assert too_much.status_code == 409 and too_much.json()["code"] == "refund_too_large", too_much.text
    assert refund(NB_FINANCE, 100, "k-4").status_code == 404 and refund(CITIZEN, 100, "k-5").status_code == 404
    with pay.client(HZ_FINANCE) as c:
        assert c.post(f"/v1/payments/{oid}/refunds", json={"amount_fen": 100}).status_code == 422  # no key, no refund

    done = wait_for("both refunds completed", lambda: (o := pay.order(paid["case"]["id"]))["refunded_fen"] == 5000 and o)
    assert done["status"] == "paid"
    rows = pay.sql("SELECT refund_key, status, amount_fen FROM payment.refunds WHERE order_id = $1 ORDER BY refund_key", uuid.UUID(oid))
    assert [(r["refund_key"], r["status"], r["amount_fen"]) for r in rows] == [("k-1", "success", 3000), ("k-2", "success", 2000)]
    heard = pay.sql("SELECT count(*) AS n FROM payment.notifications WHERE event_type = 'REFUND.SUCCESS' AND outcome = 'accepted'"
                    " AND out_trade_no = $1", paid["out_trade_no"])
    assert heard[0]["n"] == 2
    assert refund(HZ_FINANCE, 4000, "k-6").status_code == 200  # the rest may still go back
    assert wait_for("fully refunded", lambda: pay.order(paid["case"]["id"])["status"] == "refunded")


def test_a_tenants_payment_settings_are_set_from_the_command_line_and_inherited_below(pay: Payments) -> None:
    import json

    done = mgov(pay, "payment", "configure", "ningbo", "--merchant", "wechatpay", "--refund-on", "rejected")
    assert done.returncode == 0 and json.loads(done.stdout) == {"tenant_id": "ningbo", "merchant": "wechatpay", "refund_on": ["rejected"],
                                                                 "refund_on_from": "ningbo"}, done.stdout + done.stderr
    rows = pay.sql("SELECT tenant_id, merchant, refund_on FROM payment.tenant_settings WHERE tenant_id = 'ningbo'")
    assert [(r["merchant"], r["refund_on"]) for r in rows] == [("wechatpay", ["rejected"])]
    refused = mgov(pay, "payment", "configure", "ningbo", "--merchant", "wechatpay", "--refund-on", "approved")
    assert refused.returncode == 2 and "refund_on" in refused.stderr
    assert mgov(pay, "payment", "configure", "ningbo", "--merchant", "../x").returncode == 2


def withdraw_and_wait_heard(pay: Payments, case: dict[str, Any]) -> dict[str, Any]:
    """The applicant withdraws the case; returns it once the payment service has handled
    every event of the withdrawal (its own record of them: the signal, not a pause)."""
    withdrawn = pay.act(CITIZEN, pay.case(case["id"]), "withdraw")
    assert withdrawn["status"] == "withdrawn", withdrawn
    sent = [r["id"] for r in pay.sql("SELECT id FROM workflow.outbox WHERE payload::jsonb -> 'data' ->> 'application_id' = $1"
                                     " AND payload::jsonb -> 'data' ->> 'action' = 'withdraw'", case["id"])]
    assert len(sent) == 2, sent  # transitioned, and rejected (the outcome of the withdrawn state)
    wait_for("the withdrawal heard by the payment service",
             lambda: pay.sql("SELECT count(*) AS n FROM payment.processed_events WHERE consumer = 'payment-cases'"
                             " AND event_id = ANY($1::uuid[])", sent)[0]["n"] == len(sent))
    return withdrawn


def test_a_paid_case_withdrawn_by_its_applicant_is_refunded_only_when_its_citys_setting_says_so(pay: Payments) -> None:
    assert not pay.sql("SELECT 1 FROM payment.tenant_settings WHERE tenant_id = 'hangzhou'")  # the defaults: both outcomes refund
    given_back, kept = paid_case(pay), paid_case(pay)
    try:
        withdraw_and_wait_heard(pay, given_back["case"])
        done = wait_for("the fee refunded", lambda: (o := pay.order(given_back["case"]["id"]))["status"] == "refunded" and o)
        assert done["refunded_fen"] == done["amount_fen"] == 9000
        refunds = pay.sql("SELECT status, kind, amount_fen FROM payment.refunds WHERE order_id = $1", uuid.UUID(done["id"]))
        assert [(r["status"], r["kind"], r["amount_fen"]) for r in refunds] == [("success", "case", 9000)]
        heard = pay.sql("SELECT count(*) AS n FROM payment.notifications WHERE event_type = 'REFUND.SUCCESS' AND outcome = 'accepted'"
                        " AND out_trade_no = $1", given_back["out_trade_no"])
        assert heard[0]["n"] == 1  # through the simulator, once

        set_rejected = mgov(pay, "payment", "configure", "hangzhou", "--merchant", "wechatpay", "--refund-on", "rejected")
        assert set_rejected.returncode == 0, set_rejected.stdout + set_rejected.stderr
        withdraw_and_wait_heard(pay, kept["case"])
        order = pay.order(kept["case"]["id"])
        assert order["status"] == "paid" and order["refunded_fen"] == 0, order
        assert not pay.sql("SELECT 1 FROM payment.refunds WHERE order_id = $1", uuid.UUID(order["id"]))
    finally:
        pay.sql("DELETE FROM payment.tenant_settings WHERE tenant_id = 'hangzhou'")


def test_an_unpaid_case_withdrawn_by_its_applicant_has_its_order_expire(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    withdraw_and_wait_heard(pay, case)
    expired = pay.order(case["id"])
    assert expired["id"] == order["id"] and expired["status"] == "expired", expired
    with pay.client(CITIZEN) as c:
        refused = c.post(f"/v1/payments/{order['id']}/pay")
    assert refused.status_code == 409 and refused.json()["code"] == "order_expired", refused.text
