"""网上支付 end to end on `mgov up` (demo mode) with the payment simulator speaking WeChat
Pay API v3: a fee paid and the case advanced once, replays and forgeries refused, a second
payment refunded, reconciliation, a rejected case refunded, and a signed receipt."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from mgov_common import wechatpay as wx
from tests.conftest import repo_root, venv_bin
from tests.e2e.conftest import DemoPlatform
from tests.e2e.payment_support import CITIZEN, HZ_APPROVER, HZ_CLERK, Payments, wait_for

CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def pay(demo_platform: DemoPlatform) -> Payments:
    return Payments(demo_platform)


@pytest.fixture(scope="module")
def paid(pay: Payments) -> dict[str, Any]:
    """A case whose fee was paid through the simulator's page, and its order."""
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    started = pay.start(order["id"])
    assert started["pay_url"].startswith(pay.paysim + "/pay/"), started
    pay.confirm(started["pay_url"])
    after = wait_for("the case advanced", lambda: (c := pay.case(case["id"]))["status"] == "issuing" and c)
    return {"case": after, "order": pay.order(case["id"]), "out_trade_no": started["out_trade_no"]}


def pay_entries(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in case["timeline"] if t["action"] == "pay"]


def test_a_case_pays_its_fee_through_the_simulator_and_advances_once(pay: Payments, paid: dict[str, Any]) -> None:
    order = paid["order"]
    assert order["status"] == "paid" and order["amount_fen"] == 9000 and order["currency"] == "CNY", order
    assert [f["amount_fen"] for f in order["fees"]] == [8000, 1000]
    assert order["receipt_id"] and order["transaction_id"]
    [entry] = pay_entries(paid["case"])
    assert entry["actor"]["kind"] == "platform" and entry["from_state"] == "awaiting_payment" and entry["to_state"] == "issuing"
    # The simulator heard a 2xx on its first delivery: no retry was needed.
    deliveries = [d for d in httpx.get(pay.paysim + "/sim/deliveries").json() if d["event_type"] == "TRANSACTION.SUCCESS"]
    assert deliveries and all(d["status"] == 200 for d in deliveries)


def test_a_replayed_notification_changes_nothing(pay: Payments, paid: dict[str, Any]) -> None:
    before = pay.case(paid["case"]["id"])
    body, headers = pay.notification(pay.resource(paid["out_trade_no"], 9000, paid["order"]["transaction_id"]))
    for _ in range(2):
        resp = pay.post_notification(body, headers)
        assert resp.status_code == 200 and resp.json() == {"outcome": "duplicate"}, resp.text
    after = pay.case(paid["case"]["id"])
    assert after["version"] == before["version"] and len(pay_entries(after)) == 1
    assert pay.order(paid["case"]["id"])["status"] == "paid"


def test_a_forged_a_wrong_amount_and_an_unknown_order_notification_are_refused_and_logged(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    out_trade_no = pay.start(order["id"])["out_trade_no"]

    forged, h1 = pay.notification(pay.resource(out_trade_no, 9000), key=wx.new_rsa_key())
    assert pay.post_notification(forged, h1).status_code == 401
    wrong, h2 = pay.notification(pay.resource(out_trade_no, 1))
    assert pay.post_notification(wrong, h2).status_code == 400
    unknown, h3 = pay.notification(pay.resource("e2e" + "0" * 29, 9000))
    assert pay.post_notification(unknown, h3).status_code == 400

    refused = pay.sql("SELECT reason, out_trade_no FROM payment.notifications WHERE outcome = 'refused' ORDER BY id DESC LIMIT 3")
    assert {r["reason"] for r in refused} == {"bad_signature", "amount_mismatch", "unknown_order"}
    assert pay.order(case["id"])["status"] == "paying"
    assert pay.case(case["id"])["status"] == "awaiting_payment"


def test_two_concurrent_payments_of_one_order_keep_one_and_refund_the_other(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    first, second = pay.start(order["id"]), pay.start(order["id"])
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(pay.confirm, [first["pay_url"], second["pay_url"]]))

    def refunded() -> list[Any]:
        return pay.sql("SELECT out_trade_no FROM payment.refunds WHERE order_id = $1 AND kind = 'duplicate' AND status = 'success'",
                       uuid.UUID(order["id"]))

    [refund] = wait_for("the second payment refunded", refunded)
    kept = pay.order(case["id"])
    assert kept["status"] == "paid" and kept["refunded_fen"] == 0
    assert {refund["out_trade_no"], pay.sql("SELECT paid_out_trade_no FROM payment.orders WHERE id = $1",
                                            uuid.UUID(order["id"]))[0]["paid_out_trade_no"]} == \
        {first["out_trade_no"], second["out_trade_no"]}
    advanced = wait_for("the case advanced", lambda: (c := pay.case(case["id"]))["status"] == "issuing" and c)
    assert len(pay_entries(advanced)) == 1


def test_reconciliation_reports_a_tampered_bill_line_and_a_payment_without_a_local_order(pay: Payments, paid: dict[str, Any]) -> None:
    httpx.post(pay.paysim + "/sim/bill-amount", json={"out_trade_no": paid["out_trade_no"], "amount_fen": 8999}).raise_for_status()
    stranger = "stranger" + os.urandom(8).hex()
    httpx.post(pay.paysim + "/sim/bill-extra", json={"out_trade_no": stranger, "amount_fen": 500}).raise_for_status()
    env = {**os.environ, "MGOV_DATABASE_URL": pay.p.dsn, "MGOV_DEMO": "1", "MGOV_HOME": str(pay.p.home), "MGOV_LOG_JSON": "0"}
    env.pop("MGOV_NATS_URL", None)
    today = datetime.now(CST).date().isoformat()
    run = subprocess.run([venv_bin("mgov"), "payment", "reconcile", "--date", today], cwd=repo_root(), env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    found = {(f["kind"], f["out_trade_no"]) for f in map(json.loads, run.stdout.splitlines())}
    assert ("amount_mismatch", paid["out_trade_no"]) in found and ("unknown_order", stranger) in found, found
    stored = pay.sql("SELECT kind FROM payment.reconciliation_findings WHERE out_trade_no = ANY($1::text[])", [paid["out_trade_no"], stranger])
    assert sorted(r["kind"] for r in stored) == ["amount_mismatch", "unknown_order"]


def test_a_rejected_paid_case_is_refunded_through_the_provider_once(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    pay.confirm(pay.start(order["id"])["pay_url"])
    issuing = wait_for("the case advanced", lambda: (c := pay.case(case["id"]))["status"] == "issuing" and c)
    pay.act(HZ_APPROVER, issuing, "reject", "产权存在争议，不予登记")
    done = wait_for("the fee refunded", lambda: (o := pay.order(case["id"]))["status"] == "refunded" and o)
    assert done["refunded_fen"] == 9000
    refunds = pay.sql("SELECT status, kind, amount_fen FROM payment.refunds WHERE order_id = $1", uuid.UUID(order["id"]))
    assert [(r["status"], r["kind"], r["amount_fen"]) for r in refunds] == [("success", "case", 9000)]
    accepted = pay.sql("SELECT count(*) AS n FROM payment.notifications WHERE event_type = 'REFUND.SUCCESS' AND outcome = 'accepted'"
                       " AND out_trade_no = (SELECT paid_out_trade_no FROM payment.orders WHERE id = $1)", uuid.UUID(order["id"]))
    assert accepted[0]["n"] == 1


def test_a_receipt_verifies_and_one_changed_byte_fails(pay: Payments, paid: dict[str, Any], tmp_path: Path) -> None:
    rid = paid["order"]["receipt_id"]
    with pay.client(CITIZEN) as c:
        receipt = c.get(f"/v1/receipts/{rid}").json()
        assert rid in {r["id"] for r in c.get("/v1/receipts", params={"page_size": 500}).json()["items"]}
    with pay.p.client() as c:
        assert c.get(f"/v1/receipts/{rid}/verify").json()["valid"] is True
    document = receipt["document"]
    assert document["amount_fen"] == 9000 and document["case_number"] == paid["case"]["case_number"]
    assert document["verify_url"].endswith(f"/v1/receipts/{rid}/verify")
    held = {"document_json": receipt["document_json"], "signature": receipt["signature"], "key_id": receipt["key_id"]}
    good, bad = tmp_path / "receipt.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(held, ensure_ascii=False))
    changed = receipt["document_json"].replace('"amount_fen":9000', '"amount_fen":9001', 1)
    assert changed != receipt["document_json"]
    bad.write_text(json.dumps({**held, "document_json": changed}, ensure_ascii=False))
    env = {**os.environ, "MGOV_GATEWAY_URL": pay.p.base_url}
    ok = subprocess.run([venv_bin("mgov"), "receipt", "verify", str(good)], env=env, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    refused = subprocess.run([venv_bin("mgov"), "receipt", "verify", str(bad)], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "signature_mismatch" in refused.stderr
    with pay.p.client() as c:
        assert c.post("/v1/receipts/verify", content=bad.read_bytes()).json()["valid"] is False


def test_someone_else_sees_no_payment_of_a_case(pay: Payments, paid: dict[str, Any]) -> None:
    with pay.client(HZ_CLERK) as c:
        resp = c.get(f"/v1/applications/{paid['case']['id']}/payment")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json")


def test_a_payment_whose_notification_was_lost_is_found_by_querying_the_provider(pay: Payments) -> None:
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    clock = pay.p.home / "workflow-clock.json"
    httpx.post(pay.paysim + "/sim/hold-notifications", json={"hold": True}).raise_for_status()
    try:
        pay.confirm(pay.start(order["id"])["pay_url"])
        assert pay.order(case["id"])["status"] == "paying"  # nothing was heard
        # Ten minutes later (the demo clock), the order has been paying past STUCK_AFTER_S.
        clock.write_text(json.dumps({"offset_s": 600}))
        wait_for("the stuck order resolved", lambda: pay.order(case["id"])["status"] == "paid")
    finally:
        clock.unlink(missing_ok=True)
        httpx.post(pay.paysim + "/sim/hold-notifications", json={"hold": False}).raise_for_status()
    advanced = wait_for("the case advanced", lambda: (c := pay.case(case["id"]))["status"] == "issuing" and c)
    assert len(pay_entries(advanced)) == 1
