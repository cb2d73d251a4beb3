"""Electronic receipts: issued in the transaction that marks an order paid, signed with
the platform's Ed25519 key, verifiable by anyone with the published key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.principal import Principal
from services.payment.adapters.uow import UnitOfWork
from services.payment.domain import receipt
from services.payment.domain.order import Order, iso
from services.payment.service_layer.context import Context
from services.payment.service_layer.orders import parse_id

MAX_FILE_BYTES = 64 * 1024


async def issue(ctx: Context, uow: UnitOfWork, order: Order, now: datetime) -> None:
    rid = uuid.uuid4()
    document = {
        "receipt_id": str(rid), "order_id": str(order.id), "application_id": str(order.application_id),
        "case_number": order.case_number, "tenant_id": order.tenant_id, "payer_id": order.applicant_id,
        "item": {"service_id": str(order.service_id), "version": order.service_version, "name": order.item_name},
        "fees": [{"name": f.get("name"), "amount_fen": f.get("amount_fen"), "basis": f.get("basis", "")} for f in order.fees],
        "amount_fen": order.amount_fen, "currency": order.currency, "provider": order.provider,
        "out_trade_no": order.paid_out_trade_no, "transaction_id": order.transaction_id,
        "paid_time": iso(order.paid_time), "issue_time": iso(now),
        "verify_url": f"{ctx.public_base_url.rstrip('/')}/v1/receipts/{rid}/verify",
    }
    text = receipt.canonical(document)
    public = ctx.receipt_key.public_key()
    await uow.orders.add_receipt(rid, order, text, receipt.sign(ctx.receipt_key, text), receipt.key_id(public), now)


async def get(ctx: Context, principal: Principal, receipt_id: str) -> asyncpg.Record:
    rid = parse_id(receipt_id, "receipt_id")
    async with ctx.uow(begin=False) as uow:
        r = await uow.orders.receipt(rid)
    if r is None or r["payer_id"] != principal.subject:
        raise NotFound("no such receipt", code="receipt_not_found")
    return r


async def list_own(ctx: Context, principal: Principal, size: int, token: str) -> tuple[list[asyncpg.Record], str]:
    query = f"receipts:{principal.subject}"
    after = ctx.pages.decode(query, token, (datetime.fromisoformat, uuid.UUID))
    limit = min(size or 50, 500)
    async with ctx.uow(begin=False) as uow:
        rows = await uow.orders.receipts_of(principal.subject, after, limit + 1)  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ctx.pages.encode(query, [rows[-1]["create_time"].isoformat(), str(rows[-1]["id"])]) if more else ""


async def verify(ctx: Context, receipt_id: str, file: bytes) -> tuple[bool, str, asyncpg.Record | None]:
    """A stored receipt by id (its stored bytes checked), or a held file's content."""
    if file:
        if len(file) > MAX_FILE_BYTES:
            raise InvalidArgument("a receipt file is at most 64 KiB", code="too_large", field="file")
        ok, why, _ = receipt.verify_file(file, ctx.receipt_keys())
        return ok, why, None
    rid = parse_id(receipt_id, "receipt_id")
    async with ctx.uow(begin=False) as uow:
        r = await uow.orders.receipt(rid)
    if r is None:
        raise NotFound("no such receipt", code="receipt_not_found")
    key = ctx.receipt_keys().get(r["key_id"])
    if key is None:
        return False, "unknown_key", r
    ok = receipt.verify(key, r["document_json"], r["signature"])
    return ok, "" if ok else "signature_mismatch", r


def jwks(ctx: Context) -> dict[str, Any]:
    return {"keys": [receipt.jwk(k) for k in ctx.receipt_keys().values()]}
