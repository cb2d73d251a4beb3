"""asyncpg repositories of notices, opt-outs and idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.errors import AlreadyExists
from services.catalog.domain.notice import Notice

_NOTICES = """
WITH RECURSIVE chain AS (
    SELECT id, parent_id, 0 AS depth FROM tenants WHERE id = $1
    UNION ALL
    SELECT t.id, t.parent_id, c.depth + 1 FROM tenants t JOIN chain c ON t.id = c.parent_id WHERE NOT $2::bool AND c.depth < 10
)
SELECT n.* FROM notices n
 WHERE n.tenant_id IN (SELECT id FROM chain)
   AND ($3::text IS NULL OR n.category = $3)
   AND ($4::timestamptz IS NULL OR (n.publish_time, n.id) < ($4, $5::uuid))
 ORDER BY n.publish_time DESC, n.id DESC
 LIMIT $6
"""


def notice_from_row(row: asyncpg.Record) -> Notice:
    return Notice(row["id"], row["tenant_id"], row["title"], row["body"], row["category"], row["publish_time"], row["published_by"])


class NoticeRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: list[Notice] = []

    async def add(self, notice: Notice) -> None:
        await self.conn.execute(
            "INSERT INTO notices (id, tenant_id, title, body, category, publish_time, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            notice.id, notice.tenant_id, notice.title, notice.body, notice.category, notice.publish_time, notice.published_by,
        )
        self.seen.append(notice)

    async def get(self, notice_id: uuid.UUID) -> Notice | None:
        row = await self.conn.fetchrow("SELECT * FROM notices WHERE id = $1", notice_id)
        return notice_from_row(row) if row else None

    async def list(self, tenant_id: str, *, own_only: bool, category: str | None,
                   after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[Notice]:
        rows = await self.conn.fetch(_NOTICES, tenant_id, own_only, category, after[0] if after else None, after[1] if after else None, limit)
        return [notice_from_row(r) for r in rows]


class OptOutRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, tenant_id: str, item_id: uuid.UUID, reason: str, actor: dict[str, str], now: datetime) -> bool:
        status = await self.conn.execute(
            "INSERT INTO opt_outs (tenant_id, item_id, reason, created_at, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            tenant_id, item_id, reason, now, actor,
        )
        return status.endswith(" 1")

    async def remove(self, tenant_id: str, item_id: uuid.UUID) -> bool:
        return (await self.conn.execute("DELETE FROM opt_outs WHERE tenant_id = $1 AND item_id = $2", tenant_id, item_id)).endswith(" 1")

    async def exists(self, tenant_id: str, item_id: uuid.UUID) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM opt_outs WHERE tenant_id = $1 AND item_id = $2", tenant_id, item_id))


class IdempotencyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def find(self, scope: str, key: str) -> dict[str, Any] | None:
        row = await self.conn.fetchrow("SELECT fingerprint, result_id FROM idempotency_keys WHERE scope = $1 AND key = $2", scope, key)
        return dict(row) if row else None

    async def remember(self, scope: str, key: str, fingerprint: str, result_id: str) -> None:
        try:
            await self.conn.execute(
                "INSERT INTO idempotency_keys (scope, key, fingerprint, result_id) VALUES ($1, $2, $3, $4)", scope, key, fingerprint, result_id
            )
        except asyncpg.UniqueViolationError:
            # A concurrent request with the same key committed first; the client retries and gets its result.
            raise AlreadyExists("a request with this Idempotency-Key is being processed; retry", code="idempotency_key_in_use", field="request_id") from None
