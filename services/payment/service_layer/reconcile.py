"""Reconciliation (对账): each merchant account's trade bill of a day against the orders
paid through that account.

Findings, each stored once per day and kind and transaction, logged at ERROR (the alert)
and published as `reconciliation.mismatch_found` for the tenant's finance staff:

- `unknown_order`: the bill has a payment whose out_trade_no is not ours;
- `missing_locally`: paid at the provider, not paid here (a notification lost);
- `amount_mismatch`: the bill's amount differs from the transaction's;
- `missing_at_provider`: paid here on that day, absent from the bill.

A finding about a payment of ours belongs to its order's tenant; one about a payment
we never made (`unknown_order`) to the tenant nearest the root whose settings name the
merchant account (none for the default account: the platform's).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from mgov_common.events.domain import DomainEvent
from mgov_common.metrics import PAYMENT_FINDINGS
from services.payment.service_layer.context import Context

log = logging.getLogger(__name__)
CST = timezone(timedelta(hours=8))
FINDING_KINDS = ("unknown_order", "missing_locally", "amount_mismatch", "missing_at_provider", "late_payment")


@dataclass(frozen=True)
class Finding:
    kind: str
    out_trade_no: str
    tenant_id: str | None
    detail: dict[str, Any]
    merchant: str = ""


async def owner_of(uow: Any, merchant: str) -> str | None:
    """The tenant nearest the root whose settings name `merchant`."""
    named = await uow.orders.tenants_of_merchant(merchant)
    depth = {t: len(await uow.tenants.chain(t)) for t in named}
    return min(named, key=lambda t: (depth[t], t)) if named else None


async def reconcile(ctx: Context, day: date, merchant: str) -> list[Finding]:
    bill = await ctx.provider(merchant).trade_bill(day)
    start = datetime.combine(day, time(0), CST)
    findings: list[Finding] = []
    async with ctx.uow() as uow:
        owner = await owner_of(uow, merchant)
        local = {r["out_trade_no"]: r for r in await uow.orders.paid_between(start, start + timedelta(days=1), merchant)}
        billed = set()
        for line in bill:
            if line.trade_state != "SUCCESS":
                continue
            billed.add(line.out_trade_no)
            tx = local.get(line.out_trade_no) or await uow.orders.transaction(line.out_trade_no)
            if tx is None:
                findings.append(Finding("unknown_order", line.out_trade_no, owner, {"bill_amount_fen": line.amount_fen,
                                                                                    "transaction_id": line.transaction_id}))
                continue
            order = await uow.orders.get(tx["order_id"])
            tenant = order.tenant_id if order else None
            of_order = {"order_id": str(tx["order_id"])}  # finance staff act on the order (a refund) from the finding
            if line.amount_fen != tx["amount_fen"]:
                findings.append(Finding("amount_mismatch", line.out_trade_no, tenant, {"bill_amount_fen": line.amount_fen,
                                                                                       "local_amount_fen": tx["amount_fen"], **of_order}))
            if tx["status"] not in ("paid", "duplicate", "late"):
                findings.append(Finding("missing_locally", line.out_trade_no, tenant, {"bill_amount_fen": line.amount_fen,
                                                                                       "local_status": tx["status"], **of_order}))
        for out_trade_no, r in local.items():
            if out_trade_no not in billed and r["status"] in ("paid", "duplicate", "late"):
                findings.append(Finding("missing_at_provider", out_trade_no, r["tenant_id"], {"local_amount_fen": r["amount_fen"],
                                                                                          "order_id": str(r["order_id"])}))
        now = ctx.clock.now()
        for f in findings:
            if await uow.orders.add_finding(day, f.tenant_id, f.kind, f.out_trade_no, f.detail, now, merchant):
                log.error("reconciliation mismatch", extra={"kind": f.kind, "out_trade_no": f.out_trade_no, "bill_date": day.isoformat(),
                                                            "tenant_id": f.tenant_id, "merchant": merchant})
                uow.record(DomainEvent("reconciliation", "mismatch_found", f.tenant_id or "platform", f.out_trade_no,
                                       {"bill_date": day.isoformat(), "kind": f.kind, "out_trade_no": f.out_trade_no,
                                        "tenant_id": f.tenant_id, "merchant": merchant, **f.detail}))
        await uow.commit()
    return [Finding(f.kind, f.out_trade_no, f.tenant_id, f.detail, merchant) for f in findings]


async def observe_findings(ctx: Context) -> None:
    """The alert's gauge: findings recorded in the last 24 hours, by kind (0 for the
    kinds with none, so the series exist before the first mismatch)."""
    async with ctx.uow(begin=False) as uow:
        counts = {r["kind"]: r["n"] for r in await uow.orders.findings_since(ctx.clock.now() - timedelta(days=1))}
    for kind in FINDING_KINDS:
        PAYMENT_FINDINGS.labels(kind).set(counts.get(kind, 0))
