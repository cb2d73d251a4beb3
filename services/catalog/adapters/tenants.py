"""The catalogue's projection of identity's tenant tree (no cross-schema SQL).

Identity publishes `identity.tenant.created|updated`; the consumer upserts them here.
Events may arrive out of order after a redelivery, so an event older than the stored
row is ignored.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.catalog.domain.inheritance import TenantNode

_CHAIN = """
WITH RECURSIVE chain AS (
    SELECT t.*, 0 AS depth FROM tenants t WHERE t.id = $1
    UNION ALL
    SELECT t.*, c.depth + 1 FROM tenants t JOIN chain c ON t.id = c.parent_id WHERE c.depth < 10
)
SELECT id, parent_id, division_code, level, name, status FROM chain ORDER BY depth
"""


def _node(row: asyncpg.Record) -> TenantNode:
    return TenantNode(row["id"], row["parent_id"], row["division_code"], row["level"], row["name"], row["status"])


class TenantRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def chain(self, tenant_id: str) -> list[TenantNode]:
        """The tenant and its ancestors, nearest first; empty when the tenant is unknown."""
        return [_node(r) for r in await self.conn.fetch(_CHAIN, tenant_id)]

    async def all(self) -> list[TenantNode]:
        return [_node(r) for r in await self.conn.fetch("SELECT * FROM tenants ORDER BY id")]

    async def upsert(self, node: TenantNode, event_time: datetime) -> bool:
        """Store `node` unless a newer event already did; True when stored."""
        status = await self.conn.execute(
            "INSERT INTO tenants (id, parent_id, division_code, level, name, status, event_time, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, now())"
            " ON CONFLICT (id) DO UPDATE SET parent_id = $2, division_code = $3, level = $4, name = $5, status = $6,"
            " event_time = $7, updated_at = now() WHERE tenants.event_time <= $7",
            node.id, node.parent_id, node.division_code, node.level, node.name, node.status, event_time,
        )
        return status.endswith(" 1")
