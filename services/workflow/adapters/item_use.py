"""When each item was last applied for in a tenant, as the insight service reads it back
(its event streams keep 30 days; the cases are kept here): one aggregate over the
`applications_item_use` index, a page of service ids at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

# Grouped in the index's order (tenant, service id): an index-only scan that stops after
# the page's last item.
_ITEM_USE = """
SELECT service_id, max(submitted_at) AS last_submitted_at, count(*) AS cases
  FROM applications
 WHERE tenant_id = $1 AND ($2::uuid IS NULL OR service_id > $2)
 GROUP BY service_id
 ORDER BY service_id
 LIMIT $3
"""


@dataclass(frozen=True)
class ItemUse:
    service_id: uuid.UUID
    last_submitted_at: datetime
    cases: int


async def item_use(conn: asyncpg.Connection, tenant_id: str, after: uuid.UUID | None, limit: int) -> list[ItemUse]:
    return [ItemUse(r["service_id"], r["last_submitted_at"], int(r["cases"])) for r in await conn.fetch(_ITEM_USE, tenant_id, after, limit)]
