"""What a tenant has published, as the insight service reads it back (its event streams
keep 30 days; the catalogue keeps everything): one page of the tenant's own items with a
published version, and its newest notice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

# Items of the tenant with a published version (published, or retired since), by id:
# the first version's time, and the newest published version's name, department, limit, time.
_ITEMS = """
SELECT i.id, i.tenant_id, i.code, i.status, i.retired_at, first.published_at AS first_published_at,
       latest.published_at AS latest_published_at, latest.content -> 'name' AS name, latest.content ->> 'department' AS department,
       latest.content -> 'guide' -> 'promised_limit_days' AS promised_limit_days
  FROM items i
  JOIN item_versions first ON first.item_id = i.id AND first.version = 1
  JOIN item_versions latest ON latest.item_id = i.id AND latest.version = i.latest_version
 WHERE i.tenant_id = $1 AND i.status IN ('published', 'retired') AND ($2::uuid IS NULL OR i.id > $2)
 ORDER BY i.id
 LIMIT $3
"""


@dataclass(frozen=True)
class PublishedItem:
    id: uuid.UUID
    tenant_id: str
    code: str
    name: dict[str, str]
    department: str
    status: str  # published | retired
    promised_limit_days: int
    first_published_at: datetime
    latest_published_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class PublishedNotice:
    id: uuid.UUID
    title: dict[str, str]
    created_at: datetime  # when it appeared (a backdated publish_time is not an update)


def _text(value: object) -> dict[str, str]:
    return {k: str(value.get(k) or "") for k in ("zh", "en")} if isinstance(value, dict) else {"zh": "", "en": ""}


class Publications:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def items(self, tenant_id: str, after: uuid.UUID | None, limit: int) -> list[PublishedItem]:
        out = []
        for r in await self.conn.fetch(_ITEMS, tenant_id, after, limit):
            limit_days = r["promised_limit_days"]
            out.append(PublishedItem(r["id"], r["tenant_id"], r["code"], _text(r["name"]), r["department"] or "", r["status"],
                                     limit_days if isinstance(limit_days, int) and not isinstance(limit_days, bool) else 0,
                                     r["first_published_at"], r["latest_published_at"], r["retired_at"]))
        return out

    async def newest_notice(self, tenant_id: str) -> PublishedNotice | None:
        row = await self.conn.fetchrow("SELECT id, title, created_at FROM notices WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
                                       tenant_id)
        return PublishedNotice(row["id"], _text(row["title"]), row["created_at"]) if row else None
