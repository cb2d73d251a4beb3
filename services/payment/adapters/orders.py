"""Orders, provider transactions, refunds, receipts and the notification log in PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.payment.domain.order import OPEN, Order
from services.payment.domain.tenant_settings import TenantRow

_ORDER_COLS = ("id, tenant_id, application_id, case_number, applicant_id, service_id, service_version, item_name, fees, amount_fen, "
               "currency, provider, status, paid_out_trade_no, transaction_id, paid_time, refunded_fen, expire_time, create_time, version, "
               "(SELECT COALESCE(sum(r.amount_fen), 0) FROM refunds r WHERE r.order_id = orders.id AND r.status IN ('requested', 'processing')"
               " AND r.kind IN ('case', 'partial'))::bigint AS pending_refund_fen")


def _order(r: asyncpg.Record) -> Order:
    return Order(r["id"], r["tenant_id"], r["application_id"], r["case_number"], r["applicant_id"], r["service_id"], r["service_version"],
                 json.loads(r["item_name"]), json.loads(r["fees"]), r["amount_fen"], r["expire_time"], r["create_time"],
                 provider=r["provider"], currency=r["currency"], status=r["status"], paid_out_trade_no=r["paid_out_trade_no"],
                 transaction_id=r["transaction_id"], paid_time=r["paid_time"], refunded_fen=r["refunded_fen"], version=r["version"],
                 pending_refund_fen=r["pending_refund_fen"])


class OrderRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: list[Order] = []

    def _keep(self, order: Order | None) -> Order | None:
        if order is not None:
            self.seen.append(order)
        return order

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        r = await self.conn.fetchrow(f"SELECT {_ORDER_COLS} FROM orders WHERE id = $1" + (" FOR UPDATE" if for_update else ""), order_id)
        return self._keep(_order(r)) if r else None

    async def for_case(self, application_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        """The open order of a case, else its latest."""
        r = await self.conn.fetchrow(
            f"SELECT {_ORDER_COLS} FROM orders WHERE application_id = $1 ORDER BY status = ANY($2::text[]) DESC, create_time DESC LIMIT 1"
            + (" FOR UPDATE" if for_update else ""), application_id, list(OPEN))
        return self._keep(_order(r)) if r else None

    async def add(self, o: Order) -> bool:
        """False when the case already has an open order (the unique index decides)."""
        done = await self.conn.fetchval(
            "INSERT INTO orders (id, tenant_id, application_id, case_number, applicant_id, service_id, service_version, item_name, fees,"
            " amount_fen, currency, provider, status, expire_time, create_time, update_time, version)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $15, $16)"
            " ON CONFLICT (application_id) WHERE status IN ('created', 'paying', 'paid', 'refunding') DO NOTHING RETURNING true",
            o.id, o.tenant_id, o.application_id, o.case_number, o.applicant_id, o.service_id, o.service_version,
            json.dumps(o.item_name, ensure_ascii=False), json.dumps(o.fees, ensure_ascii=False), o.amount_fen, o.currency, o.provider,
            o.status, o.expire_time, o.create_time, o.version)
        if done:
            self.seen.append(o)
        return bool(done)

    async def save(self, o: Order, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE orders SET status = $2, paid_out_trade_no = $3, transaction_id = $4, paid_time = $5, refunded_fen = $6,"
            " version = $7, update_time = $8 WHERE id = $1",
            o.id, o.status, o.paid_out_trade_no, o.transaction_id, o.paid_time, o.refunded_fen, o.version, now)

    async def stuck_paying(self, before: datetime, limit: int = 100) -> list[uuid.UUID]:
        rows = await self.conn.fetch("SELECT id FROM orders WHERE status = 'paying' AND update_time < $1 ORDER BY update_time LIMIT $2",
                                     before, limit)
        return [r["id"] for r in rows]

    # -- provider transactions
    async def add_transaction(self, out_trade_no: str, order_id: uuid.UUID, amount_fen: int, now: datetime) -> None:
        await self.conn.execute("INSERT INTO transactions (out_trade_no, order_id, amount_fen, status, create_time) VALUES ($1, $2, $3, 'open', $4)",
                                out_trade_no, order_id, amount_fen, now)

    async def transaction(self, out_trade_no: str, *, for_update: bool = False) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM transactions WHERE out_trade_no = $1" + (" FOR UPDATE" if for_update else ""),
                                        out_trade_no)

    async def set_transaction(self, out_trade_no: str, status: str, transaction_id: str | None, paid_time: datetime | None) -> None:
        await self.conn.execute("UPDATE transactions SET status = $2, transaction_id = $3, paid_time = $4 WHERE out_trade_no = $1",
                                out_trade_no, status, transaction_id, paid_time)

    async def transactions_of(self, order_id: uuid.UUID) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT * FROM transactions WHERE order_id = $1 ORDER BY create_time", order_id))

    # -- refunds
    async def add_refund(self, out_refund_no: str, order_id: uuid.UUID, out_trade_no: str, amount_fen: int, reason: str, kind: str,
                         now: datetime, *, refund_key: str | None = None, requested_by: str | None = None) -> bool:
        done = await self.conn.fetchval(
            "INSERT INTO refunds (out_refund_no, order_id, out_trade_no, amount_fen, reason, kind, status, create_time, update_time,"
            " refund_key, requested_by) VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING true",
            out_refund_no, order_id, out_trade_no, amount_fen, reason, kind, now, refund_key, requested_by)
        return bool(done)

    async def refund_by_key(self, order_id: uuid.UUID, refund_key: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM refunds WHERE order_id = $1 AND refund_key = $2", order_id, refund_key)

    async def refund(self, out_refund_no: str, *, for_update: bool = False) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM refunds WHERE out_refund_no = $1" + (" FOR UPDATE" if for_update else ""),
                                        out_refund_no)

    async def refunds_to_send(self, limit: int = 50) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT * FROM refunds WHERE status = 'requested' ORDER BY create_time LIMIT $1", limit))

    async def set_refund(self, out_refund_no: str, status: str, refund_id: str | None, now: datetime) -> None:
        await self.conn.execute("UPDATE refunds SET status = $2, refund_id = COALESCE($3, refund_id), update_time = $4 WHERE out_refund_no = $1",
                                out_refund_no, status, refund_id, now)

    # -- the notification log
    async def log_notification(self, provider: str, notification_id: str, event_type: str, outcome: str, reason: str,
                               out_trade_no: str | None, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO notifications (provider, notification_id, event_type, outcome, reason, out_trade_no, receive_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)", provider, notification_id[:128], event_type[:64], outcome, reason[:200],
            out_trade_no[:64] if out_trade_no else None, now)

    async def notifications(self, outcome: str | None = None) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT * FROM notifications WHERE $1::text IS NULL OR outcome = $1 ORDER BY id", outcome))

    # -- receipts
    async def add_receipt(self, rid: uuid.UUID, o: Order, document_json: str, signature: str, key_id: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO receipts (id, order_id, application_id, payer_id, tenant_id, document_json, signature, key_id, create_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (order_id) DO NOTHING",
            rid, o.id, o.application_id, o.applicant_id, o.tenant_id, document_json, signature, key_id, now)

    async def receipt(self, rid: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM receipts WHERE id = $1", rid)

    async def receipt_of_order(self, order_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM receipts WHERE order_id = $1", order_id)

    async def receipts_of(self, payer_id: str, after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
        if after is None:
            return list(await self.conn.fetch("SELECT * FROM receipts WHERE payer_id = $1 ORDER BY create_time DESC, id DESC LIMIT $2",
                                              payer_id, limit))
        return list(await self.conn.fetch(
            "SELECT * FROM receipts WHERE payer_id = $1 AND (create_time, id) < ($2, $3) ORDER BY create_time DESC, id DESC LIMIT $4",
            payer_id, after[0], after[1], limit))

    # -- item fees (projection of catalog's item.published)
    async def put_item_fees(self, service_id: uuid.UUID, version: int, tenant_id: str, name: dict[str, Any], fees: list[Any]) -> None:
        await self.conn.execute(
            "INSERT INTO item_fees (service_id, version, tenant_id, name, fees) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)"
            " ON CONFLICT DO NOTHING", service_id, version, tenant_id, json.dumps(name, ensure_ascii=False),
            json.dumps(fees, ensure_ascii=False))

    async def item_fees(self, service_id: uuid.UUID, version: int) -> tuple[dict[str, str], list[dict[str, Any]]] | None:
        r = await self.conn.fetchrow("SELECT name, fees FROM item_fees WHERE service_id = $1 AND version = $2", service_id, version)
        return (json.loads(r["name"]), json.loads(r["fees"])) if r else None

    # -- reconciliation
    async def paid_between(self, start: datetime, end: datetime, merchant: str) -> list[asyncpg.Record]:
        """The transactions of the merchant account's orders paid in [start, end)."""
        return list(await self.conn.fetch(
            "SELECT t.out_trade_no, t.order_id, t.amount_fen, t.status, t.transaction_id, o.tenant_id FROM transactions t JOIN orders o ON o.id = t.order_id"
            " WHERE t.paid_time >= $1 AND t.paid_time < $2 AND o.provider = $3", start, end, merchant))

    async def add_finding(self, bill_date: date, tenant_id: str | None, kind: str, out_trade_no: str, detail: dict[str, Any],
                          now: datetime, merchant: str | None = None) -> bool:
        done = await self.conn.fetchval(
            "INSERT INTO reconciliation_findings (bill_date, tenant_id, kind, out_trade_no, detail, create_time, merchant)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT DO NOTHING RETURNING true",
            bill_date, tenant_id, kind, out_trade_no, json.dumps(detail, ensure_ascii=False), now, merchant)
        return bool(done)

    async def findings(self, tenant_id: str, after: tuple[datetime, int] | None, limit: int) -> list[asyncpg.Record]:
        """A tenant's findings, newest first, after a (create_time, id) cursor."""
        if after is None:
            return list(await self.conn.fetch(
                "SELECT * FROM reconciliation_findings WHERE tenant_id = $1 ORDER BY create_time DESC, id DESC LIMIT $2", tenant_id, limit))
        return list(await self.conn.fetch(
            "SELECT * FROM reconciliation_findings WHERE tenant_id = $1 AND (create_time, id) < ($2, $3)"
            " ORDER BY create_time DESC, id DESC LIMIT $4", tenant_id, after[0], after[1], limit))

    async def findings_since(self, since: datetime) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT kind, count(*) AS n FROM reconciliation_findings WHERE create_time >= $1 GROUP BY kind",
                                          since))

    # -- settings per tenant
    async def tenant_rows(self, tenant_ids: list[str]) -> dict[str, TenantRow]:
        rows = await self.conn.fetch("SELECT tenant_id, merchant, refund_on FROM tenant_settings WHERE tenant_id = ANY($1::text[])",
                                     tenant_ids)
        return {r["tenant_id"]: TenantRow(r["tenant_id"], r["merchant"], tuple(r["refund_on"]) if r["refund_on"] is not None else None)
                for r in rows}

    async def put_tenant_settings(self, tenant_id: str, merchant: str, refund_on: tuple[str, ...] | None, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO tenant_settings (tenant_id, merchant, refund_on, update_time) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (tenant_id) DO UPDATE SET merchant = EXCLUDED.merchant, refund_on = EXCLUDED.refund_on,"
            " update_time = EXCLUDED.update_time", tenant_id, merchant, list(refund_on) if refund_on is not None else None, now)

    async def tenants_of_merchant(self, merchant: str) -> list[str]:
        return [r["tenant_id"] for r in await self.conn.fetch("SELECT tenant_id FROM tenant_settings WHERE merchant = $1", merchant)]
