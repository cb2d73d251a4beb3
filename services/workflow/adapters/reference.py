"""What the workflow service keeps of other services' data, and its per-tenant data:
published item versions (catalog events or a fetch), tenant settings and holiday
calendars. The tenant tree is the shared projection (`mgov_common.tenants`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.workflow.domain.application import ItemVersion
from services.workflow.domain.calendar import WorkingCalendar


def item_from_data(data: dict[str, Any]) -> ItemVersion:
    """An item version from catalog's `item.published` data (or the same shape fetched)."""
    level = data.get("required_identity_level") or 1
    if isinstance(level, str):
        level = 2 if "real" in level.lower() else 1
    return ItemVersion(
        service_id=uuid.UUID(str(data["id"])), version=int(data["version"]), tenant_id=str(data["tenant_id"]),
        name=dict(data.get("name") or {}), department=str(data.get("department") or data.get("agency") or ""),
        workflow_id=str(data.get("workflow_id") or "standard"), form_schema=dict(data.get("form_schema") or {}),
        promised_limit_days=int(data.get("promised_limit_days") or 0), statutory_limit_days=int(data.get("statutory_limit_days") or 0),
        required_identity_level=int(level), item_type=str(data.get("type") or ""),
    )


class ReferenceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- items
    async def item(self, service_id: uuid.UUID, version: int) -> ItemVersion | None:
        if version:
            data = await self.conn.fetchval("SELECT data FROM service_items WHERE service_id=$1 AND version=$2", service_id, version)
        else:
            data = await self.conn.fetchval(
                "SELECT data FROM service_items WHERE service_id=$1 AND NOT EXISTS (SELECT 1 FROM retired_items r WHERE r.service_id=$1)"
                " ORDER BY version DESC LIMIT 1", service_id)
        return item_from_data(data) if data else None

    async def is_retired(self, service_id: uuid.UUID) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM retired_items WHERE service_id=$1", service_id))

    async def put_item(self, data: dict[str, Any]) -> None:
        await self.conn.execute(
            "INSERT INTO service_items (service_id, version, tenant_id, data) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
            uuid.UUID(str(data["id"])), int(data["version"]), str(data["tenant_id"]), data,
        )

    async def retire_item(self, service_id: uuid.UUID, when: datetime) -> None:
        await self.conn.execute("INSERT INTO retired_items (service_id, retired_at) VALUES ($1,$2) ON CONFLICT DO NOTHING", service_id, when)

    # -- settings (NULL = inherit)
    async def settings_chain(self, chain: list[str]) -> dict[str, dict[str, Any]]:
        rows = await self.conn.fetch("SELECT tenant_id, case_prefix, rectification_days, phone_reports_per_day FROM tenant_settings"
                                     " WHERE tenant_id = ANY($1)", chain)
        return {r["tenant_id"]: dict(r) for r in rows}

    async def put_settings(self, tenant: str, case_prefix: str | None, rectification_days: int | None, now: datetime,
                           phone_reports_per_day: int | None = None) -> None:
        await self.conn.execute(
            """INSERT INTO tenant_settings (tenant_id, case_prefix, rectification_days, updated_at, phone_reports_per_day)
               VALUES ($1,$2,$3,$4,$5)
               ON CONFLICT (tenant_id) DO UPDATE SET case_prefix=EXCLUDED.case_prefix, rectification_days=EXCLUDED.rectification_days,
                   updated_at=EXCLUDED.updated_at, phone_reports_per_day=EXCLUDED.phone_reports_per_day""",
            tenant, case_prefix, rectification_days, now, phone_reports_per_day)

    # -- calendars
    async def calendar(self, chain: list[str], start: date, end: date) -> WorkingCalendar:
        """Overrides between `start` and `end` of the tenants in `chain` (nearest first wins)."""
        rows = await self.conn.fetch("SELECT tenant_id, day, working FROM calendar_days WHERE tenant_id = ANY($1) AND day BETWEEN $2 AND $3",
                                     chain, start, end)
        rank = {t: i for i, t in enumerate(chain)}
        best: dict[date, tuple[int, bool]] = {}
        for r in rows:
            i = rank[r["tenant_id"]]
            if r["day"] not in best or i < best[r["day"]][0]:
                best[r["day"]] = (i, r["working"])
        return WorkingCalendar({d: w for d, (_, w) in best.items()})

    async def calendar_days(self, chain: list[str], year: int) -> list[tuple[str, date, bool, str]]:
        return [(r["tenant_id"], r["day"], r["working"], r["name"]) for r in await self.conn.fetch(
            "SELECT tenant_id, day, working, name FROM calendar_days WHERE tenant_id = ANY($1) AND extract(year FROM day) = $2 ORDER BY day",
            chain, year)]

    async def replace_year(self, tenant: str, year: int, days: list[tuple[date, bool, str]], now: datetime) -> None:
        await self.conn.execute("DELETE FROM calendar_days WHERE tenant_id=$1 AND extract(year FROM day) = $2", tenant, year)
        await self.conn.executemany("INSERT INTO calendar_days (tenant_id, day, working, name) VALUES ($1,$2,$3,$4)",
                                    [(tenant, d, w, n) for d, w, n in days])
        await self.conn.execute("""INSERT INTO calendar_years (tenant_id, year, updated_at) VALUES ($1,$2,$3)
                                   ON CONFLICT (tenant_id, year) DO UPDATE SET updated_at = EXCLUDED.updated_at""", tenant, year, now)

    async def year_exists(self, tenant: str, year: int) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM calendar_years WHERE tenant_id=$1 AND year=$2", tenant, year))

    async def year_updated(self, tenant: str, year: int) -> datetime | None:
        return await self.conn.fetchval("SELECT updated_at FROM calendar_years WHERE tenant_id=$1 AND year=$2", tenant, year)  # type: ignore[no-any-return]
