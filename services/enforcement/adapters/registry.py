"""Subjects, inspectors, conflicts, checklists, plans and the draw log in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from services.enforcement.domain.canonical import GENESIS
from services.enforcement.domain.subjects import SubjectFields

SUBJECT_COLS = ("id, tenant_id, name, credit_code, address, latitude, longitude, category, risk_level, contact_phone, last_inspected,"
                " create_time, update_time")
PLAN_COLS = ("id, tenant_id, name, category, ratio_percent, sample_count, start_date, end_date, exclude_days, inspector_ids,"
             " publish_within_days, status, notice_due_time, notice_time, create_by, create_time, version")


@dataclass(frozen=True)
class Plan:
    id: uuid.UUID
    tenant_id: str
    name: str
    category: str
    ratio_percent: int
    sample_count: int
    start_date: date
    end_date: date
    exclude_days: int
    inspector_ids: list[str]
    publish_within_days: int
    status: str
    notice_due_time: datetime | None
    notice_time: datetime | None
    create_by: str
    create_time: datetime
    version: int


def plan_of(r: asyncpg.Record) -> Plan:
    return Plan(**{k: r[k] for k in Plan.__dataclass_fields__})


class Registry:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- subjects ---------------------------------------------------------------------------
    async def upsert_subject(self, tenant_id: str, f: SubjectFields, now: datetime) -> asyncpg.Record:
        lat, lon = (f.position.latitude, f.position.longitude) if f.position else (None, None)
        return await self.conn.fetchrow(
            f"INSERT INTO subjects ({SUBJECT_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,NULL,$11,$11)"
            " ON CONFLICT (tenant_id, credit_code) DO UPDATE SET name=EXCLUDED.name, address=EXCLUDED.address,"
            " latitude=EXCLUDED.latitude, longitude=EXCLUDED.longitude, category=EXCLUDED.category, risk_level=EXCLUDED.risk_level,"
            " contact_phone=EXCLUDED.contact_phone, update_time=EXCLUDED.update_time"
            f" RETURNING {SUBJECT_COLS}",
            uuid.uuid4(), tenant_id, f.name, f.credit_code, f.address, lat, lon, f.category, f.risk_level, f.contact_phone, now)

    async def subject(self, subject_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow(f"SELECT {SUBJECT_COLS} FROM subjects WHERE id = $1", subject_id)

    async def subject_names(self, subject_ids: list[uuid.UUID]) -> dict[str, str]:
        rows = await self.conn.fetch("SELECT id, name FROM subjects WHERE id = ANY($1::uuid[])", subject_ids)
        return {str(r["id"]): r["name"] for r in rows}

    async def search_subjects(self, tenant_ids: list[str], query: str, category: str, after: tuple[str, uuid.UUID] | None,
                              limit: int) -> list[asyncpg.Record]:
        like = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return list(await self.conn.fetch(
            f"SELECT {SUBJECT_COLS} FROM subjects WHERE tenant_id = ANY($1::text[])"
            " AND ($2 = '%' OR name LIKE $2 OR credit_code LIKE upper($2) OR name LIKE '%' || $2)"
            " AND ($3 = '' OR category = $3) AND ($4::text IS NULL OR (name, id) > ($4, $5)) ORDER BY name, id LIMIT $6",
            tenant_ids, like, category, after[0] if after else None, after[1] if after else None, limit))

    async def candidates(self, tenant_ids: list[str], category: str) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT id, category, last_inspected FROM subjects WHERE tenant_id = ANY($1::text[])"
                                          " AND category = $2", tenant_ids, category))

    async def mark_inspected(self, subject_id: uuid.UUID, day: date) -> None:
        await self.conn.execute("UPDATE subjects SET last_inspected = GREATEST(coalesce(last_inspected, $2), $2) WHERE id = $1",
                                subject_id, day)

    # -- inspectors and conflicts -----------------------------------------------------------
    async def set_inspector(self, tenant_id: str, user_id: str, certificate: str, categories: list[str], now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO inspectors (tenant_id, user_id, certificate, categories, update_time) VALUES ($1,$2,$3,$4,$5)"
            " ON CONFLICT (tenant_id, user_id) DO UPDATE SET certificate=EXCLUDED.certificate, categories=EXCLUDED.categories,"
            " update_time=EXCLUDED.update_time", tenant_id, user_id, certificate, categories, now)

    async def inspectors(self, tenant_ids: list[str], user_ids: list[str] | None = None) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            "SELECT i.tenant_id, i.user_id, i.certificate, i.categories,"
            " coalesce((SELECT array_agg(c.subject_id::text ORDER BY c.subject_id) FROM conflicts c WHERE c.user_id = i.user_id), '{}') AS conflicts"
            " FROM inspectors i WHERE i.tenant_id = ANY($1::text[]) AND ($2::text[] IS NULL OR i.user_id = ANY($2::text[]))"
            " ORDER BY i.user_id", tenant_ids, user_ids))

    async def certificates(self, user_ids: list[str]) -> dict[str, str]:
        rows = await self.conn.fetch("SELECT user_id, certificate FROM inspectors WHERE user_id = ANY($1::text[])", user_ids)
        return {r["user_id"]: r["certificate"] for r in rows}

    async def add_conflict(self, tenant_id: str, user_id: str, subject_id: uuid.UUID, reason: str, now: datetime) -> None:
        await self.conn.execute("INSERT INTO conflicts (tenant_id, user_id, subject_id, reason, create_time) VALUES ($1,$2,$3,$4,$5)"
                                " ON CONFLICT (user_id, subject_id) DO UPDATE SET reason = EXCLUDED.reason",
                                tenant_id, user_id, subject_id, reason, now)

    # -- checklists -------------------------------------------------------------------------
    async def publish_checklist(self, tenant_id: str, category: str, items: list[dict[str, str]], by: str, now: datetime) -> int:
        version = await self.conn.fetchval("SELECT coalesce(max(version), 0) + 1 FROM checklists WHERE tenant_id = $1 AND category = $2",
                                           tenant_id, category)
        await self.conn.execute("INSERT INTO checklists (tenant_id, category, version, items, create_by, create_time)"
                                " VALUES ($1,$2,$3,$4,$5,$6)", tenant_id, category, version, items, by, now)
        return int(version)

    async def checklist(self, chain: list[str], category: str) -> tuple[str, int, list[dict[str, str]]] | None:
        """The latest checklist of the nearest tenant of `chain` (nearest first) that has one."""
        r = await self.conn.fetchrow(
            "SELECT tenant_id, version, items FROM checklists WHERE tenant_id = ANY($1::text[]) AND category = $2"
            " ORDER BY array_position($1::text[], tenant_id), version DESC LIMIT 1", chain, category)
        return (r["tenant_id"], r["version"], r["items"]) if r else None

    # -- plans ------------------------------------------------------------------------------
    async def add_plan(self, p: Plan) -> None:
        await self.conn.execute(f"INSERT INTO plans ({PLAN_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
                                *(getattr(p, k) for k in Plan.__dataclass_fields__))

    async def plan(self, plan_id: uuid.UUID, *, for_update: bool = False) -> Plan | None:
        r = await self.conn.fetchrow(f"SELECT {PLAN_COLS} FROM plans WHERE id = $1" + (" FOR UPDATE" if for_update else ""), plan_id)
        return plan_of(r) if r else None

    async def plans(self, tenant_ids: list[str], limit: int) -> list[Plan]:
        rows = await self.conn.fetch(f"SELECT {PLAN_COLS} FROM plans WHERE tenant_id = ANY($1::text[]) ORDER BY create_time DESC LIMIT $2",
                                     tenant_ids, limit)
        return [plan_of(r) for r in rows]

    async def set_plan_status(self, plan_id: uuid.UUID, status: str, notice_due: datetime | None = None,
                              notice_time: datetime | None = None) -> None:
        await self.conn.execute("UPDATE plans SET status=$2, notice_due_time=coalesce($3, notice_due_time),"
                                " notice_time=coalesce($4, notice_time), version=version+1 WHERE id=$1",
                                plan_id, status, notice_due, notice_time)

    async def notices_due(self, now: datetime, limit: int) -> list[Plan]:
        rows = await self.conn.fetch(f"SELECT {PLAN_COLS} FROM plans WHERE notice_time IS NULL AND notice_due_time <= $1"
                                     " ORDER BY notice_due_time LIMIT $2 FOR UPDATE SKIP LOCKED", now, limit)
        return [plan_of(r) for r in rows]

    # -- the draw log -----------------------------------------------------------------------
    async def draw_head(self, tenant_id: str) -> tuple[int, str]:
        """The tenant's chain head, locked until the transaction ends (draws append in turn)."""
        await self.conn.execute("INSERT INTO draw_heads (tenant_id, count, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING",
                                tenant_id, GENESIS)
        r = await self.conn.fetchrow("SELECT count, hash FROM draw_heads WHERE tenant_id = $1 FOR UPDATE", tenant_id)
        return r["count"], r["hash"]

    async def append_draw(self, tenant_id: str, plan_id: uuid.UUID, entry: dict[str, Any]) -> None:
        await self.conn.execute("UPDATE draws SET current = false WHERE plan_id = $1 AND current", plan_id)
        await self.conn.execute("INSERT INTO draws (tenant_id, seq, id, plan_id, kind, entry, hash, current)"
                                " VALUES ($1,$2,$3,$4,$5,$6,$7,true)",
                                tenant_id, entry["seq"], uuid.UUID(entry["draw_id"]), plan_id, entry["kind"], entry, entry["hash"])
        await self.conn.execute("UPDATE draw_heads SET count = $2, hash = $3 WHERE tenant_id = $1", tenant_id, entry["seq"], entry["hash"])

    async def draws_of_plan(self, plan_id: uuid.UUID) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT id, entry, current FROM draws WHERE plan_id = $1 ORDER BY seq", plan_id))

    async def draw_chain(self, tenant_id: str) -> tuple[list[dict[str, Any]], int, str]:
        rows = await self.conn.fetch("SELECT entry FROM draws WHERE tenant_id = $1 ORDER BY seq", tenant_id)
        head = await self.conn.fetchrow("SELECT count, hash FROM draw_heads WHERE tenant_id = $1", tenant_id)
        return [r["entry"] for r in rows], (head["count"] if head else 0), (head["hash"] if head else GENESIS)
