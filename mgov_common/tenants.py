"""The tenant projection every service but identity keeps: identity's tenant events into
a local `tenants` table (no cross-schema SQL), and the tree queries on it.

A service opts in with `migrate(..., platform=("tenants",))` (the table) and by running
`EventConsumer(pool, js, consumer_spec("<service>"), apply_tenant_event)`. Redelivery
after a failure can reorder events, so an event whose `time` is older than the stored
row's `event_time` is ignored: the newer event wins, whatever order they arrive in.
Template inheritance walks up the tree (`chain`); notice subscriptions and province
roles walk down (`subtree`).
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.tenant_tree import BadTenantData, TenantNode, tenant_from_data

log = logging.getLogger(__name__)

SUBJECTS = ["mgov.evt.*.identity.tenant.created", "mgov.evt.*.identity.tenant.updated"]
_MAX_DEPTH = 10  # province → city → county is 3; the bound only stops a corrupt cycle

_CHAIN = f"""
WITH RECURSIVE chain AS (
    SELECT t.*, 0 AS depth FROM tenants t WHERE t.id = $1
    UNION ALL
    SELECT t.*, c.depth + 1 FROM tenants t JOIN chain c ON t.id = c.parent_id WHERE c.depth < {_MAX_DEPTH}
)
SELECT id, parent_id, division_code, level, name, status FROM chain ORDER BY depth
"""
_SUBTREE = f"""
WITH RECURSIVE tree AS (
    SELECT id, 0 AS depth FROM tenants WHERE id = $1
    UNION ALL
    SELECT t.id, tree.depth + 1 FROM tenants t JOIN tree ON t.parent_id = tree.id WHERE tree.depth < {_MAX_DEPTH}
)
SELECT id FROM tree ORDER BY depth, id
"""
_UPSERT = """
INSERT INTO tenants (id, parent_id, division_code, level, name, status, event_time, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, division_code = EXCLUDED.division_code,
    level = EXCLUDED.level, name = EXCLUDED.name, status = EXCLUDED.status, event_time = EXCLUDED.event_time,
    updated_at = now()
WHERE tenants.event_time <= EXCLUDED.event_time
"""


class BadTenantEvent(ValueError):
    """A tenant event the projection cannot store (dead-lettered after retries)."""


def consumer_spec(service: str) -> ConsumerSpec:
    """The durable consumer of identity's tenant events for `service`."""
    return ConsumerSpec(f"{service}-tenants", list(SUBJECTS))


def parse_tenant_event(event: CloudEvent) -> TenantNode:
    try:
        node = tenant_from_data(event.data)
    except BadTenantData as exc:
        raise BadTenantEvent(f"tenant event {event.id}: {exc}") from None
    if node.id != event.tenant:
        raise BadTenantEvent(f"tenant event {event.id} is about {node.id} but was published for {event.tenant}")
    return node


def _node(row: asyncpg.Record) -> TenantNode:
    return TenantNode(row["id"], row["parent_id"], row["division_code"], row["level"], dict(row["name"]), row["status"])


class TenantProjection:
    """The `tenants` table of one service's schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def chain(self, tenant_id: str) -> list[TenantNode]:
        """The tenant and its ancestors, nearest first; empty when the tenant is unknown."""
        return [_node(r) for r in await self.conn.fetch(_CHAIN, tenant_id)]

    async def subtree(self, tenant_id: str) -> list[str]:
        """The tenant and every tenant below it, the tenant first; empty when unknown."""
        return [r["id"] for r in await self.conn.fetch(_SUBTREE, tenant_id)]

    async def all(self) -> list[TenantNode]:
        return [_node(r) for r in await self.conn.fetch("SELECT * FROM tenants ORDER BY id")]

    async def upsert(self, node: TenantNode, event_time: datetime) -> bool:
        """Store `node` unless an event newer than `event_time` already did; True when stored."""
        status = await self.conn.execute(_UPSERT, node.id, node.parent_id, node.division_code, node.level, node.name,
                                         node.status, event_time)
        return status.endswith(" 1")


async def apply_tenant_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler (inside its transaction, which also records the event id)."""
    node = parse_tenant_event(event)
    stored = await TenantProjection(conn).upsert(node, event.time)
    log.info("tenant projected" if stored else "older tenant event ignored", extra={"tenant": node.id, "event_id": str(event.id)})
