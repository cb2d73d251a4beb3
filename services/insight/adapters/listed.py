"""What catalog's, identity's and workflow's listings say, merged into the projected tables so that
the order of listings and events never matters (service_layer/backfill.py):

- an item: its first publication the earliest either told, its last review the latest,
  its code, name, department and limit those of the newer review; retired when either
  says so (catalog never publishes a retired item again). Its last application the
  later of what the events and workflow's listing told (never moved back).
- a system: registered the earliest either told; revoked when either says so (identity
  never reactivates one). Its signs of life are the ingest stream's alone.
- a notice: kept as it appeared (the newest of each tenant is what the list dates by).

A page is one statement; rows the listing does not change are not written.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.insight.adapters.aggregates import ITEM_MERGE
from services.insight.adapters.listings import ListedItem, ListedNotice, ListedSystem, ListedUse

_ITEMS = f"""
INSERT INTO items AS i (id, tenant_id, code, name, department, status, promised_limit_days, first_published_at, reviewed_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[])
ON CONFLICT (id) DO UPDATE SET {ITEM_MERGE}
WHERE (i.first_published_at, i.reviewed_at, i.status) IS DISTINCT FROM
      (least(i.first_published_at, EXCLUDED.first_published_at), greatest(i.reviewed_at, EXCLUDED.reviewed_at),
       CASE WHEN i.status = 'retired' OR EXCLUDED.status = 'retired' THEN 'retired' ELSE 'published' END)
   OR (EXCLUDED.reviewed_at >= i.reviewed_at AND (i.code, i.name, i.department, i.promised_limit_days) IS DISTINCT FROM
       (EXCLUDED.code, EXCLUDED.name, EXCLUDED.department, EXCLUDED.promised_limit_days))
"""

_SYSTEMS = """
INSERT INTO systems AS s (id, tenant_id, name, status, registered_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
ON CONFLICT (id) DO UPDATE SET
    registered_at = least(s.registered_at, EXCLUDED.registered_at),
    status = CASE WHEN s.status = 'revoked' OR EXCLUDED.status = 'revoked' THEN 'revoked' ELSE 'active' END
WHERE s.registered_at > EXCLUDED.registered_at OR (s.status = 'active' AND EXCLUDED.status = 'revoked')
"""

_USES = """
UPDATE items AS i SET last_application_at = u.at
  FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
 WHERE i.id = u.id AND (i.last_application_at IS NULL OR i.last_application_at < u.at)
"""


async def items_listed(conn: asyncpg.Connection, items: Sequence[ListedItem]) -> None:
    if not items:
        return
    await conn.execute(_ITEMS, [i.id for i in items], [i.tenant_id for i in items], [i.code for i in items], [i.name for i in items],
                       [i.department for i in items], ["retired" if i.retired else "published" for i in items],
                       [i.promised_limit_days for i in items], [i.first_published_at for i in items], [i.reviewed_at for i in items])


async def notice_listed(conn: asyncpg.Connection, notice: ListedNotice) -> None:
    await conn.execute("INSERT INTO notices (id, tenant_id, title, published_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                       notice.id, notice.tenant_id, notice.title, notice.appeared_at)


async def systems_listed(conn: asyncpg.Connection, systems: Sequence[ListedSystem]) -> None:
    # One row per id (a page never repeats one, but a statement must not touch a row twice).
    unique = list({s.id: s for s in systems}.values())
    if not unique:
        return
    await conn.execute(_SYSTEMS, [s.id for s in unique], [s.tenant_id for s in unique], [s.name for s in unique],
                       ["revoked" if s.revoked else "active" for s in unique], [s.registered_at for s in unique])


async def uses_listed(conn: asyncpg.Connection, uses: Sequence[ListedUse]) -> None:
    """Only items insight knows (as an application event does); the later time wins."""
    latest: dict[object, ListedUse] = {}
    for u in uses:  # one row per item (an item applied for in several tenants is listed by each)
        if u.item_id not in latest or latest[u.item_id].last_applied_at < u.last_applied_at:
            latest[u.item_id] = u
    if latest:
        await conn.execute(_USES, [u.item_id for u in latest.values()], [u.last_applied_at for u in latest.values()])
