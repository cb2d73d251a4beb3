"""What a tenant's finance staff do: read its reconciliation findings (and late
payments), and give back part of a paid fee through the provider.

A partial refund is idempotent by the caller's `refund_key`: its `out_refund_no` is
derived from the order and the key, so a repeat (here or at the provider) is the same
refund; several never give back more in all than was paid, counting those still on
their way (`Order.refundable_fen`). Each completes on its own provider notification.
"""

from __future__ import annotations

import re
import uuid

import asyncpg

from mgov_common.errors import AlreadyExists, InvalidArgument, NotFound
from mgov_common.paging import integer, page_size, timestamp
from mgov_common.principal import Principal
from services.payment.service_layer.context import Context
from services.payment.service_layer.orders import parse_id
from services.payment.service_layer.tenant_settings import require_finance

REFUND_KEY = re.compile(r"^[A-Za-z0-9_\-.:]{1,64}$")
MAX_REASON = 80


async def list_findings(ctx: Context, principal: Principal, tenant_id: str, size: int, token: str) -> tuple[list[asyncpg.Record], str]:
    limit = page_size(size)
    query = f"findings:{tenant_id}"
    after = ctx.pages.decode(query, token, (timestamp, integer))
    async with ctx.uow(begin=False) as uow:
        await require_finance(uow, principal, tenant_id)
        rows = await uow.orders.findings(tenant_id, after, limit + 1)  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ctx.pages.encode(query, [rows[-1]["create_time"].isoformat(), rows[-1]["id"]]) if more else ""


def refund_number(order_id: uuid.UUID, refund_key: str) -> str:
    """The provider's out_refund_no of a keyed refund: the same order and key, the same number."""
    return "P" + uuid.uuid5(order_id, refund_key).hex


async def refund(ctx: Context, principal: Principal, order_id: str, amount_fen: int, reason: str, refund_key: str) -> asyncpg.Record:
    oid = parse_id(order_id, "order_id")
    if not REFUND_KEY.fullmatch(refund_key):
        raise InvalidArgument("refund_key is 1-64 of A-Z, a-z, 0-9 and _-.:", code="invalid_refund_key", field="refund_key")
    if amount_fen <= 0:
        raise InvalidArgument("amount_fen is a positive number of fen", code="invalid_amount", field="amount_fen")
    reason = reason.strip() or "退款"
    if len(reason) > MAX_REASON:
        raise InvalidArgument(f"reason is at most {MAX_REASON} characters", code="too_long", field="reason")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        order = await uow.orders.get(oid, for_update=True)
        if order is None:
            raise NotFound("no such payment order", code="payment_not_found")
        try:
            await require_finance(uow, principal, order.tenant_id)
        except NotFound:
            raise NotFound("no such payment order", code="payment_not_found") from None
        existing = await uow.orders.refund_by_key(oid, refund_key)
        if existing is not None:
            if existing["amount_fen"] != amount_fen:
                raise AlreadyExists("this refund_key was used for another amount", code="refund_key_reused")
            return existing
        order.start_refund(amount_fen, reason)
        assert order.paid_out_trade_no is not None
        number = refund_number(oid, refund_key)
        await uow.orders.add_refund(number, oid, order.paid_out_trade_no, amount_fen, reason, "partial", now, refund_key=refund_key,
                                    requested_by=principal.subject)
        await uow.orders.save(order, now)
        row = await uow.orders.refund(number)
        await uow.commit()
    ctx.wake()
    assert row is not None
    return row
