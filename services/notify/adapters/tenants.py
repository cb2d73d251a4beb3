"""Notify's projection of identity's tenant tree (no cross-schema SQL).

Template inheritance walks up (a county falls back to its city, then the province);
notice subscriptions walk down (a province notice reaches subscribers of every tenant
below it). An event older than the stored row is ignored (redeliveries may reorder).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_CHAIN = """
WITH RECURSIVE chain AS (
    SELECT id, parent_id, name, 0 AS depth FROM tenants WHERE id = $1
    UNION ALL
    SELECT t.id, t.parent_id, t.name, c.depth + 1 FROM tenants t JOIN chain c ON t.id = c.parent_id WHERE c.depth < 10
)
SELECT id, name FROM chain ORDER BY depth
"""
_SUBTREE = """
WITH RECURSIVE tree AS (
    SELECT id, 0 AS depth FROM tenants WHERE id = $1
    UNION ALL
    SELECT t.id, tree.depth + 1 FROM tenants t JOIN tree ON t.parent_id = tree.id WHERE tree.depth < 10
)
SELECT id FROM tree
"""


class TenantRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def chain(self, tenant_id: str) -> list[tuple[str, dict[str, Any]]]:
        """(id, name) of the tenant and its ancestors, nearest first; empty when unknown."""
        return [(r["id"], r["name"]) for r in await self.conn.fetch(_CHAIN, tenant_id)]

    async def subtree(self, tenant_id: str) -> list[str]:
        return [r["id"] for r in await self.conn.fetch(_SUBTREE, tenant_id)]

    async def upsert(self, *, id: str, parent_id: str | None, division_code: str, level: str, name: dict[str, str],
                     status: str, event_time: datetime) -> bool:
        result = await self.conn.execute(
            "INSERT INTO tenants (id, parent_id, division_code, level, name, status, event_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (id) DO UPDATE SET parent_id = $2, division_code = $3, level = $4, name = $5, status = $6,"
            " event_time = $7, updated_at = now() WHERE tenants.event_time <= $7",
            id, parent_id, division_code, level, name, status, event_time,
        )
        return result.endswith(" 1")
