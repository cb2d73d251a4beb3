"""Reconciliation (对账): the provider's trade bill of a day against the orders.

Findings, each stored once per day and kind and transaction, logged at ERROR (the alert)
and published as `reconciliation.mismatch_found` for the tenant's finance staff:

- `unknown_order`: the bill has a payment whose out_trade_no is not ours;
- `missing_locally`: paid at the provider, not paid here (a notification lost);
- `amount_mismatch`: the bill's amount differs from the transaction's;
- `missing_at_provider`: paid here on that day, absent from the bill.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from mgov_common.events.domain import DomainEvent
from services.payment.service_layer.context import Context

log = logging.getLogger(__name__)
CST = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Finding:
    kind: str
    out_trade_no: str
    tenant_id: str | None
    detail: dict[str, Any]


async def reconcile(ctx: Context, day: date, provider: str = "wechatpay") -> list[Finding]:
    bill = await ctx.provider(provider).trade_bill(day)
    start = datetime.combine(day, time(0), CST)
    findings: list[Finding] = []
    async with ctx.uow() as uow:
        local = {r["out_trade_no"]: r for r in await uow.orders.paid_between(start, start + timedelta(days=1))}
        billed = set()
        for line in bill:
            if line.trade_state != "SUCCESS":
                continue
            billed.add(line.out_trade_no)
            tx = local.get(line.out_trade_no) or await uow.orders.transaction(line.out_trade_no)
            if tx is None:
                findings.append(Finding("unknown_order", line.out_trade_no, None, {"bill_amount_fen": line.amount_fen,
                                                                                   "transaction_id": line.transaction_id}))
                continue
            order = await uow.orders.get(tx["order_id"])
            tenant = order.tenant_id if order else None
            if line.amount_fen != tx["amount_fen"]:
                findings.append(Finding("amount_mismatch", line.out_trade_no, tenant, {"bill_amount_fen": line.amount_fen,
                                                                                       "local_amount_fen": tx["amount_fen"]}))
            if tx["status"] not in ("paid", "duplicate"):
                findings.append(Finding("missing_locally", line.out_trade_no, tenant, {"bill_amount_fen": line.amount_fen,
                                                                                       "local_status": tx["status"]}))
        for out_trade_no, r in local.items():
            if out_trade_no not in billed and r["status"] in ("paid", "duplicate"):
                findings.append(Finding("missing_at_provider", out_trade_no, r["tenant_id"], {"local_amount_fen": r["amount_fen"]}))
        now = ctx.clock.now()
        for f in findings:
            if await uow.orders.add_finding(day, f.tenant_id, f.kind, f.out_trade_no, f.detail, now):
                log.error("reconciliation mismatch", extra={"kind": f.kind, "out_trade_no": f.out_trade_no, "bill_date": day.isoformat(),
                                                            "tenant_id": f.tenant_id})
                uow.record(DomainEvent("reconciliation", "mismatch_found", f.tenant_id or "platform", f.out_trade_no,
                                       {"bill_date": day.isoformat(), "kind": f.kind, "out_trade_no": f.out_trade_no,
                                        "tenant_id": f.tenant_id, **f.detail}))
        await uow.commit()
    return findings
