"""Reports' own rows (categories, boundaries, places, reporters) in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.workflow.domain.geo import LatLng
from services.workflow.domain.reports import Category, OpenReport, Reporter, ReportFacts

# What the public map shows: reports being handled or resolved, never dismissed ones.
PUBLIC_STATUSES = ("dispatched", "handling", "needs_info", "dispatching", "resolved")


class ReportRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- categories and boundaries
    async def categories(self, chain: list[str]) -> list[Category]:
        rows = await self.conn.fetch("SELECT tenant_id, body FROM report_categories WHERE tenant_id = ANY($1)", chain)
        return [Category.from_dict(r["body"], r["tenant_id"]) for r in rows]

    async def put_category(self, cat: Category, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO report_categories (tenant_id, code, body, updated_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (tenant_id, code) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            cat.tenant_id, cat.code, cat.to_dict(), now)

    async def has_categories(self, tenant: str) -> bool:
        return bool(await self.conn.fetchval("SELECT EXISTS (SELECT 1 FROM report_categories WHERE tenant_id = $1)", tenant))

    async def boundaries(self) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT tenant_id, geometry, source, event_time FROM tenant_boundaries"))

    async def boundary(self, tenant: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT tenant_id, geometry, source, event_time FROM tenant_boundaries WHERE tenant_id = $1", tenant)

    async def put_boundary(self, tenant: str, geometry: dict[str, Any], source: str, event_time: datetime) -> bool:
        """False when a newer boundary is already stored (a late, older update loses)."""
        done = await self.conn.fetchval(
            "INSERT INTO tenant_boundaries (tenant_id, geometry, source, event_time) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (tenant_id) DO UPDATE SET geometry = excluded.geometry, source = excluded.source, event_time = excluded.event_time"
            " WHERE tenant_boundaries.event_time <= excluded.event_time RETURNING true", tenant, geometry, source, event_time)
        return bool(done)

    # -- a report's facts and reporters
    async def facts(self, app_id: uuid.UUID) -> ReportFacts | None:
        r = await self.conn.fetchrow("SELECT * FROM reports WHERE application_id = $1", app_id)
        if r is None:
            return None
        people = await self.conn.fetch("SELECT * FROM report_reporters WHERE application_id = $1 ORDER BY linked_at, user_id", app_id)
        marked = await self.conn.fetch("SELECT material_id FROM report_public_photos WHERE application_id = $1", app_id)
        return ReportFacts(r["category"], r["category_tenant"], LatLng(r["lat"], r["lng"]), r["address"], r["description"], r["anonymous"],
                           [Reporter(p["user_id"], p["phone_masked"], p["linked_at"], p["score"], p["comment"], p["rated_at"]) for p in people],
                           r["resolved_at"], r["reopen_count"], r["result_public"], r["moves"], {m["material_id"] for m in marked})

    async def add_facts(self, app_id: uuid.UUID, f: ReportFacts) -> None:
        await self.conn.execute(
            "INSERT INTO reports (application_id, category, category_tenant, lat, lng, address, description, anonymous, result_public)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            app_id, f.category, f.category_tenant, f.point.lat, f.point.lng, f.address, f.description, f.anonymous, f.result_public)
        for rep in f.reporters:
            await self.add_reporter(app_id, rep)

    async def save_facts(self, app_id: uuid.UUID, f: ReportFacts) -> None:
        await self.conn.execute("UPDATE reports SET resolved_at=$2, reopen_count=$3, moves=$4, result_public=$5 WHERE application_id=$1",
                                app_id, f.resolved_at, f.reopen_count, f.moves, f.result_public)

    async def add_reporter(self, app_id: uuid.UUID, rep: Reporter) -> bool:
        return bool(await self.conn.fetchval(
            "INSERT INTO report_reporters (application_id, user_id, phone_masked, linked_at) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT DO NOTHING RETURNING true", app_id, rep.user_id, rep.phone_masked, rep.linked_at))

    async def mark_public(self, app_id: uuid.UUID, photo_ids: list[uuid.UUID], public: bool, by: dict[str, Any], now: datetime) -> None:
        if public:
            await self.conn.executemany(
                "INSERT INTO report_public_photos (application_id, material_id, marked_by, marked_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT DO NOTHING", [(app_id, m, by, now) for m in photo_ids])
        else:
            await self.conn.execute("DELETE FROM report_public_photos WHERE application_id = $1 AND material_id = ANY($2)", app_id, photo_ids)

    # -- reporters without an account
    async def add_access_token(self, token_hash: bytes, app_id: uuid.UUID, reporter_id: str, now: datetime) -> None:
        await self.conn.execute("INSERT INTO report_access_tokens (token_hash, application_id, reporter_id, created_at) VALUES ($1,$2,$3,$4)",
                                token_hash, app_id, reporter_id, now)

    async def access_token(self, token_hash: bytes) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT application_id, reporter_id FROM report_access_tokens WHERE token_hash = $1", token_hash)

    async def rate(self, app_id: uuid.UUID, user_id: str, score: int, comment: str, now: datetime) -> None:
        await self.conn.execute("UPDATE report_reporters SET score=$3, comment=$4, rated_at=$5 WHERE application_id=$1 AND user_id=$2",
                                app_id, user_id, score, comment, now)

    async def open_near(self, tenant: str, category: str, box: tuple[float, float, float, float], since: datetime) -> list[OpenReport]:
        rows = await self.conn.fetch(
            """SELECT r.application_id, r.lat, r.lng, a.submitted_at FROM reports r JOIN applications a ON a.id = r.application_id
               WHERE r.category = $1 AND a.tenant_id = $2 AND NOT a.terminal AND a.submitted_at >= $3
                 AND r.lat BETWEEN $4 AND $5 AND r.lng BETWEEN $6 AND $7""", category, tenant, since, *box)
        return [OpenReport(r["application_id"], LatLng(r["lat"], r["lng"]), r["submitted_at"]) for r in rows]

    async def of_reporter(self, user_id: str, after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[tuple[datetime, uuid.UUID]]:
        rows = await self.conn.fetch(
            """SELECT linked_at, application_id FROM report_reporters WHERE user_id = $1
               AND ($2::timestamptz IS NULL OR (linked_at, application_id) < ($2, $3::uuid))
               ORDER BY linked_at DESC, application_id DESC LIMIT $4""",
            user_id, after[0] if after else None, after[1] if after else None, limit)
        return [(r["linked_at"], r["application_id"]) for r in rows]

    # -- what the public and supervisors see
    async def public(self, tenants: list[str], after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            """SELECT a.id, a.tenant_id, a.status, a.service_name, a.submitted_at, a.updated_at, r.category, r.lat, r.lng, r.result_public
               FROM reports r JOIN applications a ON a.id = r.application_id
               WHERE a.tenant_id = ANY($1) AND a.status = ANY($2)
                 AND ($3::timestamptz IS NULL OR (a.updated_at, a.id) < ($3, $4::uuid))
               ORDER BY a.updated_at DESC, a.id DESC LIMIT $5""",
            tenants, list(PUBLIC_STATUSES), after[0] if after else None, after[1] if after else None, limit))

    async def stats(self, tenants: list[str], start: datetime | None, end: datetime | None, now: datetime) -> list[asyncpg.Record]:
        """Per department and category: received, resolved, on time, overdue (open past its
        due time or resolved after it), mean hours to resolve, mean score, reopened."""
        return list(await self.conn.fetch(
            """SELECT a.department, r.category, min(a.service_name::text) AS name, count(*) AS received,
                      count(*) FILTER (WHERE a.status = 'resolved') AS resolved,
                      count(*) FILTER (WHERE a.status = 'resolved' AND (a.case_due_at IS NULL OR r.resolved_at <= a.case_due_at)) AS on_time,
                      count(*) FILTER (WHERE (a.status = 'resolved' AND r.resolved_at > a.case_due_at)
                                          OR (NOT a.terminal AND a.case_due_at < $4)) AS overdue,
                      avg(extract(epoch FROM r.resolved_at - a.submitted_at) / 3600) FILTER (WHERE r.resolved_at IS NOT NULL) AS hours,
                      (SELECT avg(p.score) FROM report_reporters p JOIN reports r2 ON r2.application_id = p.application_id
                         JOIN applications a2 ON a2.id = p.application_id
                       WHERE a2.department = a.department AND r2.category = r.category AND a2.tenant_id = ANY($1)
                         AND ($2::timestamptz IS NULL OR a2.submitted_at >= $2) AND ($3::timestamptz IS NULL OR a2.submitted_at < $3)) AS score,
                      count(*) FILTER (WHERE r.reopen_count > 0) AS reopened
               FROM reports r JOIN applications a ON a.id = r.application_id
               WHERE a.tenant_id = ANY($1) AND ($2::timestamptz IS NULL OR a.submitted_at >= $2)
                 AND ($3::timestamptz IS NULL OR a.submitted_at < $3)
               GROUP BY a.department, r.category ORDER BY a.department, r.category""", tenants, start, end, now))
