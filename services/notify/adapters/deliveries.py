"""Deliveries in PostgreSQL: created once per (event, recipient, channel), claimed by
workers with `FOR UPDATE SKIP LOCKED`, finished with a guard on the attempt number so
that a worker whose lease ran out cannot overwrite a newer attempt's result."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from services.notify.domain.delivery import Status

_COLS = ("id, notification_id, event_id, recipient_id, tenant_id, channel, category, template_key, urgent, status, attempts,"
         " next_attempt_at, last_error, destination, provider_message_id, payload, created_at, updated_at")


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    notification_id: uuid.UUID | None
    event_id: uuid.UUID
    recipient_id: str
    tenant_id: str
    channel: str
    category: str
    template_key: str
    urgent: bool
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    destination: str
    provider_message_id: str
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewDelivery:
    event_id: uuid.UUID
    tenant_id: str
    category: str
    template_key: str
    recipient_id: str
    channel: str
    urgent: bool
    status: Status
    next_attempt_at: datetime | None
    error: str
    payload: dict[str, Any]
    notification_id: uuid.UUID | None


class Created(NamedTuple):
    """A delivery just written: what its writer goes on with."""

    id: uuid.UUID
    event_id: uuid.UUID
    recipient_id: str
    tenant_id: str
    channel: str
    category: str
    template_key: str
    status: str
    last_error: str


# What `add_many` gives back of each new delivery (`Created`'s fields).
CREATED = "id, event_id, recipient_id, tenant_id, channel, category, template_key, status, last_error"


def insert_sql(first: int, at: str, *, notification_id: str = "u.notification_id", join: str = "") -> str:
    """`INSERT ... SELECT` of the deliveries given as arrays in parameters `first` to
    `first + 12` (`insert_columns`), a repeated (event, recipient, channel) left out;
    `join` and `notification_id` let a statement that writes the notifications too
    refer only to those it wrote."""
    p = [f"${first + i}" for i in range(13)]
    types = ("uuid", "uuid", "text", "text", "text", "text", "text", "bool", "text", "timestamptz", "text", "text", "uuid")
    return (
        "INSERT INTO deliveries (id, notification_id, event_id, recipient_id, tenant_id, channel, category, template_key, urgent,"
        " status, next_attempt_at, last_error, payload, created_at, updated_at)"
        f" SELECT u.id, {notification_id}, u.event_id, u.recipient_id, u.tenant_id, u.channel, u.category, u.template_key, u.urgent,"
        f" u.status, u.next_attempt_at, u.error, u.payload::jsonb, {at}, {at}"
        f" FROM unnest({', '.join(f'{x}::{t}[]' for x, t in zip(p, types, strict=True))}) AS u(id, event_id, tenant_id, category,"
        " template_key, recipient_id, channel, urgent, status, next_attempt_at, error, payload, notification_id)"
        f" {join} ON CONFLICT (event_id, recipient_id, channel) DO NOTHING")


def insert_columns(rows: list[NewDelivery]) -> list[list[Any]]:
    """The rows as the thirteen arrays `insert_sql` takes (each with a new id)."""
    return [list(c) for c in zip(*[(uuid.uuid4(), r.event_id, r.tenant_id, r.category, r.template_key, r.recipient_id, r.channel, r.urgent,
                                    r.status.value, r.next_attempt_at, r.error, json.dumps(r.payload, ensure_ascii=False),
                                    r.notification_id) for r in rows], strict=True)]


def _d(r: asyncpg.Record) -> Delivery:
    return Delivery(**{k: r[k] for k in _COLS.split(", ")})


class DeliveryRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_many(self, rows: list[NewDelivery], now: datetime) -> list[Created]:
        """Insert the deliveries of any number of events in one statement; a (recipient,
        channel) an event already has is left out. The new ones, briefly."""
        if not rows:
            return []
        found = await self.conn.fetch(insert_sql(1, "$14") + f" RETURNING {CREATED}", *insert_columns(rows), now)
        return [Created(*r) for r in found]

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose time has come (a `sending` one only once its lease ran
        out), locked for this transaction and skipped by every other worker."""
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM deliveries WHERE status IN ('created', 'temporary_failure', 'sending')"
            " AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now, limit,
        )
        return [_d(r) for r in rows]

    async def postpone(self, ids: Sequence[uuid.UUID], until: datetime, now: datetime) -> None:
        await self.conn.execute("UPDATE deliveries SET next_attempt_at = $2, updated_at = $3 WHERE id = ANY($1::uuid[])", list(ids), until, now)

    async def start(self, ids: Sequence[uuid.UUID], now: datetime, lease_until: datetime) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, next_attempt_at = $3, updated_at = $2"
            " WHERE id = ANY($1::uuid[])", list(ids), now, lease_until,
        )

    async def finish(self, delivery_id: uuid.UUID, attempt: int, *, status: Status, next_attempt_at: datetime | None, error: str,
                     destination: str, provider_message_id: str, now: datetime) -> Delivery | None:
        """Record the outcome of attempt `attempt`; None if the row moved on meanwhile."""
        row = await self.conn.fetchrow(
            f"UPDATE deliveries SET status = $3, next_attempt_at = $4, last_error = $5, destination = CASE WHEN $6 = '' THEN destination"
            f" ELSE $6 END, provider_message_id = $7, updated_at = $8 WHERE id = $1 AND attempts = $2 AND status = 'sending'"
            f" RETURNING {_COLS}",
            delivery_id, attempt, status.value, next_attempt_at, error[:2000], destination, provider_message_id, now,
        )
        return _d(row) if row else None

    async def get(self, delivery_id: uuid.UUID) -> Delivery | None:
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM deliveries WHERE id = $1", delivery_id)
        return _d(row) if row else None

    async def page(self, tenants: Sequence[str], *, notification_id: uuid.UUID | None, recipient_id: str, channel: str, status: str,
                   before: tuple[datetime, uuid.UUID] | None, limit: int) -> list[Delivery]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM deliveries WHERE tenant_id = ANY($1::text[]) AND ($2::uuid IS NULL OR notification_id = $2)"
            " AND ($3 = '' OR recipient_id = $3) AND ($4 = '' OR channel = $4) AND ($5 = '' OR status = $5)"
            " AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid)) ORDER BY created_at DESC, id DESC LIMIT $8",
            list(tenants), notification_id, recipient_id, channel, status, before[0] if before else None,
            before[1] if before else None, limit,
        )
        return [_d(r) for r in rows]

    async def bucket(self, tenant_id: str, channel: str) -> tuple[float, datetime] | None:
        row = await self.conn.fetchrow(
            "SELECT tokens, updated_at FROM rate_buckets WHERE tenant_id = $1 AND channel = $2 FOR UPDATE", tenant_id, channel)
        return (float(row["tokens"]), row["updated_at"]) if row else None

    async def save_bucket(self, tenant_id: str, channel: str, tokens: float, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO rate_buckets (tenant_id, channel, tokens, updated_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (tenant_id, channel) DO UPDATE SET tokens = $3, updated_at = $4", tenant_id, channel, tokens, now)
