"""The provider's notifications (payments and refunds): verified, matched, applied once.

Order of checks, each refusal logged (warning) and kept in `notifications` with its
reason: the platform signature and timestamp, decryption with the APIv3 key, the
merchant, a known transaction (`out_trade_no`) or refund, the amount and the currency.
A notification already applied (the provider retries until it hears 2xx) answers
`duplicate` and changes nothing. A second payment of an order already paid is kept as
a transaction marked `duplicate` and refunded in full automatically; so is a late
payment of an order that had expired or failed (`late`), which is also reported to
the tenant's finance staff as a finding. The order's
`order.paid` event, its receipt and the log row commit in one transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from mgov_common.errors import InvalidArgument, PermissionDenied
from mgov_common.events.domain import DomainEvent
from mgov_common.wechatpay import ProtocolError
from services.payment.adapters.provider import ProviderPayment, ProviderRefund
from services.payment.adapters.uow import UnitOfWork
from services.payment.domain.order import DuplicatePayment, LatePayment
from services.payment.service_layer.reconcile import CST
from services.payment.service_layer import receipts
from services.payment.service_layer.context import Context

log = logging.getLogger(__name__)
ACCEPTED, DUPLICATE, REFUSED = "accepted", "duplicate", "refused"


class Refused(Exception):
    def __init__(self, reason: str, out_trade_no: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.out_trade_no = reason, out_trade_no


async def _refuse(ctx: Context, provider: str, nid: str, event_type: str, reason: str, out_trade_no: str | None) -> None:
    log.warning("payment notification refused", extra={"provider": provider, "reason": reason, "out_trade_no": out_trade_no,
                                                          "notification_id": nid[:64]})
    async with ctx.uow() as uow:
        await uow.orders.log_notification(provider, nid, event_type, REFUSED, reason, out_trade_no, ctx.clock.now())
        await uow.commit()


async def handle(ctx: Context, provider_name: str, headers: dict[str, str], body: bytes) -> str:
    provider = ctx.providers.get(provider_name)
    if provider is None:
        raise InvalidArgument("unknown provider", code="unknown_provider", field="provider")
    now = ctx.clock.now()
    try:
        note = provider.read_notification({k.lower(): v for k, v in headers.items()}, body, now)
    except ProtocolError as exc:
        await _refuse(ctx, provider_name, "", "", exc.code, None)
        raise PermissionDenied("the notification does not verify", code=exc.code) from None
    try:
        async with ctx.uow() as uow:
            if note.payment is not None:
                outcome = await apply_payment(ctx, uow, note.payment, now) if note.event_type == "TRANSACTION.SUCCESS" else DUPLICATE
            else:
                assert note.refund is not None
                outcome = await apply_refund(uow, note.refund, note.event_type, now)
            ref = note.payment.out_trade_no if note.payment else note.refund.out_trade_no if note.refund else None
            await uow.orders.log_notification(provider_name, note.id, note.event_type, outcome, "", ref, now)
            await uow.commit()
        ctx.wake()
    except Refused as exc:
        await _refuse(ctx, provider_name, note.id, note.event_type, exc.reason, exc.out_trade_no)
        raise InvalidArgument("the notification does not match an order", code=exc.reason) from None
    return outcome


async def apply_payment(ctx: Context, uow: UnitOfWork, p: ProviderPayment, now: datetime) -> str:
    """A verified successful payment (from a notification or a query), applied once."""
    if p.trade_state != "SUCCESS":
        raise Refused("not_success", p.out_trade_no)
    tx = await uow.orders.transaction(p.out_trade_no, for_update=True)
    if tx is None:
        raise Refused("unknown_order", p.out_trade_no[:64])
    order = await uow.orders.get(tx["order_id"], for_update=True)
    assert order is not None
    if p.currency != order.currency:
        raise Refused("currency_mismatch", p.out_trade_no)
    if p.amount_fen != tx["amount_fen"] or p.amount_fen != order.amount_fen:
        raise Refused("amount_mismatch", p.out_trade_no)
    if tx["status"] in ("paid", "duplicate", "late"):
        return DUPLICATE
    paid_time = p.success_time or now
    try:
        order.mark_paid(p.out_trade_no, p.transaction_id, paid_time)
    except DuplicatePayment:
        await uow.orders.set_transaction(p.out_trade_no, "duplicate", p.transaction_id, paid_time)
        await uow.orders.add_refund(f"R{p.out_trade_no}", order.id, p.out_trade_no, p.amount_fen, "重复支付退款", "duplicate", now)
        uow.record(DomainEvent("order", "duplicate_paid", order.tenant_id, str(order.id), {
            **order.data(), "duplicate_out_trade_no": p.out_trade_no, "duplicate_transaction_id": p.transaction_id,
            "refund_fen": p.amount_fen}))
        log.warning("second payment of a paid order; refunding it", extra={"order_id": str(order.id), "out_trade_no": p.out_trade_no})
        return ACCEPTED
    except LatePayment:
        await uow.orders.set_transaction(p.out_trade_no, "late", p.transaction_id, paid_time)
        await uow.orders.add_refund(f"L{p.out_trade_no}", order.id, p.out_trade_no, p.amount_fen, "订单已过期，自动退款", "late", now)
        detail = {"order_id": str(order.id), "order_status": order.status, "amount_fen": p.amount_fen, "transaction_id": p.transaction_id,
                  "application_id": str(order.application_id)}
        if await uow.orders.add_finding(paid_time.astimezone(CST).date(), order.tenant_id, "late_payment", p.out_trade_no, detail, now,
                                        order.provider):
            uow.record(DomainEvent("reconciliation", "mismatch_found", order.tenant_id, p.out_trade_no, {
                "bill_date": paid_time.astimezone(CST).date().isoformat(), "kind": "late_payment", "out_trade_no": p.out_trade_no,
                "tenant_id": order.tenant_id, "merchant": order.provider, **detail}))
        uow.record(DomainEvent("order", "late_paid", order.tenant_id, str(order.id), {
            **order.data(), "late_out_trade_no": p.out_trade_no, "late_transaction_id": p.transaction_id, "refund_fen": p.amount_fen}))
        log.warning("payment of an expired order; refunding it", extra={"order_id": str(order.id), "out_trade_no": p.out_trade_no,
                                                                        "order_status": order.status})
        return ACCEPTED
    await uow.orders.set_transaction(p.out_trade_no, "paid", p.transaction_id, paid_time)
    await uow.orders.save(order, now)
    await receipts.issue(ctx, uow, order, now)
    return ACCEPTED


async def apply_refund(uow: UnitOfWork, r: ProviderRefund, event_type: str, now: datetime) -> str:
    row = await uow.orders.refund(r.out_refund_no, for_update=True)
    if row is None or row["out_trade_no"] != r.out_trade_no:
        raise Refused("unknown_refund", r.out_trade_no[:64])
    if r.refund_fen != row["amount_fen"]:
        raise Refused("amount_mismatch", r.out_trade_no)
    if row["status"] in ("success", "abnormal"):
        return DUPLICATE
    status = "success" if event_type == "REFUND.SUCCESS" else "abnormal"
    # Loaded before the refund's row changes: what is on its way still counts this refund.
    order = await uow.orders.get(row["order_id"], for_update=True)
    assert order is not None
    await uow.orders.set_refund(r.out_refund_no, status, r.refund_id, now)
    if status == "abnormal":
        log.error("a refund failed at the provider", extra={"order_id": str(order.id), "out_refund_no": r.out_refund_no})
        return ACCEPTED
    if row["kind"] in ("case", "partial"):
        order.complete_refund(r.refund_fen)
        await uow.orders.save(order, now)
    else:  # a second or a late payment given back: the order itself is unchanged
        uow.record(DomainEvent("order", f"{row['kind']}_refunded", order.tenant_id, str(order.id), {
            **order.data(), f"{row['kind']}_out_trade_no": r.out_trade_no, "refund_fen": r.refund_fen, "out_refund_no": r.out_refund_no}))
    return ACCEPTED
