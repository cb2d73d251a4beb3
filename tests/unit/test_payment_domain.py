"""The payment order's state machine, fees in fen, receipts' signatures and the WeChat
Pay v3 primitives (signatures, AES-256-GCM resources, the trade bill) as pure code."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgov_common import wechatpay as wx
from mgov_common.errors import FailedPrecondition
from services.payment.domain import receipt
from services.payment.domain.order import DuplicatePayment, Order, fees_due

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
CASE = {"tenant_id": "hangzhou", "application_id": str(uuid.uuid4()), "case_number": "HZ-2026-000001", "applicant_id": "u1",
        "service_id": str(uuid.uuid4()), "service_version": 3}
FEES = [{"name": {"zh": "登记费"}, "amount_fen": 8000}, {"name": {"zh": "工本费"}, "amount_fen": 1000, "payer": "applicant"},
        {"name": {"zh": "对方承担"}, "amount_fen": 500, "payer": "other"}]


def order() -> Order:
    return Order.open_for_case(case=CASE, fees=FEES, item_name={"zh": "不动产登记"}, now=NOW, ttl=timedelta(days=7), provider="wechatpay")


def test_an_order_charges_the_applicants_fees_in_integer_fen() -> None:
    due, total = fees_due(FEES)
    assert total == 9000 and len(due) == 2
    o = order()
    assert o.amount_fen == 9000 and isinstance(o.amount_fen, int) and o.status == "created"
    assert [e.verb for e in o.events] == ["created"]


def test_an_item_charging_the_applicant_nothing_opens_no_order() -> None:
    with pytest.raises(FailedPrecondition):
        Order.open_for_case(case=CASE, fees=[FEES[2]], item_name={}, now=NOW, ttl=timedelta(days=1), provider="wechatpay")


def test_a_paid_order_is_paid_once_and_a_second_transaction_is_a_duplicate() -> None:
    o = order()
    o.start_paying(NOW)
    o.mark_paid("tx1", "wx1", NOW)
    o.mark_paid("tx1", "wx1", NOW)  # the same payment reported again changes nothing
    assert o.status == "paid" and [e.verb for e in o.events].count("paid") == 1
    with pytest.raises(DuplicatePayment):
        o.mark_paid("tx2", "wx2", NOW)


def test_an_expired_order_cannot_start_paying_and_an_unpaid_one_cannot_be_refunded() -> None:
    o = order()
    o.start_paying(NOW + timedelta(days=8))
    assert o.status == "expired"
    with pytest.raises(FailedPrecondition):
        o.start_paying(NOW)
    fresh = order()
    with pytest.raises(FailedPrecondition):
        fresh.start_refund(100, "no")


def test_a_refund_never_exceeds_what_was_paid_and_a_full_one_ends_refunded() -> None:
    o = order()
    o.start_paying(NOW)
    o.mark_paid("tx1", "wx1", NOW)
    with pytest.raises(FailedPrecondition):
        o.start_refund(9001, "too much")
    o.start_refund(9000, "case rejected")
    o.complete_refund(9000)
    assert o.status == "refunded" and o.refunded_fen == 9000


def test_a_receipt_verifies_and_one_changed_byte_does_not() -> None:
    key = Ed25519PrivateKey.generate()
    text = receipt.canonical({"amount_fen": 9000, "payer_id": "u1", "item": {"name": {"zh": "不动产登记"}}})
    held = {"document_json": text, "signature": receipt.sign(key, text), "key_id": receipt.key_id(key.public_key())}
    keys = {held["key_id"]: receipt.public_from_jwk(receipt.jwk(key.public_key()))}
    assert receipt.verify_file(json.dumps(held).encode(), keys)[:2] == (True, "")
    tampered = {**held, "document_json": text.replace("9000", "9001")}
    assert receipt.verify_file(json.dumps(tampered).encode(), keys)[:2] == (False, "signature_mismatch")
    assert receipt.verify_file(b"not json", keys)[:2] == (False, "malformed")
    assert receipt.verify_file(json.dumps({**held, "key_id": "other"}).encode(), keys)[:2] == (False, "unknown_key")


def test_a_request_signature_verifies_with_the_merchant_key_only_over_the_exact_request() -> None:
    merchant = wx.new_rsa_key()
    header = wx.authorization(merchant, mchid="1900000109", serial_no="S1", method="POST", path_with_query="/v3/pay/transactions/h5",
                              body='{"a":1}', timestamp=1700000000)
    auth = wx.parse_authorization(header)
    message = wx.request_message("POST", "/v3/pay/transactions/h5", auth.timestamp, auth.nonce_str, '{"a":1}')
    assert wx.verify(merchant.public_key(), message, auth.signature)
    assert not wx.verify(merchant.public_key(), message.replace('"a":1', '"a":2'), auth.signature)
    assert not wx.verify(wx.new_rsa_key().public_key(), message, auth.signature)


def test_a_notification_is_accepted_only_signed_by_the_platform_key_and_fresh() -> None:
    platform = wx.new_rsa_key()
    keys = {"PUB_KEY_ID_1": platform.public_key()}
    body = '{"id":"n1"}'
    headers = {k.lower(): v for k, v in wx.platform_headers(platform, "PUB_KEY_ID_1", body, 1700000000).items()}
    wx.verify_platform(keys, headers, body, 1700000000)
    for bad, code in (({**headers, "wechatpay-serial": "PUB_KEY_ID_2"}, "unknown_key"),
                      ({**headers, "wechatpay-timestamp": "1699990000"}, "stale_timestamp")):
        with pytest.raises(wx.ProtocolError) as exc:
            wx.verify_platform(keys, bad, body, 1700000000)
        assert exc.value.code == code
    with pytest.raises(wx.ProtocolError) as exc:
        wx.verify_platform(keys, headers, '{"id":"n2"}', 1700000000)
    assert exc.value.code == "bad_signature"


def test_an_encrypted_resource_decrypts_only_with_the_apiv3_key_and_its_associated_data() -> None:
    key = b"0123456789abcdef0123456789abcdef"
    resource = wx.encrypt_resource(key, {"out_trade_no": "t1", "amount": {"total": 9000}}, "transaction", "transaction")
    assert wx.decrypt_resource(key, resource)["amount"]["total"] == 9000
    with pytest.raises(wx.ProtocolError):
        wx.decrypt_resource(b"x" * 32, resource)
    with pytest.raises(wx.ProtocolError):
        wx.decrypt_resource(key, {**resource, "associated_data": "refund"})


def test_the_trade_bill_round_trips_amounts_exactly_in_fen() -> None:
    lines = [wx.BillLine("2026-11-30T10:00:00+08:00", "42001", "tx1", "SUCCESS", "CNY", 9000),
             wx.BillLine("2026-11-30T11:00:00+08:00", "42002", "tx2", "SUCCESS", "CNY", 1)]
    text = wx.render_bill(lines, appid="wx1", mchid="1900000109")
    assert "`90.00" in text and "`0.01" in text
    assert wx.parse_bill(text) == lines
    assert wx.fen("0.10") == 10
    with pytest.raises(wx.ProtocolError):
        wx.fen("0.001")


def test_a_late_payment_of_an_expired_order_is_refused_and_the_case_gets_a_new_order() -> None:
    from services.payment.domain.order import LatePayment

    o = order()
    o.start_paying(NOW)
    o.expire()
    with pytest.raises(LatePayment):
        o.mark_paid("tx1", "wx1", NOW + timedelta(days=8))
    with pytest.raises(FailedPrecondition) as refused:
        o.start_paying(NOW)
    assert refused.value.code == "order_expired" and o.status == "expired"
    new = o.renewed(now=NOW + timedelta(days=8), ttl=timedelta(days=7), provider="wechatpay")
    assert new.id != o.id and new.status == "created" and new.amount_fen == o.amount_fen and new.application_id == o.application_id
    assert new.expire_time == NOW + timedelta(days=15) and new.events[-1].data["renews_order_id"] == str(o.id)
    with pytest.raises(FailedPrecondition):
        order().renewed(now=NOW, ttl=timedelta(days=1), provider="wechatpay")  # an open order is not renewed


def test_partial_refunds_in_flight_count_and_never_exceed_what_was_paid() -> None:
    o = order()
    o.start_paying(NOW)
    o.mark_paid("tx1", "wx1", NOW)
    o.start_refund(3000, "partial")
    o.start_refund(2000, "partial")
    assert o.status == "refunding" and o.refundable_fen() == 4000
    with pytest.raises(FailedPrecondition):
        o.start_refund(4001, "more than is left")
    o.complete_refund(3000)
    assert o.status == "refunding" and o.refunded_fen == 3000  # the second is still on its way
    o.complete_refund(2000)
    assert o.status == "paid" and o.refunded_fen == 5000 and o.refundable_fen() == 4000
    o.start_refund(4000, "the rest")
    o.complete_refund(4000)
    assert o.status == "refunded" and o.refundable_fen() == 0


def test_payment_settings_are_inherited_from_the_nearest_tenant_that_says() -> None:
    from services.payment.domain.tenant_settings import TenantRow, check_merchant, check_refund_on, resolve

    default = frozenset({"rejected", "withdrawn"})
    province = TenantRow("zhejiang", "wechatpay", None)
    city = TenantRow("hangzhou", "wechatpay-hz", ("rejected",))
    county = resolve([None, city, province], "wechatpay", default)
    assert (county.merchant, county.refund_on, county.merchant_from) == ("wechatpay-hz", frozenset({"rejected"}), "hangzhou")
    other_city = resolve([None, province], "wechatpay", default)
    assert (other_city.merchant, other_city.refund_on, other_city.refund_on_from) == ("wechatpay", default, "")
    assert resolve([], "wechatpay", default).merchant == "wechatpay"
    assert resolve([TenantRow("xihu", "wechatpay-hz", ())], "x", default).refund_on == frozenset()  # refunds turned off
    with pytest.raises(Exception):
        check_merchant("../etc")
    with pytest.raises(Exception):
        check_refund_on(["rejected", "approved"])
