"""The payment service's background work, each step its own short transaction:

- refunds waiting to be sent (a second payment, a rejected or withdrawn case) go to the
  provider's refund API; `out_refund_no` makes a repeat harmless at the provider;
- an order stuck in `paying` is resolved by asking the provider about each of its
  transactions (a payment whose notification never came is applied like one);
- unpaid orders past their expiry expire, and their cases get new orders.
"""

from __future__ import annotations

import asyncio
import logging

from services.payment.adapters.provider import ProviderUnavailable
from services.payment.service_layer import notifications, orders
from services.payment.service_layer.context import Context

log = logging.getLogger(__name__)


async def send_refunds(ctx: Context) -> int:
    sent = 0
    async with ctx.uow() as uow:
        rows = await uow.conn.fetch("SELECT r.*, o.provider, t.amount_fen AS total_fen FROM refunds r JOIN orders o ON o.id = r.order_id"
                                    " JOIN transactions t ON t.out_trade_no = r.out_trade_no"
                                    " WHERE r.status = 'requested' ORDER BY r.create_time LIMIT 20 FOR UPDATE OF r SKIP LOCKED")
        for r in rows:
            try:
                answer = await ctx.provider(r["provider"]).refund(out_trade_no=r["out_trade_no"], out_refund_no=r["out_refund_no"],
                                                                  refund_fen=r["amount_fen"], total_fen=r["total_fen"], reason=r["reason"])
            except ProviderUnavailable:
                log.warning("refund not sent; will retry", extra={"out_refund_no": r["out_refund_no"]})
                continue
            await uow.orders.set_refund(r["out_refund_no"], "processing", answer.refund_id, ctx.clock.now())
            sent += 1
        await uow.commit()
    return sent


async def resolve_stuck(ctx: Context) -> int:
    """Paying orders with no news since `stuck_after`: ask the provider."""
    now = ctx.clock.now()
    resolved = 0
    async with ctx.uow(begin=False) as uow:
        stuck = await uow.orders.stuck_paying(now - ctx.stuck_after)
    for order_id in stuck:
        async with ctx.uow() as uow:
            order = await uow.orders.get(order_id, for_update=True)
            if order is None or order.status != "paying":
                continue
            txs = await uow.orders.transactions_of(order_id)
            open_left = 0
            for tx in txs:
                if tx["status"] != "open":
                    continue
                try:
                    found = await ctx.provider(order.provider).query(tx["out_trade_no"])
                except ProviderUnavailable:
                    open_left += 1
                    continue
                if found is not None and found.trade_state in ("CLOSED", "PAYERROR", "REVOKED"):
                    await uow.orders.set_transaction(tx["out_trade_no"], "closed", None, None)
                    continue
                open_left += 1
                if found is not None and found.trade_state == "SUCCESS":
                    try:
                        await notifications.apply_payment(ctx, uow, found, now)
                        resolved += 1
                    except notifications.Refused as exc:
                        log.error("the provider's answer does not match the order", extra={"order_id": str(order_id), "reason": exc.reason})
                    break
            else:
                if txs and open_left == 0:
                    order.fail()  # every attempt was closed or failed at the provider
                    await uow.orders.save(order, now)
                    resolved += 1
                elif now >= order.expire_time:
                    await orders.expire_and_renew(ctx, uow, order, now)
                    resolved += 1
                else:
                    await uow.orders.save(order, now)  # asked: wait another period
            await uow.commit()
    return resolved


async def expire_unpaid(ctx: Context) -> int:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        rows = await uow.conn.fetch("SELECT id FROM orders WHERE status = 'created' AND expire_time <= $1 LIMIT 100 FOR UPDATE SKIP LOCKED", now)
        for r in rows:
            order = await uow.orders.get(r["id"])
            assert order is not None
            await orders.expire_and_renew(ctx, uow, order, now)
        await uow.commit()
    return len(rows)


async def run(ctx: Context, poll_s: float, wake: asyncio.Event) -> None:
    while True:
        for step in (send_refunds, resolve_stuck, expire_unpaid):
            try:
                await step(ctx)
            except Exception:  # noqa: BLE001 - one step's failure must not stop the others
                log.exception("payment worker step failed", extra={"step": step.__name__})
        try:
            async with asyncio.timeout(poll_s):
                await wake.wait()
        except TimeoutError:
            pass
        wake.clear()
