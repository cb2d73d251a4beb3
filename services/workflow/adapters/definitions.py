"""Workflow definitions in PostgreSQL; versions are immutable, so they are cached forever."""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar

import asyncpg

from mgov_common.errors import NotFound
from services.workflow.domain.application import Actor
from services.workflow.domain.definition import Definition


class DefinitionRepository:
    # (tenant, id, version) -> Definition; shared by every unit of work of the process.
    _cache: ClassVar[dict[tuple[str, str, int], Definition]] = {}

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, tenant: str, def_id: str, version: int) -> Definition:
        key = (tenant, def_id, version)
        if key not in self._cache:
            body = await self.conn.fetchval("SELECT body FROM definitions WHERE tenant_id=$1 AND id=$2 AND version=$3", tenant, def_id, version)
            if body is None:
                raise NotFound(f"workflow {def_id!r} version {version} of {tenant} not found", code="definition_not_found")
            self._cache[key] = Definition.from_dict(body, tenant_id=tenant, version=version)
        return self._cache[key]

    async def latest_version(self, tenant: str, def_id: str) -> int:
        return int(await self.conn.fetchval("SELECT coalesce(max(version), 0) FROM definitions WHERE tenant_id=$1 AND id=$2", tenant, def_id))

    async def effective(self, chain: list[str], def_id: str) -> Definition | None:
        """The latest version of `def_id` of the nearest tenant in `chain` (nearest first) that has one."""
        rows = await self.conn.fetch(
            "SELECT tenant_id, max(version) AS version FROM definitions WHERE tenant_id = ANY($1) AND id = $2 GROUP BY tenant_id",
            chain, def_id,
        )
        found = {r["tenant_id"]: r["version"] for r in rows}
        for tenant in chain:
            if tenant in found:
                return await self.get(tenant, def_id, found[tenant])
        return None

    async def add(self, defn: Definition, by: Actor, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO definitions (tenant_id, id, version, body, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6)",
            defn.tenant_id, defn.id, defn.version, defn.to_dict(), now, by.to_dict(),
        )

    async def created(self, tenant: str, def_id: str, version: int) -> tuple[datetime, Actor] | None:
        row = await self.conn.fetchrow("SELECT created_at, created_by FROM definitions WHERE tenant_id=$1 AND id=$2 AND version=$3", tenant, def_id, version)
        if row is None:
            return None
        raw = row["created_by"] if isinstance(row["created_by"], dict) else json.loads(row["created_by"])
        return row["created_at"], Actor(raw.get("kind", ""), raw.get("id", ""), raw.get("tenant_id", ""))
