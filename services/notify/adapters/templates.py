"""Templates in PostgreSQL: append-only versions, the candidates for one key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.notify.domain.templates import Template

_COLS = "id, tenant_id, key, channel, locale, version, category, title, body, urgent, created_at, created_by"


def _template(r: asyncpg.Record) -> Template:
    return Template(r["id"], r["tenant_id"], r["key"], r["channel"], r["locale"], r["version"], r["category"], r["title"],
                    r["body"], r["urgent"], r["created_at"], r["created_by"])


class TemplateRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def candidates(self, key: str, tenants: Sequence[str]) -> list[Template]:
        """The latest version of every (tenant, channel, locale) of `key` among `tenants`."""
        rows = await self.conn.fetch(
            f"SELECT DISTINCT ON (tenant_id, channel, locale) {_COLS} FROM templates"
            " WHERE key = $1 AND tenant_id = ANY($2::text[]) ORDER BY tenant_id, channel, locale, version DESC",
            key, list(tenants),
        )
        return [_template(r) for r in rows]

    async def add(self, *, tenant_id: str, key: str, channel: str, locale: str, category: str, title: str, body: str,
                  urgent: bool, now: datetime, created_by: dict[str, Any]) -> Template:
        """Insert the next version (serialised per (tenant, key, channel, locale) by a lock)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"notify-template:{tenant_id}:{key}:{channel}:{locale}")
        version = 1 + (await self.conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM templates WHERE tenant_id = $1 AND key = $2 AND channel = $3 AND locale = $4",
            tenant_id, key, channel, locale) or 0)
        row = await self.conn.fetchrow(
            f"INSERT INTO templates ({_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {_COLS}",
            uuid.uuid4(), tenant_id, key, channel, locale, version, category, title, body, urgent, now, created_by,
        )
        return _template(row)

    async def count(self, tenant_id: str) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM templates WHERE tenant_id = $1", tenant_id))
