"""The in-app inbox in PostgreSQL. Every query is scoped by the recipient, so an id of
someone else's notification behaves exactly like an unknown one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

_COLS = "id, seq, event_id, recipient_id, tenant_id, category, template_key, locale, title, body, link, data, created_at, read_at"


@dataclass(frozen=True)
class Notification:
    id: uuid.UUID
    seq: int
    event_id: uuid.UUID
    recipient_id: str
    tenant_id: str
    category: str
    template_key: str
    locale: str
    title: str
    body: str
    link: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    def to_live(self) -> dict[str, Any]:
        """The JSON carried on the live subject (the gateway's SSE payload)."""
        return {"id": str(self.id), "recipient_id": self.recipient_id, "tenant_id": self.tenant_id, "category": self.category,
                "title": self.title, "body": self.body, "link": self.link, "data": self.data, "read": self.read_at is not None,
                "read_time": None, "create_time": self.created_at.isoformat().replace("+00:00", "Z"), "event_id": str(self.event_id),
                "locale": self.locale}


@dataclass(frozen=True)
class NewNotification:
    """One in-app notification to write (`data_json`: the plan's data, serialised once)."""

    event_id: uuid.UUID
    recipient_id: str
    tenant_id: str
    category: str
    template_key: str
    locale: str
    title: str
    body: str
    link: str
    data: dict[str, Any]
    data_json: str


def _n(r: asyncpg.Record) -> Notification:
    return Notification(**{k: r[k] for k in _COLS.split(", ")})


def insert_sql(first: int, created_at: str, where: str = "") -> str:
    """`INSERT ... SELECT` of the notifications given as arrays in parameters `first` to
    `first + 10` (`insert_columns`), a repeated (event, recipient) left out; `where`
    filters the rows (a statement that writes other things too)."""
    p = [f"${first + i}" for i in range(11)]
    return (
        "INSERT INTO notifications (id, event_id, recipient_id, tenant_id, category, template_key, locale, title, body, link, data,"
        " created_at) SELECT u.id, u.event_id, u.recipient_id, u.tenant_id, u.category, u.template_key, u.locale, u.title, u.body,"
        f" u.link, u.data::jsonb, {created_at}"
        f" FROM unnest({p[0]}::uuid[], {p[1]}::uuid[], {', '.join(f'{x}::text[]' for x in p[2:])})"
        " AS u(id, event_id, recipient_id, tenant_id, category, template_key, locale, title, body, link, data)"
        f" {where} ON CONFLICT (event_id, recipient_id) DO NOTHING")


def insert_columns(ids: list[uuid.UUID], rows: list[NewNotification]) -> list[list[Any]]:
    """The rows as the eleven arrays `insert_sql` takes."""
    return [list(c) for c in zip(*[(i, r.event_id, r.recipient_id, r.tenant_id, r.category, r.template_key, r.locale, r.title, r.body,
                                    r.link, r.data_json) for i, r in zip(ids, rows, strict=True)], strict=True)]


def made(ids: list[uuid.UUID], rows: list[NewNotification], seqs: dict[uuid.UUID, int], now: datetime) -> list[Notification]:
    """The notifications written (those whose id came back with its seq), in the order given."""
    return [Notification(i, seqs[i], r.event_id, r.recipient_id, r.tenant_id, r.category, r.template_key, r.locale, r.title, r.body,
                         r.link, r.data, now, None) for i, r in zip(ids, rows, strict=True) if i in seqs]


class InboxRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_many(self, rows: list[NewNotification], now: datetime) -> list[Notification]:
        """Insert the notifications of any number of events in one statement; a recipient
        an event already notified is left out."""
        if not rows:
            return []
        ids = [uuid.uuid4() for _ in rows]
        found = await self.conn.fetch(insert_sql(1, "$12") + " RETURNING id, seq", *insert_columns(ids, rows), now)
        return made(ids, rows, {r["id"]: r["seq"] for r in found}, now)

    async def page(self, recipient_id: str, *, unread_only: bool, category: str, before_seq: int | None, limit: int) -> list[Notification]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM notifications WHERE recipient_id = $1 AND ($2::bool IS FALSE OR read_at IS NULL)"
            " AND ($3 = '' OR category = $3) AND ($4::bigint IS NULL OR seq < $4) ORDER BY seq DESC LIMIT $5",
            recipient_id, unread_only, category, before_seq, limit,
        )
        return [_n(r) for r in rows]

    async def seq_of(self, recipient_id: str, notification_id: uuid.UUID) -> int | None:
        return await self.conn.fetchval("SELECT seq FROM notifications WHERE id = $1 AND recipient_id = $2", notification_id, recipient_id)

    async def after(self, recipient_id: str, seq: int, *, category: str, unread_only: bool, limit: int) -> list[Notification]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM notifications WHERE recipient_id = $1 AND seq > $2 AND ($3 = '' OR category = $3)"
            " AND ($4::bool IS FALSE OR read_at IS NULL) ORDER BY seq LIMIT $5",
            recipient_id, seq, category, unread_only, limit,
        )
        return [_n(r) for r in rows]

    async def unread_count(self, recipient_id: str) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL", recipient_id))

    async def owned(self, recipient_id: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.conn.fetch("SELECT id FROM notifications WHERE recipient_id = $1 AND id = ANY($2::uuid[])", recipient_id, ids)
        return {r["id"] for r in rows}

    async def mark_read(self, recipient_id: str, ids: list[uuid.UUID] | None, now: datetime) -> int:
        """Mark the given (or, with None, all) unread notifications of the recipient read."""
        result = await self.conn.execute(
            "UPDATE notifications SET read_at = $3 WHERE recipient_id = $1 AND read_at IS NULL"
            " AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))", recipient_id, ids, now,
        )
        return int(result.split()[-1])
