"""Use cases of payment orders: open one when a case's state awaits payment, start a
payment with the provider, and close or refund when the case ends without the fee.

The merchant account that takes the fee and the outcomes that give it back are the
tenant's settings (`tenant_settings`, inherited down the tree). An order that expires
while its case still awaits payment is followed by a new one (`expire_and_renew`).

Workflow's events arrive through the consumer's transaction (`UnitOfWork.joining`), so
the order and its `order.created` event commit together with the event's id.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from mgov_common.events.envelope import CloudEvent
from mgov_common.principal import Principal
from services.payment.adapters.provider import ProviderUnavailable
from services.payment.adapters.uow import UnitOfWork
from services.payment.domain.order import CREATED, EXPIRED, PAID, PAYING, REFUNDING, Order
from services.payment.service_layer.context import Context
from services.payment.service_layer.tenant_settings import settings_for

log = logging.getLogger(__name__)


class MissingItem(RuntimeError):
    """The case's item version is not in the fee projection yet (retried by the consumer)."""


def parse_id(raw: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError):
        raise InvalidArgument(f"{name} is not a valid id", code="invalid_id", field=name) from None


@dataclass(frozen=True)
class Started:
    order: Order
    out_trade_no: str
    pay_url: str


async def apply_item(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """catalog's item.published: keep the version's fees (versioned with the item)."""
    d = event.data if isinstance(event.data, dict) else {}
    await UnitOfWork.joining(conn).orders.put_item_fees(uuid.UUID(str(d["id"])), int(d["version"]), str(d["tenant_id"]),
                                                        dict(d.get("name") or {}), list(d.get("fees") or []))


async def on_case_event(ctx: Context, conn: asyncpg.Connection, event: CloudEvent) -> None:
    """workflow's application events: open the order when the case's state awaits payment;
    close or refund it when the case is rejected or withdrawn."""
    case: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    uow = UnitOfWork.joining(conn)
    app_id = uuid.UUID(str(case["application_id"]))
    now = ctx.clock.now()
    order = await uow.orders.for_case(app_id, for_update=True)
    tenant = await settings_for(ctx, uow, str(case["tenant_id"]))
    if case.get("awaits_payment") and (order is None or order.status in (EXPIRED, "failed", "refunded")):
        fees = await uow.orders.item_fees(uuid.UUID(str(case["service_id"])), int(case["service_version"]))
        if fees is None:
            raise MissingItem(f"no fees known for {case['service_id']} v{case['service_version']}")
        name, listed = fees
        try:
            new = Order.open_for_case(case=case, fees=listed, item_name=name, now=now, ttl=ctx.order_ttl, provider=tenant.merchant)
        except FailedPrecondition:
            log.warning("a case awaits payment but its item charges nothing", extra={"application_id": str(app_id)})
            return
        await uow.orders.add(new)
    elif order is not None and (outcome := _case_outcome(event, case)):
        if outcome in tenant.refund_on:
            await close_for_case(ctx, uow, order, reason=f"case {case.get('status')}")
        elif order.status in (CREATED, PAYING):
            order.expire()  # the case ended: the fee is no longer due (a paid one is kept, as the tenant chose)
            await uow.orders.save(order, now)
    await uow.commit()


def _case_outcome(event: CloudEvent, case: dict[str, Any]) -> str:
    """'rejected' or 'withdrawn' when the case ended so, else ''. A withdrawal first: its
    terminal state may have the outcome "rejected", whose `rejected` event must not refund
    the fee of a tenant that gives fees back on rejection only."""
    if case.get("action") == "withdraw" and case.get("terminal"):
        return "withdrawn"
    verb = event.type_parts[-1] if event.type_parts else ""
    return "rejected" if verb == "rejected" else ""


async def close_for_case(ctx: Context, uow: UnitOfWork, order: Order, *, reason: str) -> None:
    """The case ended without needing the fee: an unpaid order expires, a paid one is refunded in full."""
    now = ctx.clock.now()
    if order.status in (CREATED, PAYING):
        order.expire()
    elif order.status in (PAID, REFUNDING) and order.paid_out_trade_no and order.refundable_fen() > 0:
        amount = order.refundable_fen()  # the rest: partial refunds already given or on their way count
        order.start_refund(amount, reason)
        await uow.orders.add_refund(f"R{order.paid_out_trade_no}"[:64], order.id, order.paid_out_trade_no, amount, reason, "case", now)
    else:
        return
    await uow.orders.save(order, now)


async def get_for_case(ctx: Context, principal: Principal, application_id: str) -> tuple[Order, str]:
    app_id = parse_id(application_id, "application_id")
    async with ctx.uow(begin=False) as uow:
        order = await uow.orders.for_case(app_id)
        if order is None or order.applicant_id != principal.subject:
            raise NotFound("this case has no payment order", code="payment_not_found")
        r = await uow.orders.receipt_of_order(order.id)
        return order, str(r["id"]) if r else ""


async def start_payment(ctx: Context, principal: Principal, order_id: str, client_ip: str) -> Started:
    """A new provider transaction for the order and the page to confirm it on. The row is
    committed before the provider is called (no lock held over the network); a call that
    fails leaves an open transaction nobody paid, which expires at the provider."""
    oid = parse_id(order_id, "order_id")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        order = await uow.orders.get(oid, for_update=True)
        if order is None or order.applicant_id != principal.subject:
            raise NotFound("no such payment order", code="payment_not_found")
        was = order.status
        order.start_paying(now)
        out_trade_no = uuid.uuid4().hex
        if order.status == PAYING:
            await uow.orders.add_transaction(out_trade_no, order.id, order.amount_fen, now)
            await uow.orders.save(order, now)
        elif was != EXPIRED:  # it expired just now: the case gets its next order
            await uow.orders.save(order, now)
            await renew(ctx, uow, order, now)
        await uow.commit()
    if order.status != PAYING:
        raise FailedPrecondition("the payment order has expired", code="order_expired")
    description = f"{order.item_name.get('zh', '')} {order.case_number}".strip()
    try:
        url = await ctx.provider(order.provider).prepay(out_trade_no=out_trade_no, description=description, amount_fen=order.amount_fen,
                                                        expire_time=order.expire_time, client_ip=client_ip)
    except ProviderUnavailable as exc:
        raise Unavailable(str(exc), code="provider_unavailable") from None
    return Started(order, out_trade_no, url)


async def renew(ctx: Context, uow: UnitOfWork, expired: Order, now: datetime) -> Order | None:
    """The case's next order after `expired` (none when the case has an open one)."""
    tenant = await settings_for(ctx, uow, expired.tenant_id)
    new = expired.renewed(now=now, ttl=ctx.order_ttl, provider=tenant.merchant)
    if not await uow.orders.add(new):
        return None
    log.info("payment order expired; the case has a new one", extra={"order_id": str(expired.id), "new_order_id": str(new.id)})
    return new


async def expire_and_renew(ctx: Context, uow: UnitOfWork, order: Order, now: datetime) -> None:
    """An order past its expiry while its case awaits payment (a case that ended closed
    its order already): it expires for good, and the case gets a new order."""
    order.expire()
    await uow.orders.save(order, now)
    await renew(ctx, uow, order, now)
