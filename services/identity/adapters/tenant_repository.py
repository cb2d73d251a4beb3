"""Tenants in PostgreSQL. Entities read or added here are tracked (`seen`) so the unit
of work can collect the events they recorded."""

from __future__ import annotations

import asyncpg

from mgov_common.errors import AlreadyExists
from services.identity.domain.tenants import Level, Status, Tenant

_COLUMNS = "id, parent_id, division_code, level, name_zh, name_en, status, created_at, updated_at"
_LEVEL_RANK = "CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END"


def _tenant(row: asyncpg.Record) -> Tenant:
    return Tenant(row["id"], row["parent_id"], row["division_code"], Level(row["level"]), row["name_zh"],
                  row["name_en"], Status(row["status"]), row["created_at"], row["updated_at"])


class TenantRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: list[Tenant] = []

    def _track(self, tenant: Tenant | None) -> Tenant | None:
        if tenant is not None and not any(t is tenant for t in self.seen):
            self.seen.append(tenant)
        return tenant

    async def get(self, tenant_id: str, *, for_update: bool = False) -> Tenant | None:
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM tenants WHERE id = $1" + (" FOR UPDATE" if for_update else ""), tenant_id
        )
        return self._track(_tenant(row)) if row else None

    async def path(self, tenant_id: str) -> list[Tenant]:
        """The chain province -> ... -> tenant_id (empty when the tenant does not exist)."""
        rows = await self.conn.fetch(
            f"""WITH RECURSIVE up AS (
                    SELECT {_COLUMNS}, 0 AS depth FROM tenants WHERE id = $1
                    UNION ALL
                    SELECT t.id, t.parent_id, t.division_code, t.level, t.name_zh, t.name_en, t.status,
                           t.created_at, t.updated_at, up.depth + 1
                    FROM tenants t JOIN up ON t.id = up.parent_id)
                SELECT {_COLUMNS} FROM up ORDER BY depth DESC""",
            tenant_id,
        )
        return [_tenant(r) for r in rows]

    async def province(self) -> Tenant | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM tenants WHERE parent_id IS NULL")
        return _tenant(row) if row else None

    async def add(self, tenant: Tenant) -> None:
        try:
            await self.conn.execute(
                f"INSERT INTO tenants ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                tenant.id, tenant.parent_id, tenant.division_code, tenant.level.value, tenant.name_zh,
                tenant.name_en, tenant.status.value, tenant.created_at, tenant.updated_at,
            )
        except asyncpg.UniqueViolationError as exc:
            if "division_code" in (exc.constraint_name or ""):
                raise AlreadyExists(f"division code {tenant.division_code} belongs to another tenant",
                                    field="division_code", code="duplicate_division_code") from None
            raise AlreadyExists(f"tenant {tenant.id} already exists", field="id", code="duplicate_tenant") from None
        self._track(tenant)

    async def save(self, tenant: Tenant) -> None:
        await self.conn.execute(
            "UPDATE tenants SET name_zh = $2, name_en = $3, status = $4, updated_at = $5 WHERE id = $1",
            tenant.id, tenant.name_zh, tenant.name_en, tenant.status.value, tenant.updated_at,
        )

    async def list(self, *, root_id: str | None = None, parent_id: str | None = None, include_suspended: bool = False,
                   after: tuple[int, str] | None = None, limit: int = 100) -> list[Tenant]:
        """Parents before children: ordered by level, then division code (keyset `after`)."""
        conditions, args = [], []
        if root_id:
            args.append(root_id)
            conditions.append(
                f"id IN (WITH RECURSIVE down AS (SELECT id FROM tenants WHERE id = ${len(args)}"
                " UNION ALL SELECT t.id FROM tenants t JOIN down ON t.parent_id = down.id) SELECT id FROM down)"
            )
        if parent_id:
            args.append(parent_id)
            conditions.append(f"parent_id = ${len(args)}")
        if not include_suspended:
            conditions.append("status = 'active'")
        if after is not None:
            args.extend(after)
            conditions.append(f"({_LEVEL_RANK}, division_code) > (${len(args) - 1}::int, ${len(args)}::text)")
        args.append(limit)
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM tenants{where} ORDER BY {_LEVEL_RANK}, division_code LIMIT ${len(args)}", *args
        )
        return [_tenant(r) for r in rows]


def level_rank(level: Level) -> int:
    return {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2}[level]
